package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/reports"
	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/runner"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/trace"
)

func newRunCommand() *cobra.Command {
	var (
		world    worldFlags
		seed     uint64
		steps    int
		asJSON   bool
		out      string
		force    bool
		noCheck  bool
		traceOut string
	)
	cmd := &cobra.Command{
		Use:   "run --scenario S --seed N",
		Short: "Run one seed (twice, to check determinism) and check every property",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if steps < 0 {
				return usageError{fmt.Errorf("--steps must not be negative")}
			}
			sc, params, err := world.resolve(steps)
			if err != nil {
				return err
			}
			tuneGC(sc)
			if traceOut != "" {
				if err := checkOutFile("--trace-out", traceOut); err != nil {
					return err
				}
			}
			var dir *outDir
			if out != "" {
				plan := outPlan{files: runPageFiles}
				if dir, err = openOut("--out "+out, out, force, plan, nil); err != nil {
					return err
				}
			}
			r, err := runner.RunSeed(sc, seed, runner.Options{Steps: steps, CheckDeterminism: !noCheck})
			if err != nil {
				return usageError{err}
			}
			if dir != nil {
				if err := writeRun(dir, "", r.RunSummary, params); err != nil {
					return err
				}
			}
			if traceOut != "" {
				if err := writeScript(traceOut, scenarios.FromRun(params.Scenario, seed, r.Params, r.Script),
					fmt.Sprintf("%s: trace_sha256 %s", params.RunCommand(seed), r.TraceSHA256)); err != nil {
					return err
				}
			}
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), r.RunSummary); err != nil {
					return err
				}
			} else {
				printRun(cmd.OutOrStdout(), r.RunSummary, runShrinkHint(params, seed, traceOut))
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
	f.IntVar(&steps, "steps", 0, "fault-phase steps, at most 10,000,000 (0: the scenario's)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object on stdout")
	f.StringVar(&out, "out", "", "folder to write the report into (summary.json, summary.md, index.html, trace.txt; listed in "+manifestName+")")
	f.BoolVar(&force, "force", false, "let --out overwrite files in the folder that simrun did not write")
	f.BoolVar(&noCheck, "no-determinism", false, "run the seed once (skip the determinism re-run)")
	f.StringVar(&traceOut, "trace-out", "", "write the executed schedule as a replayable script")
	return cmd
}

// writeRun writes a run's report (summary.json, summary.md, index.html)
// and its full trace under prefix ("" or a sweep's "seeds/N/").
func writeRun(dir *outDir, prefix string, r *results.RunSummary, params results.Params) error {
	rep := reports.NewRunReport(r)
	rep.World = &params
	files, err := reports.RunFiles(rep)
	if err != nil {
		return err
	}
	files["trace.txt"] = []byte(strings.Join(trace.Lines(r.Trace), "\n") + "\n")
	return dir.writeFiles(prefix, files)
}

// runShrinkHint is the command that writes a failing run down as a
// script and shrinks it (one shell line: run, then shrink).
func runShrinkHint(p results.Params, seed uint64, traceOut string) string {
	if traceOut != "" {
		return shrinkCommand(traceOut)
	}
	trace := fmt.Sprintf("%s-%d.txt", p.Scenario, seed)
	args := append(p.RunArgs(seed), "--no-determinism", "--trace-out", trace)
	return results.CommandLine(args...) + " && " + shrinkCommand(trace)
}

// shrinkCommand shrinks a script into NAME.min.txt beside it.
func shrinkCommand(script string) string {
	return results.CommandLine("shrink", script, "-o", strings.TrimSuffix(script, ".txt")+".min.txt")
}

// printRun prints a run for people; shrinkHint, printed when a property
// was violated, is the command that minimises it.
func printRun(w io.Writer, r *results.RunSummary, shrinkHint string) {
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
	if r.Live != nil {
		fmt.Fprintf(w, "wall %.0f ms (go-mls runs in the client processes: not metered)\n", r.WallMillis)
	} else {
		fmt.Fprintf(w, "wall %.0f ms, inside go-mls %.0f ms (wall/mls %.2f)\n", r.WallMillis, r.MLSMillis, ratio)
	}
	for _, v := range r.Violations {
		fmt.Fprintf(w, "\nVIOLATION %s (%s) at step %d, group %s, installations %s, seed %d:\n  %s\n",
			v.Property, v.Name, v.Step, v.Group, strings.Join(v.Installations, ","), v.Seed, v.Message)
		for _, line := range v.Trace {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
	if len(r.Violations) > 0 && shrinkHint != "" {
		fmt.Fprintf(w, "\nshrink it: %s\n", shrinkHint)
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
