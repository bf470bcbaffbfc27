package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/reports"
	"github.com/mlsim/mlsim/results"
)

func newReportCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Check a report folder's summary.json (every verdict and count recomputed from its runs) and re-render index.html and summary.md from it",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("report takes one directory")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			files, err := reports.Rerender(dir)
			if err != nil {
				return usageError{err}
			}
			// The pages are rewritten; everything else the manifest lists
			// (summary.json, seed pages, results) stays.
			out, err := openOut("report "+dir, dir, force, outPlan{files: []string{"index.html", "summary.md"}},
				func(string) bool { return true })
			if err != nil {
				return err
			}
			if err := out.writeFiles("", files); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", filepath.Join(dir, "index.html"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite index.html and summary.md even if simrun's manifest does not list them")
	return cmd
}

// newMergeCommand folds shard outputs into the summary one unsharded sweep
// of the same seeds gives.
func newMergeCommand() *cobra.Command {
	var (
		out    string
		force  bool
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "merge DIR... --out DIR",
		Short: "Merge sharded sweep outputs into one summary and report",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("merge takes one or more sweep directories")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{fmt.Errorf("merge needs --out DIR")}
			}
			var runs []results.RunSummary
			var first *reports.SweepReport
			firstDir := ""
			links := map[string]string{}
			seen := map[uint64]string{}
			wall := 0.0
			for _, dir := range args {
				if same, err := sameFile(dir, out); err == nil && same {
					return usageError{fmt.Errorf("--out %s is one of the shards merged: give another folder", out)}
				}
				r, err := readShard(dir)
				if err != nil {
					return err
				}
				if first == nil {
					first, firstDir = r, dir
				} else if err := sameWorld(firstDir, first, dir, r); err != nil {
					return err
				}
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
			dir, err := openOut("--out "+out, out, force, outPlan{files: []string{"summary.json", "summary.md", "index.html"}}, nil)
			if err != nil {
				return err
			}
			sort.Slice(runs, func(i, j int) bool { return runs[i].Seed < runs[j].Seed })
			s := results.Fold(first.Scenario, runs)
			s.Params = first.Params
			s.WallMillis = wall // shards run in parallel: the slowest one
			files, err := reports.SweepFiles(&reports.SweepReport{SweepSummary: *s, SeedReports: links})
			if err != nil {
				return err
			}
			if err := dir.writeFiles("", files); err != nil {
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
	cmd.Flags().StringVar(&out, "out", "", "folder to write the merged report into (listed in "+manifestName+")")
	cmd.Flags().BoolVar(&force, "force", false, "let --out overwrite files in the folder that simrun did not write")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object on stdout")
	return cmd
}

// readShard reads a shard's summary.json and checks it is a consistent
// sweep (reports.CheckSweep): merging inconsistent data would pass its
// contradictions on to a summary that looks clean.
func readShard(dir string) (*reports.SweepReport, error) {
	var r reports.SweepReport
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return nil, usageError{err}
	}
	if err := json.Unmarshal(data, &r); err != nil || r.Kind != "sweep" {
		return nil, usageError{fmt.Errorf("%s/summary.json is not a sweep summary", dir)}
	}
	if err := reports.CheckSweep(&r); err != nil {
		return nil, usageError{fmt.Errorf("%s/summary.json: %w", dir, err)}
	}
	return &r, nil
}

// sameWorld refuses to merge shards of different worlds, naming the
// first parameter that differs. A shard written before sweeps recorded
// their parameters is read back from its scenario label and its runs'
// steps (results.SweepSummary.World); an old empty shard has no steps to
// compare, only its label.
func sameWorld(aDir string, a *reports.SweepReport, bDir string, b *reports.SweepReport) error {
	wa, wb := a.World(), b.World()
	if (a.Params == nil && len(a.Runs) == 0) || (b.Params == nil && len(b.Runs) == 0) {
		wa.Steps, wb.Steps = 0, 0
	}
	if d := wa.Differs(wb); d != "" {
		return usageError{fmt.Errorf("%s and %s are sweeps of different worlds: they differ in %s", aDir, bDir, d)}
	}
	if a.Scenario != b.Scenario {
		return usageError{fmt.Errorf("%s is a sweep of %s, not %s", bDir, b.Scenario, a.Scenario)}
	}
	return nil
}
