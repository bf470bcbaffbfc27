package reports

import (
	"fmt"
	"strings"

	"github.com/mlsim/mlsim/results"
)

func runMarkdown(r *RunReport) string {
	var b strings.Builder
	v, _ := verdict(r.Failed())
	fmt.Fprintf(&b, "# %s — scenario `%s`, seed %d\n\n", v, r.Scenario, r.Seed)
	fmt.Fprintf(&b, "| steps | installations | groups | members (mean / max) | liveness rounds | determinism | wall ms | go-mls ms |\n|---|---|---|---|---|---|---|---|\n")
	determinism := r.Determinism
	if r.Live != nil {
		determinism = notReproducible
	}
	fmt.Fprintf(&b, "| %d | %d | %d | %.1f / %d | %d / %d | %s | %.0f | %.0f |\n\n", r.Steps, r.Clients, r.Groups, r.MembersMean, r.MembersMax,
		r.LivenessRounds, r.LivenessBound, determinism, r.WallMillis, r.MLSMillis)
	if r.Live != nil {
		fmt.Fprintf(&b, "trace_sha256: %s\n\nReproduce: %s\n\n", notReproducible, notReproducible)
		liveMarkdown(&b, &r.RunSummary)
	} else {
		fmt.Fprintf(&b, "trace_sha256 `%s`\n\n", r.TraceSHA256)
		fmt.Fprintf(&b, "Reproduce: `%s`\n\n", runParams(r).RunCommand(r.Seed))
	}
	fmt.Fprintf(&b, "Intents: %d created, %d committed, %d noop, %d failed, %d open.\n\n",
		r.Intents.Created, r.Intents.Committed, r.Intents.Noop, r.Intents.Failed, r.Intents.Open)
	for _, w := range r.Withheld {
		fmt.Fprintf(&b, "- withheld: **%s** never welcomed %s into %s (commit seq %d) — exempt from L1, L3, L5\n", w.Withholder, w.Installation, w.Group, w.CommitSeq)
	}
	for _, x := range r.ExtraCopies {
		fmt.Fprintf(&b, "- extra copy: %s seq %d repeats seq %d (%s, by %s): %s\n", x.Group, x.Seq, x.FirstSeq, x.Hash, x.Publisher, x.Because)
	}
	if len(r.Violations) > 0 {
		fmt.Fprintf(&b, "## Violations\n\n")
	}
	for _, x := range r.Violations {
		fmt.Fprintf(&b, "### %s (%s) at step %d\n\ngroup `%s`, installations `%s`, seed %d\n\n%s\n\n",
			x.Property, results.PropertyName(x.Property), x.Step, x.Group, strings.Join(x.Installations, ","), x.Seed, x.Message)
		if len(x.Trace) > 0 {
			fmt.Fprintf(&b, "```\n%s\n```\n\n", strings.Join(x.Trace, "\n"))
		}
	}
	wallTimeMarkdown(&b, r.Timeline, r.Violations)
	fmt.Fprintf(&b, "## Events\n\n| event | count |\n|---|---|\n")
	for _, e := range sortedEvents(r.Events, 0) {
		fmt.Fprintf(&b, "| %s | %d |\n", e.Name, e.Count)
	}
	b.WriteString("\n")
	if r.Live != nil {
		fmt.Fprintf(&b, "## Fault-site coverage\n\n%s\n", liveFaultSites)
		return b.String()
	}
	faultSitesMarkdown(&b, buildFaultSiteTable(r.FaultSites))
	return b.String()
}

func sweepMarkdown(r *SweepReport) string {
	var b strings.Builder
	v, _ := verdict(r.Failed > 0)
	p := r.World()
	fmt.Fprintf(&b, "# %s — sweep of `%s`\n\n", v, r.Scenario)
	fmt.Fprintf(&b, "| seeds | passed | failed | determinism re-checked | steps | wall s |\n|---|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %d | %.1f |\n\n", r.Seeds, r.Passed, r.Failed, r.DeterminismChecked, r.Steps, r.WallMillis/1000)
	if r.Failed > 0 {
		fmt.Fprintf(&b, "## Failing seeds\n\n")
		for _, run := range r.Runs {
			if !run.Failed() {
				continue
			}
			var what []string
			for _, x := range run.Violations {
				what = append(what, fmt.Sprintf("%s (%s) at step %d: %s", x.Property, results.PropertyName(x.Property), x.Step, firstLine(x.Message)))
			}
			if run.Determinism == "mismatch" {
				what = append(what, "not deterministic: "+firstLine(run.FirstDiff))
			}
			if run.WorkerDied != "" {
				what = append(what, "worker died: "+firstLine(run.WorkerDied))
			}
			fmt.Fprintf(&b, "- seed %d: %s  \n  reproduce: `%s`\n", run.Seed, strings.Join(dedupe(what), "; "), p.RunCommand(run.Seed))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "## Events\n\n| event | count |\n|---|---|\n")
	for _, e := range sortedEvents(r.Events, 0) {
		fmt.Fprintf(&b, "| %s | %d |\n", e.Name, e.Count)
	}
	b.WriteString("\n")
	faultSitesMarkdown(&b, buildFaultSiteTable(r.FaultSites))
	return b.String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
