package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/runner"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

func newReplayCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Replay a script (from run --trace-out or shrink), verify every recorded output and its trace hash, and check every property",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("replay takes one script file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := readScript(args[0])
			if err != nil {
				return err
			}
			res, div, err := scenarios.Replay(s)
			if err != nil {
				if errors.Is(err, sim.ErrBadCommand) {
					return usageError{fmt.Errorf("%s: %w", args[0], err)}
				}
				return usageError{err}
			}
			world := s.Blocks[0].Cmd
			var p results.Params
			p.Scenario, _ = world.Opt("scenario")
			if p.Scenario == "" {
				p.Scenario = "default" // as the replayer builds it
			}
			p.Variant, _ = world.Opt("variant")
			p.Fixture, _ = world.Opt("fixture")
			sum := runner.Summarize(p.Name(), res)
			sum.Determinism = results.DeterminismSkipped
			switch want := s.RecordedHash(); {
			case div != nil:
				sum.ReplayProblem = "the replay differs from the script at " + div.String()
			case !s.Complete():
				sum.ReplayProblem = "incomplete: the script ends before its final check (cut short?)"
			case want != "" && want != res.TraceSHA256:
				sum.ReplayProblem = fmt.Sprintf("the script records trace_sha256 %s, the replay made %s", want, res.TraceSHA256)
			}
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), sum); err != nil {
					return err
				}
			} else {
				hint := ""
				if sum.ReplayProblem == "" {
					hint = shrinkCommand(args[0])
				}
				printRun(cmd.OutOrStdout(), sum, hint)
			}
			if sum.Failed() {
				return errViolated
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object on stdout (the fields of run)")
	return cmd
}

func newShrinkCommand() *cobra.Command {
	var (
		out      string
		property string
		maxRuns  int
		verbose  bool
	)
	cmd := &cobra.Command{
		Use:   "shrink FILE -o OUT",
		Short: "Minimise a failing script to a smaller one that violates the same property",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("shrink takes one script file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{fmt.Errorf("shrink needs -o OUT")}
			}
			if maxRuns < 1 {
				return usageError{fmt.Errorf("--max-runs must be at least 1, got %d", maxRuns)}
			}
			if err := checkOutFile("-o", out); err != nil {
				return err
			}
			if same, err := sameFile(args[0], out); err != nil {
				return usageError{err}
			} else if same {
				return usageError{fmt.Errorf("shrink would write over its input %s: give -o another file", args[0])}
			}
			s, err := readScript(args[0])
			if err != nil {
				return err
			}
			opt := scenarios.ShrinkOptions{Property: property, MaxRuns: maxRuns}
			if verbose {
				opt.Log = func(format string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", a...) }
			}
			r, err := scenarios.Shrink(s, opt)
			if err != nil {
				return usageError{err}
			}
			if err := writeScript(out, r.Script, results.CommandLine("shrink", args[0], "-o", out)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s (%s): %d commands -> %d in %d replays; wrote %s\n",
				r.Property, r.Message, r.Before, r.After, r.Runs, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "out", "o", "", "where to write the shrunk script")
	f.StringVar(&property, "property", "", "the property to keep violated (default: the script's first violation)")
	f.IntVar(&maxRuns, "max-runs", 2000, "at most this many replays")
	f.BoolVarP(&verbose, "verbose", "v", false, "log each reduction on stderr")
	return cmd
}
