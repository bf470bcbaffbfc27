package live

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/internal/topictest"
	"github.com/mlsim/mlsim/store"
	"github.com/mlsim/mlsim/topicd"
)

// A client started on a store file that is not a database, or a store
// cut in half, exits 2 saying which installation and file, before it
// touches the network, and leaves the file as it was.
func TestClientRefusesCorruptedStore(t *testing.T) {
	garbage := bytes.Repeat([]byte("this is not a database "), 400)
	good := filepath.Join(t.TempDir(), "good.db")
	db, err := store.OpenFile(good)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	whole, err := os.ReadFile(good)
	require.NoError(t, err)
	for name, content := range map[string][]byte{"garbage": garbage, "truncated": whole[:len(whole)/2]} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "1.db")
			require.NoError(t, os.WriteFile(path, content, 0o644))
			var stdout, stderr bytes.Buffer
			// No server listens there: the store is refused first.
			code := RunClient([]string{"--addr", "127.0.0.1:1", "--dir", dir, "--account", "alice", "--dial-for", "1s"},
				strings.NewReader(""), &stdout, &stderr)
			require.Equal(t, ClientExitSetup, code)
			require.Contains(t, stderr.String(), "installation alice/1: store "+path+" cannot be opened")
			require.Empty(t, stdout.String())
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, content, after, "the corrupted file was changed")
		})
	}
}

func TestClientBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--dir", dir, "--account", "alice"}, "--addr, --dir and --account are required"},
		{[]string{"--addr", "x:1", "--dir", dir, "--account", "al/ice"}, "an account has no '/'"},
		{[]string{"--addr", "x:1", "--dir", filepath.Join(dir, "missing"), "--account", "alice"}, "not a folder"},
		{[]string{"--addr", "x:1", "--dir", dir, "--account", "alice", "--life", "0"}, "--life must be at least 1"},
		{[]string{"--addr", "x:1", "--dir", dir, "--account", "alice", "extra"}, "unexpected arguments"},
		{[]string{"--nope"}, "flag provided but not defined"},
	} {
		var stderr bytes.Buffer
		require.Equal(t, ClientExitSetup, RunClient(c.args, strings.NewReader(""), &bytes.Buffer{}, &stderr), c.args)
		require.Contains(t, stderr.String(), c.says)
	}
	var help bytes.Buffer
	require.Equal(t, ClientExitOK, RunClient([]string{"--help"}, strings.NewReader(""), &bytes.Buffer{}, &help), "--help is no error")
	require.Contains(t, help.String(), "-addr")
	var stderr bytes.Buffer
	require.Equal(t, ClientExitSetup, ChildMain([]string{"server"}, nil, nil, &stderr))
	require.Contains(t, stderr.String(), `unknown role "server"`)
}

// Against a real topicd: a client answers an unknown op or installation
// with an error and goes on; a line that is not a command ends it with
// exit 2, saying so; its store is intact and holds what it acknowledged.
func TestClientCommands(t *testing.T) {
	s, err := topicd.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "topics.db"))
	require.NoError(t, err)
	addr := topictest.Serve(t, s)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1.db"), nil, 0o644))
	cmds := []Command{
		{Op: OpUpkeep},
		{Op: OpCreate, Inst: "alice/1", Group: "g"},
		{Op: OpSend, Inst: "alice/1", Group: "g", Text: "hello"},
		{Op: "dance", Inst: "alice/1"},
		{Op: OpSend, Inst: "alice/9", Group: "g", Text: "x"},
		{Op: OpFault, Fault: "meteor"},
		{Op: OpOpen, Inst: "bob/1"},
		{Op: OpUpkeep},
	}
	var in bytes.Buffer
	for _, c := range cmds {
		b, _ := json.Marshal(c)
		in.Write(append(b, '\n'))
	}
	in.WriteString("not json\n")
	var stdout, stderr bytes.Buffer
	code := RunClient([]string{"--addr", addr, "--dir", dir, "--account", "alice", "--upkeep-every", "1h"}, &in, &stdout, &stderr)
	require.Equal(t, ClientExitSetup, code)
	require.Contains(t, stderr.String(), `bad command "not json"`)
	var replies []Reply
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var r Reply
		require.NoError(t, dec.Decode(&r))
		replies = append(replies, r)
	}
	require.Len(t, replies, 1+len(cmds))
	require.True(t, replies[0].Ready)
	require.Equal(t, []string{"alice/1"}, replies[0].Installations)
	require.True(t, replies[1].OK, replies[1].Err)
	require.True(t, replies[2].OK, replies[2].Err)
	require.True(t, replies[3].OK, replies[3].Err)
	require.Positive(t, replies[3].Intent)
	require.Contains(t, replies[4].Err, `unknown op "dance"`)
	require.Contains(t, replies[5].Err, `no installation "alice/9" here`)
	require.Contains(t, replies[6].Err, `unknown fault "meteor"`)
	require.Contains(t, replies[7].Err, `is not alice/NAME`)
	require.True(t, replies[8].OK, replies[8].Err)

	fs, err := openFileStore(filepath.Join(dir, "1.db"))
	require.NoError(t, err)
	defer fs.Close()
	held, err := intentStates(fs)
	require.NoError(t, err)
	require.Contains(t, held, replies[3].Intent)
	require.NoError(t, integrityCheck(filepath.Join(dir, "1.db")))
}
