package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/reports"
	"github.com/mlsim/mlsim/runner"
	"github.com/mlsim/mlsim/scenarios"
)

func newRunCommand() *cobra.Command {
	var (
		world    worldFlags
		seed     uint64
		steps    int
		asJSON   bool
		out      string
		noCheck  bool
		traceOut string
	)
	cmd := &cobra.Command{
		Use:   "run --scenario S --seed N",
		Short: "Run one seed (twice, to check determinism) and check every property",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := world.scenario()
			if err != nil {
				return err
			}
			if steps < 0 {
				return usageError{errorf("--steps must not be negative")}
			}
			r, err := runner.RunSeed(sc, seed, runner.Options{Steps: steps, CheckDeterminism: !noCheck})
			if err != nil {
				return usageError{err}
			}
			if out != "" {
				if err := writeRun(out, r); err != nil {
					return err
				}
			}
			if traceOut != "" {
				if err := writeScript(traceOut, scenarios.FromRun(baseName(sc.Name), seed, r.Params, r.Script),
					fmt.Sprintf("simrun run --scenario %s --seed %d: trace_sha256 %s", sc.Name, seed, r.TraceSHA256)); err != nil {
					return err
				}
			}
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), r); err != nil {
					return err
				}
			} else {
				printRun(cmd.OutOrStdout(), r)
			}
			if r.Failed() {
				return errViolated
			}
			return nil
		},
	}
	f := cmd.Flags()
	world.register(f)
	f.Uint64Var(&seed, "seed", 1, "seed")
	f.IntVar(&steps, "steps", 0, "fault-phase steps (0: the scenario's)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object on stdout")
	f.StringVar(&out, "out", "", "directory to write the report into (summary.json, summary.md, index.html, trace.txt)")
	f.BoolVar(&noCheck, "no-determinism", false, "run the seed once (skip the determinism re-run)")
	f.StringVar(&traceOut, "trace-out", "", "write the executed schedule as a replayable script")
	return cmd
}

// writeRun writes the run's report (summary.json, summary.md, index.html)
// and its full trace.
func writeRun(dir string, r *runner.RunSummary) error {
	if err := reports.WriteRun(dir, reports.NewRunReport(r)); err != nil {
		return err
	}
	return writeFile(dir, "trace.txt", []byte(strings.Join(r.Trace, "\n")+"\n"))
}

func printRun(w io.Writer, r *runner.RunSummary) {
	verdict := "PASS"
	if r.Failed() {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "%s  scenario %s seed %d: %d steps, %d installations, %d groups (members mean %.1f, max %d), liveness %d of at most %d rounds\n",
		verdict, r.Scenario, r.Seed, r.Steps, r.Clients, r.Groups, r.MembersMean, r.MembersMax, r.LivenessRounds, r.LivenessBound)
	fmt.Fprintf(w, "trace_sha256 %s  determinism %s\n", r.TraceSHA256, r.Determinism)
	if r.FirstDiff != "" {
		fmt.Fprintf(w, "first difference: %s\n", r.FirstDiff)
	}
	if r.ReplayProblem != "" {
		fmt.Fprintf(w, "replay: %s\n", r.ReplayProblem)
	}
	fmt.Fprintf(w, "intents: %d created, %d committed, %d noop, %d failed, %d open\n",
		r.Intents.Created, r.Intents.Committed, r.Intents.Noop, r.Intents.Failed, r.Intents.Open)
	for _, wh := range r.Withheld {
		fmt.Fprintf(w, "withheld: %s never welcomed %s into %s (commit seq %d) — exempt from L1, L3, L5\n",
			wh.Withholder, wh.Installation, wh.Group, wh.CommitSeq)
	}
	fmt.Fprintf(w, "events: %s\n", formatEvents(r.Events))
	ratio := 0.0
	if r.MLSMillis > 0 {
		ratio = r.WallMillis / r.MLSMillis
	}
	fmt.Fprintf(w, "wall %.0f ms, inside go-mls %.0f ms (wall/mls %.2f)\n", r.WallMillis, r.MLSMillis, ratio)
	for _, v := range r.Violations {
		fmt.Fprintf(w, "\nVIOLATION %s (%s) at step %d, group %s, installations %s, seed %d:\n  %s\n",
			v.Property, v.Name, v.Step, v.Group, strings.Join(v.Installations, ","), v.Seed, v.Message)
		for _, line := range v.Trace {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
}

func formatEvents(ev map[string]int) string {
	keys := make([]string, 0, len(ev))
	for k := range ev {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, ev[k])
	}
	return strings.Join(parts, " ")
}
