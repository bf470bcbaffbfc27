package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mlsim/mlsim/results"
)

// conformNote is what the kit leaves out of a comparison; a reader
// looking at a passed script whose output differs from ours needs it.
const conformNote = "Outputs are compared with commit hashes masked (commit:#: two clients' commits differ in their randomness) " +
	"and without the client's own diagnostics (what follows \" | \" on a line: our engine's events, which the protocol does not promise)."

type conformView struct {
	R            *ConformReport
	Verdict      string
	VerdictClass string
	Note         string
	WallSeconds  float64
	Scripts      []scriptRow
	Sweep        *conformSweepView
}

type scriptRow struct {
	results.ScriptOutcome
	Props []propertyRef
	// Expected and Got are the compared outputs line by line, the first
	// line where they differ marked in both.
	Expected, Got []outputLine
}

type propertyRef struct{ ID, Name string }

type outputLine struct {
	Text  string
	First bool
}

type conformSweepView struct {
	S           *results.ConformanceSweep
	WallSeconds float64
	Properties  []sweepProperty
	Failing     []failingRun
}

type sweepProperty struct {
	propertyRef
	Count int
	Seeds string
}

type failingRun struct {
	results.ConformanceRun
	Props []propertyRef
}

func propertyRefs(ids []string) []propertyRef {
	var out []propertyRef
	for _, id := range ids {
		out = append(out, propertyRef{ID: id, Name: results.PropertyName(id)})
	}
	return out
}

// compareLines splits two outputs into lines and marks the first index
// at which they differ (a line only one of them has counts).
func compareLines(expected, got string) ([]outputLine, []outputLine) {
	e, g := strings.Split(expected, "\n"), strings.Split(got, "\n")
	first := -1
	for i := 0; i < max(len(e), len(g)); i++ {
		if i >= len(e) || i >= len(g) || e[i] != g[i] {
			first = i
			break
		}
	}
	mark := func(lines []string) []outputLine {
		out := make([]outputLine, len(lines))
		for i, l := range lines {
			out[i] = outputLine{Text: l, First: i == first}
		}
		return out
	}
	return mark(e), mark(g)
}

// sweepProperties lists the sweep's properties in id order, each with
// the seeds that violated it (read from the runs, the counts from the
// checked summary).
func sweepProperties(s *results.ConformanceSweep) []sweepProperty {
	var out []sweepProperty
	for _, id := range slices.Sorted(maps.Keys(s.Properties)) {
		var seeds []string
		for _, run := range s.Runs {
			if slices.Contains(run.Properties, id) {
				seeds = append(seeds, fmt.Sprint(run.Seed))
			}
		}
		out = append(out, sweepProperty{propertyRef: propertyRef{ID: id, Name: results.PropertyName(id)},
			Count: s.Properties[id], Seeds: strings.Join(seeds, ", ")})
	}
	return out
}

func renderConform(r *ConformReport) (Files, error) {
	v := conformView{R: r, Note: conformNote, WallSeconds: r.WallMillis / 1000}
	// The verdict printed is the one recomputed from the scripts and
	// seeds; CheckConform has made sure the stated one agrees.
	v.Verdict, v.VerdictClass = verdict(tallyConform(&r.Conformance).verdict != "PASS")
	for _, s := range r.Scripts {
		row := scriptRow{ScriptOutcome: s, Props: propertyRefs(s.Properties)}
		if s.Status == statusFailed {
			row.Expected, row.Got = compareLines(s.Expected, s.Got)
		}
		v.Scripts = append(v.Scripts, row)
	}
	if s := r.Sweep; s != nil {
		sv := &conformSweepView{S: s, WallSeconds: s.WallMillis / 1000, Properties: sweepProperties(s)}
		for _, run := range s.Runs {
			if run.Status != statusPassed {
				sv.Failing = append(sv.Failing, failingRun{ConformanceRun: run, Props: propertyRefs(run.Properties)})
			}
		}
		v.Sweep = sv
	}
	page, err := renderFile("index.html", "conform.html.tmpl", v)
	if err != nil {
		return nil, err
	}
	return Files{"index.html": page, "summary.md": []byte(conformMarkdown(r))}, nil
}
