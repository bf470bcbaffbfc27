package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/reports"
	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/runner"
	"github.com/mlsim/mlsim/scenarios"
)

func newSweepCommand() *cobra.Command {
	var (
		world   worldFlags
		seeds   string
		steps   int
		workers int
		ratio   float64
		asJSON  bool
		out     string
		force   bool
		shard   string
		resume  string
	)
	cmd := &cobra.Command{
		Use:   "sweep --scenario S --seeds A..B",
		Short: "Run a range of seeds over worker processes and summarise",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			what := "--out " + out
			if resume != "" {
				if out != "" && filepath.Clean(out) != filepath.Clean(resume) {
					return usageError{fmt.Errorf("--resume %s writes into the folder it resumes: leave --out out, or give the same folder", resume)}
				}
				rec, err := readSweepRecord(resume)
				if err != nil {
					return err
				}
				if err := rec.apply(cmd.Flags(), &world, &seeds, &steps, &shard, &ratio); err != nil {
					return usageError{fmt.Errorf("--resume %s: %w", resume, err)}
				}
				out, what = resume, "--resume "+resume
			}
			if steps < 0 {
				return usageError{fmt.Errorf("--steps must not be negative")}
			}
			sc, params, err := world.resolve(steps)
			if err != nil {
				return err
			}
			tuneGC(sc)
			list, err := runner.ParseSeeds(seeds)
			if err != nil {
				return usageError{err}
			}
			if shard != "" {
				i, n, err := runner.ParseShard(shard)
				if err != nil {
					return usageError{err}
				}
				list = runner.ShardSeeds(list, i, n)
			}
			if workers < 1 || workers > 256 {
				return usageError{fmt.Errorf("--workers must be between 1 and 256")}
			}
			if !(ratio >= 0 && ratio <= 1) { // also refuses NaN, which no comparison holds for
				return usageError{fmt.Errorf("--determinism-ratio must be between 0 and 1")}
			}
			opt := runner.SweepOptions{Steps: steps, DeterminismRatio: ratio, Workers: workers,
				Progress: newProgress(os.Stderr, len(list)),
				Log:      func(format string, a ...any) { fmt.Fprintf(os.Stderr, "simrun: "+format+"\n", a...) }}
			var dir *outDir
			if out != "" {
				rec := sweepRecord{Params: params, Seeds: seeds, Shard: shard, DeterminismRatio: ratio}
				var resultsFile *os.File
				dir, resultsFile, opt.Done, err = openSweepOut(what, out, force, resume != "", rec, list)
				if err != nil {
					return err
				}
				defer resultsFile.Close()
				opt.OnRun = func(r *results.RunSummary) error { return appendResult(resultsFile, r) }
			}
			todo := missingSeeds(list, opt.Done)
			if workers > 1 {
				exe, err := os.Executable()
				if err != nil {
					return err
				}
				opt.WorkerCommand = func() *exec.Cmd {
					return exec.Command(exe, "worker", "--scenario", world.name, "--mls-variant", world.variant, "--fixture", world.fixture, "--scale", strconv.Itoa(world.scale), "--max-past-epochs", strconv.Itoa(world.maxPast), "--steps", strconv.Itoa(steps),
						"--determinism-ratio", strconv.FormatFloat(ratio, 'g', -1, 64))
				}
			}
			s, err := runner.Sweep(sc, todo, opt)
			if err != nil {
				return err
			}
			s.Params = &params
			if dir != nil {
				if err := writeSweep(dir, sc, s, steps, params); err != nil {
					return err
				}
			}
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), s); err != nil {
					return err
				}
			} else {
				printSweep(cmd.OutOrStdout(), s, seeds)
			}
			if s.Failed > 0 {
				return errViolated
			}
			return nil
		},
	}
	f := cmd.Flags()
	world.register(f)
	f.StringVar(&seeds, "seeds", "1..30", "seed range A..B (inclusive), at most 16,777,216 seeds")
	f.IntVar(&steps, "steps", 0, "fault-phase steps per seed, at most 10,000,000 (0: the scenario's)")
	f.IntVar(&workers, "workers", 1, "worker processes")
	f.Float64Var(&ratio, "determinism-ratio", 0.1, "share of seeds re-run to check determinism, chosen by seed: a number in [0, 1]")
	f.BoolVar(&asJSON, "json", false, "print one JSON object on stdout")
	f.StringVar(&out, "out", "", "folder to write the report into (summary.json, summary.md, index.html; seeds/N/ for failing seeds; sweep.json and results.jsonl as it goes; listed in "+manifestName+")")
	f.BoolVar(&force, "force", false, "let --out overwrite files in the folder that simrun did not write")
	f.StringVar(&shard, "shard", "", "run only the i-th of n disjoint slices of the seeds (i/n, 1-based), assigned by seed")
	f.StringVar(&resume, "resume", "", "finish the interrupted sweep whose --out was this folder: run the seeds its results.jsonl lacks, with the parameters of its sweep.json")
	return cmd
}

// writeSweep writes the sweep's report, and a full run report for each
// failing seed (re-run here: a run is a pure function of its seed). A
// seed whose worker died has no page: re-running it here could kill the
// sweep's own process.
func writeSweep(dir *outDir, sc scenarios.Scenario, s *results.SweepSummary, steps int, params results.Params) error {
	r := &reports.SweepReport{SweepSummary: *s, SeedReports: map[string]string{}}
	var pages []uint64
	var planned []string
	for _, run := range s.Runs {
		if run.Failed() && run.WorkerDied == "" {
			pages = append(pages, run.Seed)
			for _, name := range runPageFiles {
				planned = append(planned, fmt.Sprintf("seeds/%d/%s", run.Seed, name))
			}
		}
	}
	if err := dir.plan(planned...); err != nil {
		return err
	}
	for _, seed := range pages {
		run, err := runner.RunSeed(sc, seed, runner.Options{Steps: steps})
		if err != nil {
			return err
		}
		rel := fmt.Sprintf("seeds/%d/", seed)
		if err := writeRun(dir, rel, run.RunSummary, params); err != nil {
			return err
		}
		r.SeedReports[fmt.Sprint(seed)] = rel + "index.html"
	}
	files, err := reports.SweepFiles(r)
	if err != nil {
		return err
	}
	return dir.writeFiles("", files)
}

func printSweep(w io.Writer, s *results.SweepSummary, seeds string) {
	verdict := "PASS"
	if s.Failed > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "%s  sweep %s seeds %s: %d passed, %d failed, determinism re-checked on %d\n",
		verdict, s.Scenario, seeds, s.Passed, s.Failed, s.DeterminismChecked)
	if s.Failed > 0 {
		var ids []string
		for _, x := range s.FailingSeeds {
			ids = append(ids, strconv.FormatUint(x, 10))
		}
		fmt.Fprintf(w, "failing seeds: %s\n", strings.Join(ids, " "))
		world := s.World()
		for _, r := range s.Runs {
			if !r.Failed() {
				continue
			}
			seen := map[string]bool{}
			for _, v := range r.Violations {
				line := fmt.Sprintf("  seed %d: %s (%s) step %d: %s\n", r.Seed, v.Property, v.Name, v.Step, v.Message)
				if !seen[line] {
					seen[line] = true
					fmt.Fprint(w, line)
				}
			}
			if r.Determinism == results.DeterminismMismatch {
				fmt.Fprintf(w, "  seed %d: not deterministic: %s\n", r.Seed, r.FirstDiff)
			}
			if r.WorkerDied != "" {
				fmt.Fprintf(w, "  seed %d: %s\n", r.Seed, strings.ReplaceAll(r.WorkerDied, "\n", "\n    "))
			}
			fmt.Fprintf(w, "  reproduce seed %d: %s\n", r.Seed, world.RunCommand(r.Seed))
		}
	}
	fmt.Fprintf(w, "events: %s\n", formatEvents(s.Events))
	pairs := len(results.FaultSitePairs())
	fmt.Fprintf(w, "fault sites: %d of %d (site, fault) pairs reached\n", pairs-len(s.FaultSitesUnreached), pairs)
	if len(s.FaultSitesUnreached) > 0 {
		fmt.Fprintf(w, "never reached: %s\n", strings.Join(s.FaultSitesUnreached, ", "))
	}
	minutes := s.WallMillis / 60000
	fmt.Fprintf(w, "wall %.1f s: %.0f seeds/min, %.0f steps/s\n", s.WallMillis/1000, float64(s.Seeds)/minutes, float64(s.Steps)/(s.WallMillis/1000))
}

// newProgress reports sweep progress on stderr: a live line on a terminal,
// plain lines every 10 s or at the end otherwise (CI logs).
func newProgress(f *os.File, total int) func(done, total, failed int) {
	info, err := f.Stat()
	tty := err == nil && info.Mode()&os.ModeCharDevice != 0
	start := time.Now()
	last := start
	return func(done, total, failed int) {
		elapsed := time.Since(start)
		left := time.Duration(float64(elapsed) / float64(done) * float64(total-done)).Round(time.Second)
		line := fmt.Sprintf("seeds %d/%d, %d failed, about %s left", done, total, failed, left)
		switch {
		case tty:
			fmt.Fprintf(f, "\r%-60s", line)
			if done == total {
				fmt.Fprintln(f)
			}
		case done == total || time.Since(last) >= 10*time.Second:
			last = time.Now()
			fmt.Fprintln(f, line)
		}
	}
}
