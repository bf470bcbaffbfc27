package reports

import (
	"fmt"
	"strings"

	"github.com/mlsim/mlsim/results"
)

func conformMarkdown(r *ConformReport) string {
	var b strings.Builder
	v := tallyConform(&r.Conformance).verdict
	fmt.Fprintf(&b, "# %s — conformance of %s\n\n", v, codeSpan(r.Implementation))
	fmt.Fprintf(&b, "- client: %s\n- features: %s\n", codeSpan(r.Client), mdList(r.Features))
	fmt.Fprintf(&b, "- scripts: %d passed, %d failed, %d unsupported, %d errored of %d\n", r.Passed, r.Failed, r.Unsupported, r.Broken, len(r.Scripts))
	if s := r.Sweep; s != nil {
		fmt.Fprintf(&b, "- sweep of `%s`: %d passed, %d failed of %d seeds\n", s.Scenario, s.Passed, s.Failed, s.Seeds)
	}
	fmt.Fprintf(&b, "- wall: %.1f s\n\n%s Unsupported scripts do not fail the verdict; failed and errored ones do.\n\n", r.WallMillis/1000, conformNote)

	fmt.Fprintf(&b, "## Scripts\n\n| script | status | commands | ms | properties violated |\n|---|---|---|---|---|\n")
	for _, s := range r.Scripts {
		fmt.Fprintf(&b, "| %s | %s | %d | %.0f | %s |\n", mdCell(s.Name), s.Status, s.Commands, s.Millis, propertyList(s.Properties))
	}
	b.WriteString("\n")
	for _, s := range r.Scripts {
		switch {
		case s.Status == statusFailed:
			fmt.Fprintf(&b, "### %s: failed at line %d\n\n%s\n\nexpected:\n\n%s\ngot:\n\n%s\n", s.Name, s.Line, codeSpan(s.Command), fence(s.Expected), fence(s.Got))
			bulletLines(&b, s.Violations)
			if s.Why != "" {
				fmt.Fprintf(&b, "%s\n", verbatim(s.Why))
			}
		case s.Why != "":
			fmt.Fprintf(&b, "### %s: %s\n\n%s\n", s.Name, s.Status, verbatim(s.Why))
		}
	}
	if s := r.Sweep; s != nil {
		conformSweepMarkdown(&b, s)
	}
	return b.String()
}

func conformSweepMarkdown(b *strings.Builder, s *results.ConformanceSweep) {
	fmt.Fprintf(b, "## Sweep of `%s`\n\n%d seeds: %d passed, %d failed (an errored seed counts as failed), wall %.1f s\n\n",
		s.Scenario, s.Seeds, s.Passed, s.Failed, s.WallMillis/1000)
	if props := sweepProperties(s); len(props) > 0 {
		fmt.Fprintf(b, "| property | name | failing seeds | seeds |\n|---|---|---|---|\n")
		for _, p := range props {
			fmt.Fprintf(b, "| %s | %s | %d | %s |\n", p.ID, mdCell(p.Name), p.Count, p.Seeds)
		}
		b.WriteString("\n")
	}
	for _, run := range s.Runs {
		if run.Status == statusPassed {
			continue
		}
		fmt.Fprintf(b, "### seed %d: %s after %d steps\n\n", run.Seed, run.Status, run.Steps)
		if len(run.Properties) > 0 {
			fmt.Fprintf(b, "%s\n\n", propertyList(run.Properties))
		}
		if run.Why != "" {
			fmt.Fprintf(b, "%s\n", verbatim(run.Why))
		}
		bulletLines(b, run.Violations)
	}
}

// propertyList is "S1 (no fork), L1 (convergence)".
func propertyList(ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, fmt.Sprintf("%s (%s)", id, results.PropertyName(id)))
	}
	return mdCell(strings.Join(out, ", "))
}

func bulletLines(b *strings.Builder, lines []string) {
	for _, l := range lines {
		fmt.Fprintf(b, "- %s\n", codeSpan(l))
	}
	if len(lines) > 0 {
		b.WriteString("\n")
	}
}

func mdList(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	var out []string
	for _, s := range items {
		out = append(out, codeSpan(s))
	}
	return strings.Join(out, ", ")
}

// mdCell keeps a value on its table row: a "|" would end the cell, a
// newline the row.
func mdCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// codeSpan quotes text verbatim — Markdown renderers pass HTML through,
// but not inside a code span — with more backticks than the text holds
// in a row, so a backtick in it cannot close the span early. (Not for a
// table cell: a "|" would end it.)
func codeSpan(s string) string {
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	s = strings.ReplaceAll(s, "\n", " ")
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

// verbatim is text a client or the kit wrote (an error, a reason), not
// to be read as Markdown or HTML: a code span, or a block if it runs over
// lines.
func verbatim(s string) string {
	if strings.Contains(s, "\n") {
		return fence(s)
	}
	return codeSpan(s) + "\n"
}

// fence is a fenced code block around text, its fence longer than any
// run of backticks in it.
func fence(s string) string {
	ticks := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return ticks + "\n" + s + "\n" + ticks + "\n"
}

func longestRun(s string, c rune) int {
	best, n := 0, 0
	for _, r := range s {
		if r == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}
