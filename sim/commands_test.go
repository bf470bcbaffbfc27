package sim

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every documented command and query is dispatched, its example runs as
// written in a small world, and a line with too few arguments is refused
// naming the documented usage: the help page cannot drift from the code.
func TestCommandTableMatchesDispatcher(t *testing.T) {
	w, err := NewWorld(Params{Accounts: 2, InstallsPer: 1, Groups: 1, MaxInstallations: 8}, 1)
	require.NoError(t, err)
	defer w.Close()
	for _, line := range []string{"installation alice/1", "installation bob/1", "installation carol/1", "installation dave/1",
		"create-group alice/1 g0", "add alice/1 g0 bob", "publish alice/1 g0", "sync alice/1 g0", "send-welcomes alice/1",
		"process-welcomes bob/1", "send alice/1 g0 hi", "publish alice/1 g0"} {
		c, err := ParseCmd(line)
		require.NoError(t, err)
		_, err = w.Do(c)
		require.NoError(t, err, line)
	}
	seen := map[string]bool{}
	for _, d := range Commands() {
		require.False(t, seen[d.Name], "%s documented twice", d.Name)
		seen[d.Name] = true
		require.NotEmpty(t, d.Summary, d.Name)
		ex, err := ParseCmd(d.Example)
		require.NoError(t, err, d.Name)
		require.Equal(t, d.Name, ex.Name, "%s: its example runs another command", d.Name)
		require.GreaterOrEqual(t, len(ex.Args), d.min, "%s: its example has fewer arguments than its usage", d.Name)
		if d.Query {
			_, err = w.Query(ex)
		} else {
			_, err = w.Do(ex)
		}
		require.NoError(t, err, "%s: its example %q", d.Name, d.Example)
		if d.min > 0 {
			short := Cmd{Name: d.Name, Args: ex.Args[:d.min-1]}
			if d.Query {
				_, err = w.Query(short)
			} else {
				_, err = w.Do(short)
			}
			require.Error(t, err, "%s with %d arguments", d.Name, d.min-1)
			require.Contains(t, err.Error(), strings.TrimSpace(d.Name+" "+d.Usage), d.Name)
		}
	}
	_, err = w.Do(Cmd{Name: "no-such-command"})
	require.True(t, errors.Is(err, ErrBadCommand))
	require.Contains(t, err.Error(), "known: installation, create-group")
	require.True(t, IsQuery("state"))
	require.False(t, IsQuery("send"))
}
