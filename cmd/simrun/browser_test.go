package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/reports"
)

// chromium finds a headless browser, or skips the test saying how to get
// one (.ci/run installs Debian's chromium).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("no chromium on PATH: install Debian's chromium (apt-get install chromium) to run the browser test")
	return ""
}

// renderedDOM loads a page in headless Chromium, runs its scripts, and
// returns the DOM as the browser built it.
func renderedDOM(t *testing.T, browser, page string) string {
	t.Helper()
	abs, err := filepath.Abs(page)
	require.NoError(t, err)
	cmd := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=2000",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+abs)
	out, err := cmd.Output()
	require.NoError(t, err, "chromium --dump-dom %s", abs)
	return string(out)
}

// A sweep with a failing seed (a test fixture breaks the engine) produces
// a report from which a newcomer can see what went wrong. Asserted on the page as Chromium renders it: the sweep page
// names the failing seed and links its report; that report shows the
// violated property's name, its step, the installations involved, the
// lanes, the violation marker and the marks leading to it.
func TestSweepReportInBrowser(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	r := simrun(t, nil, "sweep", "--scenario", "crashy", "--seeds", "1..4", "--fixture", "skip-past-busy",
		"--workers", "2", "--out", dir, "--json")
	require.Equal(t, 1, r.code, r.stderr)
	var s reports.SweepReport
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &s))
	require.NotEmpty(t, s.FailingSeeds)

	sweep := renderedDOM(t, browser, filepath.Join(dir, "index.html"))
	require.Contains(t, sweep, `id="verdict"`)
	require.Contains(t, sweep, "FAIL")
	require.Regexp(t, `class="failing-seed"><a href="seeds/\d+/index.html">seed \d+</a>`, sweep)
	require.Contains(t, sweep, `id="events"`)

	seed := s.FailingSeeds[0]
	run := s.Runs[0]
	for _, x := range s.Runs {
		if x.Seed == seed {
			run = x
		}
	}
	v := run.Violations[0]
	page := renderedDOM(t, browser, filepath.Join(dir, s.SeedReports[formatSeed(seed)]))
	require.Contains(t, page, `data-rendered="true"`, "the page's script ran")
	// The violation: property, name, step, installations.
	block := regexp.MustCompile(`(?s)<div class="violation" id="violation-1".*?</div>\s*<div class="message">`).FindString(page)
	require.NotEmpty(t, block, "no violation block")
	require.Contains(t, block, `data-property="`+v.Property+`"`)
	require.Contains(t, block, v.Property+" ("+v.Name+")")
	require.Contains(t, block, `<b class="step">`+itoa(v.Step)+`</b>`)
	require.Contains(t, block, `<b class="installations">`+strings.Join(v.Installations, ",")+`</b>`)
	// The lanes, one per installation of the group, and the marker.
	require.GreaterOrEqual(t, strings.Count(page, `class="lane lane-label"`), 2)
	for _, inst := range v.Installations {
		require.Contains(t, page, `data-installation="`+inst+`"`)
	}
	require.Contains(t, page, `class="violation-marker" data-violation="violation-1"`)
	require.Contains(t, page, v.Property+" @ "+itoa(v.Step))
	// The marks leading to it are drawn and flagged.
	require.Regexp(t, `class="mark kind-[a-z]+ lead"`, page)
	// Nothing is loaded from the network.
	require.NotRegexp(t, `(src|href)="https?://`, page)
}

func formatSeed(s uint64) string { return itoa(int(s)) }

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
