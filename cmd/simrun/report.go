package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/reports"
	"github.com/mlsim/mlsim/runner"
)

func newReportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR",
		Short: "Re-render index.html and summary.md from a report directory's summary.json",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errorf("report takes one directory")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := reports.Render(args[0]); err != nil {
				return usageError{err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", filepath.Join(args[0], "index.html"))
			return nil
		},
	}
}

// newMergeCommand folds shard outputs into the summary one unsharded sweep
// of the same seeds gives.
func newMergeCommand() *cobra.Command {
	var (
		out    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "merge DIR... --out DIR",
		Short: "Merge sharded sweep outputs into one summary and report",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errorf("merge takes one or more sweep directories")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errorf("merge needs --out DIR")}
			}
			var runs []runner.RunSummary
			scenario := ""
			links := map[string]string{}
			seen := map[uint64]string{}
			wall := 0.0
			for _, dir := range args {
				var r reports.SweepReport
				data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
				if err != nil {
					return usageError{err}
				}
				if err := json.Unmarshal(data, &r); err != nil || r.Kind != "sweep" {
					return usageError{fmt.Errorf("%s/summary.json is not a sweep summary", dir)}
				}
				if scenario != "" && r.Scenario != scenario {
					return usageError{fmt.Errorf("%s is a sweep of %s, not %s", dir, r.Scenario, scenario)}
				}
				scenario = r.Scenario
				for _, run := range r.Runs {
					if other, dup := seen[run.Seed]; dup {
						return usageError{fmt.Errorf("seed %d is in both %s and %s: shards overlap", run.Seed, other, dir)}
					}
					seen[run.Seed] = dir
					runs = append(runs, run)
				}
				for seed, rel := range r.SeedReports {
					abs, err := filepath.Abs(filepath.Join(dir, rel))
					if err != nil {
						return err
					}
					links[seed] = "file://" + abs
				}
				wall = max(wall, r.WallMillis)
			}
			sort.Slice(runs, func(i, j int) bool { return runs[i].Seed < runs[j].Seed })
			s := runner.Fold(scenario, runs)
			s.WallMillis = wall // shards run in parallel: the slowest one
			if err := reports.WriteSweep(out, &reports.SweepReport{SweepSummary: *s, SeedReports: links}); err != nil {
				return err
			}
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), s); err != nil {
					return err
				}
			} else {
				printSweep(cmd.OutOrStdout(), s, fmt.Sprintf("(%d merged)", len(args)))
			}
			if s.Failed > 0 {
				return errViolated
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write the merged report into")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object on stdout")
	return cmd
}
