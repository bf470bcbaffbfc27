package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/trace"
)

func TestTimelineFromTrace(t *testing.T) {
	steps := []trace.Step{
		{N: 1, Name: "installation", Text: "installation alice/1", Actor: "alice/1", Outcome: "ok"},
		{N: 2, Name: "create-group", Text: "create-group alice/1 g0", Actor: "alice/1", Group: "g0", Outcome: "ok"},
		{N: 3, Name: "publish", Text: "publish alice/1 g0", Actor: "alice/1", Group: "g0", Outcome: "sent intent=1 ok"},
		{N: 4, Name: "sync", Text: "sync alice/1 g0", Actor: "alice/1", Group: "g0", Outcome: "ok", Events: []trace.Event{
			{Installation: "alice/1", Kind: "commit_accepted", Group: "g0", Seq: 1, Epoch: 1, Detail: "sender=alice/1"},
			{Installation: "alice/1", Kind: "commit_won", Group: "g0", Seq: 1, Intent: 1, Detail: "epoch=1"},
		}},
		{N: 5, Name: "fault", Text: "fault publish-lost bob/1", Actor: "bob/1", Outcome: "armed"},
		{N: 6, Name: "publish", Text: "publish bob/1 g0", Actor: "bob/1", Group: "g0", Outcome: "sent intent=2 err=network",
			Events: []trace.Event{{Installation: "bob/1", Kind: "publish_lost", Fault: true}}},
		{N: 7, Name: "sync", Text: "sync bob/1 g0", Actor: "bob/1", Group: "g0", Outcome: "client crashed at crash_before_tx", Crashed: true},
		{N: 8, Name: "sync", Text: "sync alice/1 g0", Actor: "alice/1", Group: "g0", Outcome: "ok", Events: []trace.Event{
			{Installation: "alice/1", Kind: "commit_accepted", Group: "g0", Seq: 2, Epoch: 2, Detail: "sender=bob/1"},
		}},
	}
	// The steps are the ones these trace lines show.
	require.Equal(t, []string{
		"1 installation alice/1 -> ok",
		"2 create-group alice/1 g0 -> ok",
		"3 publish alice/1 g0 -> sent intent=1 ok",
		"4 sync alice/1 g0 -> ok | commit_accepted g0 seq=1 epoch=1 sender=alice/1; commit_won g0 seq=1 intent=1 epoch=1",
		"5 fault publish-lost bob/1 -> armed",
		"6 publish bob/1 g0 -> sent intent=2 err=network | publish_lost",
		"7 sync bob/1 g0 -> client crashed at crash_before_tx",
		"8 sync alice/1 g0 -> ok | commit_accepted g0 seq=2 epoch=2 sender=bob/1",
	}, trace.Lines(steps))
	tl := BuildTimeline(steps, []trace.Step{steps[6]})
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
	var steps []trace.Step
	for i := 1; i <= 10000; i++ {
		inst, g := fmt.Sprintf("user%d/1", i%40), fmt.Sprintf("g%d", i%3)
		steps = append(steps, trace.Step{N: i, Name: "sync", Text: "sync " + inst + " " + g, Actor: inst, Group: g, Outcome: "ok",
			Events: []trace.Event{
				{Installation: inst, Kind: "commit_accepted", Group: g, Seq: uint64(i), Epoch: uint64(i / 10), Detail: "sender=" + inst},
				{Installation: inst, Kind: "commit_won", Group: g, Seq: uint64(i), Intent: int64(i), Detail: fmt.Sprintf("epoch=%d", i/10)},
				{Installation: inst, Kind: "welcome_sent", Group: g, Seq: uint64(i), Detail: fmt.Sprintf("to=x/1 epoch=%d", i/10)},
				{Installation: inst, Kind: "message_stored", Group: g, Seq: uint64(i), Detail: fmt.Sprintf("%s#%d epoch=%d", inst, i, i/10)},
			}})
	}
	s := &results.RunSummary{Scenario: "synthetic", Seed: 1, Steps: 10000, Determinism: results.DeterminismSkipped, Trace: steps, Events: map[string]int{"commit_won": 10000},
		Violations: []results.Violation{results.NewViolation(checker.Violation{Property: "L1", Step: 9999, Group: "g0",
			Installations: []string{"user1/1"}}, 1, steps[9990:])}}
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

// The fault-site table lists every site of results.FaultSites with its counts,
// highlights the pairs a sweep never reached, marks those that do not
// apply, and gives a counted site missing from the list a row of its own.
func TestFaultSiteTable(t *testing.T) {
	counts := map[string]int{}
	for _, k := range results.FaultSitePairs() {
		counts[k] = 2
	}
	delete(counts, "processEnvelope/tx busy")
	counts["send/Publish net_error"] = 7
	counts["mystery/tx crash_after"] = 1
	s := results.Fold("synthetic", []results.RunSummary{{Seed: 1, FaultSites: counts, Events: map[string]int{}}})
	require.Equal(t, []string{"processEnvelope/tx busy"}, s.FaultSitesUnreached)
	dir := t.TempDir()
	require.NoError(t, WriteSweep(dir, &SweepReport{SweepSummary: *s}))

	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	require.NoError(t, err)
	pairs := len(results.FaultSitePairs())
	require.Contains(t, string(md), fmt.Sprintf("%d of %d (site, fault) pairs reached. Never reached (**bold**): processEnvelope/tx busy.", pairs-1, pairs))
	require.Contains(t, string(md), "| processEnvelope/tx | 2 | 2 | **0** | · |  |")
	require.Contains(t, string(md), "| send/Publish | 2 | 2 | · | 7 |  |")
	require.Contains(t, string(md), "| loadIdentity/tx | 0 | 0 | 0 | · | not required: ")
	require.Contains(t, string(md), "| mystery/tx | 0 | 1 | 0 | 0 | not in results.FaultSites |")

	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	require.Contains(t, string(page), `<span id="fault-sites-unreached">processEnvelope/tx busy</span>`)
	require.Contains(t, string(page), `<tr><td class="site">processEnvelope/tx</td><td>2</td><td>2</td><td class="unreached">0</td><td class="na">·</td>`)
	require.Contains(t, string(page), `<tr><td class="site">send/Publish</td><td>2</td><td>2</td><td class="na">·</td><td>7</td>`)

	// A run's report has the table too.
	run := &results.RunSummary{Scenario: "synthetic", Seed: 1, FaultSites: map[string]int{"send/Publish net_error": 1}}
	rdir := t.TempDir()
	require.NoError(t, WriteRun(rdir, NewRunReport(run)))
	md, err = os.ReadFile(filepath.Join(rdir, "summary.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "| send/Publish | **0** | **0** | · | 1 |  |")
}
