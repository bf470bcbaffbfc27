package reports

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/trace"
)

// liveSummary is a small live run as `simrun live` makes one: timed
// steps, a client killed and restarted, a network fault, and a live-order
// violation.
func liveSummary() *results.RunSummary {
	steps := []trace.Step{
		{N: 1, Name: "create", Text: "t=0.114s create alice/1 g0", Actor: "alice/1", Group: "g0", Outcome: "ok"},
		{N: 2, Name: "add", Text: "t=0.302s add alice/1 g0 bob", Actor: "alice/1", Group: "g0", Outcome: "ok", Events: []trace.Event{
			{Installation: "alice/1", Kind: "commit_won", Group: "g0", Seq: 1, Intent: 1},
			{Installation: "alice/1", Kind: "welcome_sent", Group: "g0", Seq: 1},
		}},
		{N: 3, Name: "process-welcomes", Text: "t=0.410s process-welcomes bob/1", Actor: "bob/1", Outcome: "ok", Events: []trace.Event{
			{Installation: "bob/1", Kind: "welcome_applied", Group: "g0"},
		}},
		{N: 4, Name: "fault", Text: "t=1.250s fault alice partition 1589ms", Outcome: "ok"},
		{N: 5, Name: "kill", Text: "t=6.189s kill bob pid=15134", Actor: "bob/1", Outcome: "SIGKILL", Crashed: true},
		{N: 6, Name: "restart", Text: "t=6.472s restart bob life=2", Actor: "bob/1", Outcome: "ok"},
		{N: 7, Name: "kill", Text: "t=9.435s kill topicd-1 pid=15125", Outcome: "SIGKILL"},
		{N: 8, Name: "restart", Text: "t=10.371s restart topicd-1 life=2", Outcome: "ok"},
		{N: 9, Name: "send", Text: "t=12.345s send alice/1 g0 m3", Actor: "alice/1", Group: "g0", Outcome: "ok"},
		{N: 10, Name: "check", Text: "t=15.951s check", Outcome: ""},
	}
	return &results.RunSummary{Scenario: "default", Seed: 5, Steps: len(steps), Clients: 2, Groups: 1,
		Determinism: results.DeterminismSkipped, Converged: true, LivenessRounds: 2, LivenessBound: 40,
		Events: map[string]int{"commit_won": 1, "welcome_sent": 1, "welcome_applied": 1}, FaultSites: map[string]int{},
		Violations: []results.Violation{results.NewViolation(checker.Violation{Property: "live-order", Step: 9, Group: "g0",
			Installations: []string{"alice/1"}, Message: "not linearizable: topic g0"}, 5, steps[8:9])},
		Trace: steps,
		Live: &results.LiveRun{Note: "timing is real: a live run is not reproducible byte for byte", Database: "sqlite",
			Servers: 1, ClientProcesses: 2, FaultMillis: 8000, ClientKills: 1, ServerKills: 1, Restarts: 2,
			NetworkFaults: map[string]int{"partition": 8, "drop-response": 14, "delay-publish": 5},
			Actions:       7, Skipped: 1, AckedIntents: 3, CheckSteps: 2, Calls: 40,
			NotPlayed:  map[string]string{"stream-drop": "no live counterpart", "clock-jump": "the store and the clock are real"},
			OrderCheck: "Illegal: 12 ops checked on 1 topic", FilesChecked: 3, LivenessRounds: 2, Converged: true},
	}
}

// A live run's report has a live section (the note, the processes,
// network faults and what was not played in key order, the order check),
// says it is not reproducible where a simulator's prints its trace hash,
// and lists its kills, restarts, faults and violation by wall time. A
// simulator's run has none of it.
func TestLiveRunReport(t *testing.T) {
	s := liveSummary()
	require.NoError(t, CheckRunSummary(s))
	dir := t.TempDir()
	r := NewRunReport(s)
	require.NoError(t, WriteRun(dir, r))
	require.Equal(t, []ClockTick{{Seconds: 0, Step: 1}, {Seconds: 6, Step: 5}, {Seconds: 8, Step: 7}, {Seconds: 10, Step: 8}, {Seconds: 12, Step: 9}, {Seconds: 14, Step: 10}},
		r.Timeline.Clock)
	times := map[int]string{}
	for _, m := range r.Timeline.Marks {
		times[m.Step] = m.Time
	}
	require.Equal(t, map[int]string{2: "0.302s", 3: "0.410s", 4: "1.250s", 5: "6.189s", 6: "6.472s", 7: "9.435s", 8: "10.371s"}, times)

	md := read(t, dir, "summary.md")
	page := read(t, dir, "index.html")
	for _, doc := range []string{md, page} {
		require.Contains(t, doc, "Live run")
		require.Contains(t, doc, "timing is real: a live run is not reproducible byte for byte")
		require.Contains(t, doc, "not reproducible (live run: timing is real)")
		require.Contains(t, doc, "Illegal: 12 ops checked on 1 topic")
		require.Contains(t, doc, "simrun live --scenario default --seed 5 --clients 2 --duration 8s --out DIR")
		inOrder(t, doc, "delay-publish", "drop-response", "partition")
		inOrder(t, doc, "clock-jump", "the store and the clock are real", "stream-drop", "no live counterpart")
		inOrder(t, doc, "Live run", "Timeline (wall time)", "Events")
		require.NotContains(t, doc, "Reproduce: `simrun run")
		require.NotContains(t, doc, "reproduce: <code")
	}
	require.Contains(t, md, "| sqlite | 1 | 2 | 8.0 s | 1 | 1 | 2 |")
	require.Contains(t, md, "| delay-publish | 5 |\n| drop-response | 14 |\n| partition | 8 |")
	require.Contains(t, md, "| time | step | what | installations | line |")
	require.Contains(t, md, "| 1.250s | 4 | fault | alice/1 | `4 t=1.250s fault alice partition 1589ms -> ok` |")
	require.Contains(t, md, "| 6.189s | 5 | crash | bob/1 | `5 t=6.189s kill bob pid=15134 -> SIGKILL` |")
	require.Contains(t, md, "| 9.435s | 7 | crash | alice/1,bob/1 | `7 t=9.435s kill topicd-1 pid=15125 -> SIGKILL` |", "a server's kill is on every lane")
	require.Contains(t, md, "| 12.345s | **9** | leads to live-order |  | `9 t=12.345s send alice/1 g0 m3 -> ok` |")
	require.Contains(t, md, "### live-order (server order linearizable) at step 9")
	require.NotContains(t, md, "| processEnvelope/tx", "no fault-site table: a live run has no fault sites")

	require.Contains(t, page, `<section class="live" id="live">`)
	require.Contains(t, page, "<tr><td>sqlite</td><td>1</td><td>2</td><td>8.0 s</td><td>1</td><td>1</td><td>2</td></tr>")
	require.Contains(t, page, "<tr><td>delay-publish</td><td>5</td></tr>\n<tr><td>drop-response</td><td>14</td></tr>\n<tr><td>partition</td><td>8</td></tr>")
	require.Contains(t, page, `<th>time</th><th>step</th>`)
	require.Contains(t, page, `<tr class="lead" data-step="9"><td class="time">12.345s</td><td>9</td>`)
	require.Contains(t, page, `<td class="time">6.472s</td><td>6</td><td>restart</td><td>bob/1</td>`)
	require.Contains(t, page, `data-time="6.189s"`)
	require.Contains(t, page, `<svg class="clock" id="clock"`)
	require.Contains(t, page, `>12s</text>`)
	require.NotContains(t, strings.ReplaceAll(page, "http://www.w3.org/2000/svg", ""), "http", "self-contained (but for the SVG namespace)")

	// Re-rendering from summary.json gives the same files.
	require.NoError(t, os.Remove(filepath.Join(dir, "index.html")))
	require.NoError(t, Render(dir))
	require.Equal(t, page, read(t, dir, "index.html"))
	require.Equal(t, md, read(t, dir, "summary.md"))

	// Without Live, and with untimed steps, none of it.
	plain := liveSummary()
	plain.Live = nil
	plain.Violations = nil
	plain.TraceSHA256 = "ab12"
	for i := range plain.Trace {
		_, plain.Trace[i].Text, _ = strings.Cut(plain.Trace[i].Text, " ")
	}
	pdir := t.TempDir()
	pr := NewRunReport(plain)
	require.NoError(t, WriteRun(pdir, pr))
	require.Empty(t, pr.Timeline.Clock)
	for _, m := range pr.Timeline.Marks {
		require.Empty(t, m.Time)
		require.NotEqual(t, "fault", m.Kind, "a simulator's fault by an account reaches no lane, as before")
	}
	for _, name := range []string{"summary.md", "index.html", "summary.json"} {
		doc := read(t, pdir, name)
		for _, s := range []string{"Live run", "not reproducible", "wall time", "data-time", `"clock"`, `"time"`, "simrun live"} {
			require.NotContains(t, doc, s, name)
		}
	}
	require.Contains(t, read(t, pdir, "summary.md"), "trace_sha256 `ab12`")
	require.Contains(t, read(t, pdir, "index.html"), "trace <code>ab12</code>")
	require.Contains(t, read(t, pdir, "summary.md"), "## Fault-site coverage\n\n")
}

// A live run's summary is consistent with determinism skipped, no trace
// hash and live property names; a live finding in a run that is not live,
// or a live run said to be re-run, is not.
func TestCheckLiveRunSummary(t *testing.T) {
	require.NoError(t, CheckRunSummary(liveSummary()))

	s := liveSummary()
	s.Determinism = results.DeterminismChecked
	require.ErrorContains(t, CheckRunSummary(s), `a live run's determinism is "checked"`)

	s = liveSummary()
	s.Violations[0].Name = "order"
	require.ErrorContains(t, CheckRunSummary(s), `property live-order is "server order linearizable", not "order"`)

	s = liveSummary()
	s.Live = nil
	require.ErrorContains(t, CheckRunSummary(s), "live-order is a live run's property, in a run that is not live")

	// Through summary.json too (simrun report DIR).
	dir := t.TempDir()
	require.NoError(t, WriteRun(dir, NewRunReport(liveSummary())))
	var back RunReport
	require.NoError(t, json.Unmarshal([]byte(read(t, dir, "summary.json")), &back))
	require.NotNil(t, back.Live)
	require.NoError(t, CheckRun(&back))
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return string(data)
}

// inOrder requires each of parts in doc, each after the one before.
func inOrder(t *testing.T, doc string, parts ...string) {
	t.Helper()
	at := 0
	for _, p := range parts {
		i := strings.Index(doc[at:], p)
		require.GreaterOrEqual(t, i, 0, "%q after %q", p, doc[:at][max(0, at-40):])
		at += i + len(p)
	}
}
