package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/runner"
)

func TestTimelineFromTrace(t *testing.T) {
	trace := []string{
		"1 installation alice/1 -> ok",
		"2 create-group alice/1 g0 -> ok",
		"3 publish alice/1 g0 -> sent intent=1 ok",
		"4 sync alice/1 g0 -> ok | commit_accepted g0 seq=1 epoch=1 sender=alice/1; commit_won g0 seq=1 intent=1 epoch=1",
		"5 fault publish-lost bob/1 -> armed",
		"6 publish bob/1 g0 -> sent intent=2 err=network | publish_lost",
		"7 sync bob/1 g0 -> client crashed at crash_before_tx",
		"8 sync alice/1 g0 -> ok | commit_accepted g0 seq=2 epoch=2 sender=bob/1",
	}
	tl := BuildTimeline(trace, []string{trace[6]})
	require.Equal(t, 8, tl.LastStep)
	require.Len(t, tl.Groups, 1)
	g := tl.Groups[0]
	require.Equal(t, []string{"alice/1", "bob/1"}, g.Installations)
	require.Equal(t, []EpochBand{{Epoch: 1, FromStep: 4, ToStep: 8}, {Epoch: 2, FromStep: 8, ToStep: 8}}, g.Epochs)
	kinds := map[string]int{}
	for _, m := range tl.Marks {
		kinds[m.Kind]++
		if m.Kind == "crash" {
			require.True(t, m.Lead)
			require.Equal(t, "bob/1", m.Installation)
		}
	}
	require.Equal(t, map[string]int{"commit": 1, "fault": 2, "crash": 1}, kinds)
}

// A 10,000-step run's page stays under 5 MB: marks are bounded (never the
// ones leading to a violation) and lines truncated. Re-rendering from
// summary.json gives the same page.
func TestLongRunStaysSmall(t *testing.T) {
	var trace []string
	for i := 1; i <= 10000; i++ {
		inst := fmt.Sprintf("user%d/1", i%40)
		trace = append(trace, fmt.Sprintf("%d sync %s g%d -> ok | commit_accepted g%d seq=%d epoch=%d sender=%s; commit_won g%d seq=%d intent=%d epoch=%d; welcome_sent g%d seq=%d to=x/1 epoch=%d; message_stored g%d seq=%d %s#%d epoch=%d",
			i, inst, i%3, i%3, i, i/10, inst, i%3, i, i, i/10, i%3, i, i/10, i%3, i, inst, i, i/10))
	}
	s := &runner.RunSummary{Scenario: "synthetic", Seed: 1, Steps: 10000, Trace: trace, Events: map[string]int{"commit_won": 10000},
		Violations: []runner.ViolationSummary{{Property: "L1", Name: "convergence", Step: 9999, Group: "g0",
			Installations: []string{"user1/1"}, Trace: trace[9990:]}}}
	dir := t.TempDir()
	r := NewRunReport(s)
	require.Positive(t, r.Timeline.Dropped)
	lead := 0
	for _, m := range r.Timeline.Marks {
		if m.Lead {
			lead++
		}
	}
	require.Positive(t, lead, "the marks leading to the violation are kept")
	require.NoError(t, WriteRun(dir, r))
	for _, name := range []string{"index.html", "summary.json"} {
		info, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Less(t, info.Size(), int64(5<<20), name)
	}
	before, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(dir, "index.html")))
	require.NoError(t, Render(dir))
	after, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	require.Equal(t, string(before), string(after))
	require.Error(t, Render(t.TempDir()), "no summary.json")
}
