package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/results"
)

// conformance is a client that passes one script, fails one (its
// outputs holding characters HTML must escape), cannot play one, and
// one the kit could not run; its sweep fails on one seed of three.
func conformance() *results.Conformance {
	return &results.Conformance{
		Client:         `./client --name "a&b" <x>`,
		Implementation: "naive-go 0.1",
		Features:       []string{"observe", "restart"},
		Scripts: []results.ScriptOutcome{
			{Name: "basic/add.txt", Status: "passed", Commands: 4, Millis: 12},
			{Name: "fork/merge.txt", Status: "failed", Line: 17, Command: `send g1 "<b>hi</b>" & more`,
				Expected: "ok epoch=2\nmsg <b>hi</b> from 'alice' & \"bob\"", Got: "ok epoch=2\nmsg <script>alert(1)</script>",
				Properties: []string{"S1"}, Violations: []string{"S1 step 9: fork <between> a & b"}, Commands: 9, Millis: 30},
			{Name: "crash/arm.txt", Status: "unsupported", Why: "arm-crash reaches inside a client", Commands: 2},
			{Name: "broken/start.txt", Status: "error", Why: "client exited: status 2\n<panic> & stack"},
		},
		Sweep: &results.ConformanceSweep{
			Scenario: "crashy",
			Runs: []results.ConformanceRun{
				{Seed: 1, Status: "passed", Steps: 40},
				{Seed: 2, Status: "failed", Steps: 40, Properties: []string{"L1", "S1"},
					Violations: []string{"S1 step 12: two epochs 3 <diverge>", "L1 step 40: not converged"}},
				{Seed: 3, Status: "passed", Steps: 40},
			},
		},
		WallMillis: 1500,
	}
}

func TestConformCounts(t *testing.T) {
	r := NewConformReport(conformance())
	require.Equal(t, "FAIL", r.Verdict)
	require.Equal(t, []int{1, 1, 1, 1}, []int{r.Passed, r.Failed, r.Unsupported, r.Broken})
	require.Equal(t, []int{3, 2, 1}, []int{r.Sweep.Seeds, r.Sweep.Passed, r.Sweep.Failed})
	require.Equal(t, map[string]int{"L1": 1, "S1": 1}, r.Sweep.Properties)
	require.NoError(t, CheckConform(r))

	// Unsupported scripts do not fail the verdict; no sweep is no sweep.
	c := conformance()
	c.Scripts, c.Sweep = []results.ScriptOutcome{c.Scripts[0], c.Scripts[2]}, nil
	require.Equal(t, "PASS", NewConformReport(c).Verdict)
	// An errored seed fails it.
	c.Sweep = &results.ConformanceSweep{Scenario: "crashy", Runs: []results.ConformanceRun{{Seed: 1, Status: "error", Why: "dial"}}}
	r = NewConformReport(c)
	require.Equal(t, "FAIL", r.Verdict)
	require.Equal(t, 1, r.Sweep.Failed)
}

func TestConformPage(t *testing.T) {
	f, err := ConformFiles(NewConformReport(conformance()))
	require.NoError(t, err)
	page := string(f["index.html"])
	require.Contains(t, page, `class="fail" id="verdict">FAIL — conformance of naive-go 0.1: 1 passed, 1 failed, 1 unsupported, 1 errored of 4 scripts; sweep 2 passed, 1 failed of 3 seeds`)
	require.Contains(t, page, `<summary>line 17: <code>send g1 &#34;&lt;b&gt;hi&lt;/b&gt;&#34; &amp; more</code></summary>`)
	require.Contains(t, page, `<code class="client">./client --name &#34;a&amp;b&#34; &lt;x&gt;</code>`)
	require.Contains(t, page, `msg &lt;b&gt;hi&lt;/b&gt; from &#39;alice&#39; &amp; &#34;bob&#34;`)
	require.Contains(t, page, `<span class="first-diff">msg &lt;script&gt;alert(1)&lt;/script&gt;</span>`)
	require.Contains(t, page, `<li>S1 step 9: fork &lt;between&gt; a &amp; b</li>`)
	require.NotContains(t, page, "<script>", "data reaches the page escaped")
	require.NotContains(t, page, "<b>hi")
	require.Contains(t, page, `<td class="st-unsupported">unsupported</td>`)
	require.Contains(t, page, "arm-crash reaches inside a client")
	require.Contains(t, page, "client exited: status 2\n&lt;panic&gt; &amp; stack")
	require.Contains(t, page, `<tr><td>L1</td><td>convergence</td><td class="num">1</td><td>2</td></tr>`)
	require.Contains(t, page, `<tr><td>S1</td><td>no fork</td><td class="num">1</td><td>2</td></tr>`)
	require.Contains(t, page, "S1 step 12: two epochs 3 &lt;diverge&gt;")
	require.Contains(t, page, "commit hashes masked")
	require.NotRegexp(t, `(?i)(src|href)="?(https?:)?//`, page, "self-contained")

	md := string(f["summary.md"])
	require.Contains(t, md, "# FAIL — conformance of `naive-go 0.1`")
	require.Contains(t, md, "### fork/merge.txt: failed at line 17\n\n`send g1 \"<b>hi</b>\" & more`")
	require.Contains(t, md, "| fork/merge.txt | failed | 9 | 30 | S1 (no fork) |")
	require.Contains(t, md, "| L1 | convergence | 1 | 2 |")
	require.Contains(t, md, "### seed 2: failed after 40 steps")
	require.Contains(t, md, "### crash/arm.txt: unsupported\n\n`arm-crash reaches inside a client`")
	require.Contains(t, md, "### broken/start.txt: error\n\n```\nclient exited: status 2\n<panic> & stack\n```\n")
}

// A summary that says PASS over a failed script, or counts its scripts
// wrong, is refused: by the writer and by a re-render.
func TestCheckConformRefuses(t *testing.T) {
	for _, c := range []struct {
		edit func(r *ConformReport)
		want string
	}{
		{func(r *ConformReport) { r.Verdict = "PASS" }, `verdict: "PASS", but its scripts and seeds make it FAIL (script fork/merge.txt failed)`},
		{func(r *ConformReport) { r.Failed, r.Passed = 0, 2 }, "failed: 0, but 1 of its scripts are failed"},
		{func(r *ConformReport) { r.Scripts[0].Status = "ok" }, `script 1 (basic/add.txt): status "ok" is not passed, failed, unsupported or error`},
		{func(r *ConformReport) { r.Sweep.Failed = 0 }, "sweep failed: 0, but its runs make it 1"},
		{func(r *ConformReport) { r.Sweep.Properties["S1"] = 3 }, "sweep properties: S1 is 3, but it fails 1 seed"},
		{func(r *ConformReport) { r.Sweep.Runs[2].Seed = 1 }, "not in seed order"},
		{func(r *ConformReport) { r.Sweep.Runs[0].Properties = []string{"S2"} }, "sweep seed 1 passed, but violates S2"},
		{func(r *ConformReport) { r.Sweep.Runs[1].Status = "flaky" }, `sweep seed 2: status "flaky"`},
	} {
		r := NewConformReport(conformance())
		c.edit(r)
		err := CheckConform(r)
		require.ErrorContains(t, err, c.want)
		_, err = ConformFiles(r)
		require.ErrorContains(t, err, c.want)
	}
}

func TestRerenderConform(t *testing.T) {
	dir := t.TempDir()
	r := NewConformReport(conformance())
	require.NoError(t, WriteConform(dir, r))
	written := map[string][]byte{}
	for _, name := range []string{"index.html", "summary.md", "summary.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		written[name] = data
	}
	f, err := Rerender(dir)
	require.NoError(t, err)
	require.Equal(t, string(written["index.html"]), string(f["index.html"]))
	require.Equal(t, string(written["summary.md"]), string(f["summary.md"]))

	// Edited to say PASS, it is refused rather than re-rendered.
	edited := strings.Replace(string(written["summary.json"]), `"verdict": "FAIL"`, `"verdict": "PASS"`, 1)
	require.NotEqual(t, string(written["summary.json"]), edited)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "summary.json"), []byte(edited), 0o644))
	_, err = Rerender(dir)
	require.ErrorContains(t, err, `verdict: "PASS"`)
}

// Text a client wrote cannot close its code span or a table cell early.
func TestConformMarkdownQuoting(t *testing.T) {
	require.Equal(t, "``say `hi` now``", codeSpan("say `hi` now"))
	require.Equal(t, "`` `x` ``", codeSpan("`x`"))
	require.Equal(t, "````\na ``` b\n````\n", fence("a ``` b"))
	require.Equal(t, `a \| b c`, mdCell("a | b\nc"))
}
