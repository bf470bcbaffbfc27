package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/internal/mutation"
)

// The go-mls bugs the harness must find by itself, with the production
// binary and one adapter defence off.
var goMLSBugs = []struct{ id, class, scenario, variant string }{
	{"gomls-bug3", "go-mls bug 3: an add-only commit puts a stale path secret into the welcome", "commit-race-long", "path-on-add"},
	{"gomls-bug4", "go-mls bug 4: Commit mutates the state and earlier commits (shared extension storage)", "commit-storm", "deep-copy-commit"},
	{"gomls-bug5", "go-mls bug 5: a restored state computes a wrong tree hash", "crashy", "rehash-on-restore"},
}

type mutantsReport struct {
	Total               int                `json:"total"`
	Caught              int                `json:"caught"`
	Equivalent          int                `json:"equivalent"`
	MedianSeedsToDetect float64            `json:"median_seeds_to_detect"`
	Mutants             []mutation.Outcome `json:"mutants"`
}

func newMutantsCommand() *cobra.Command {
	var (
		asJSON  bool
		seeds   int
		workers int
		only    string
		dir     string
		gomls   bool
		fz      byFuzz
		by      string
	)
	cmd := &cobra.Command{
		Use:   "mutants",
		Short: "Apply each catalogued mutant in isolation and check the harness catches it",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if seeds < 1 || workers < 1 {
				return usageError{fmt.Errorf("--seeds and --workers must be positive")}
			}
			root, err := moduleRoot()
			if err != nil {
				return usageError{err}
			}
			if dir == "" {
				dir = filepath.Join(root, "mutants")
			}
			list, err := mutation.Load(dir)
			if err != nil {
				return usageError{err}
			}
			if only != "" {
				if list, err = selectMutants(list, strings.Split(only, ",")); err != nil {
					return usageError{err}
				}
			}
			work, err := os.MkdirTemp("", "mlsim-mutants-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(work)
			switch by {
			case "sweep":
			case "protocol":
				// Each mutant's engine as a client under test: scripts and
				// sweep over the intent-client protocol (simrun conform).
				// The go-mls variants are hunted in process only.
				gomls = false
			case "fuzz", "both":
				if fz.fuzzTime <= 0 {
					return usageError{fmt.Errorf("--fuzztime must be positive")}
				}
				fz.both, fz.root, fz.work, fz.list, fz.seeds, fz.workers, fz.gomls, fz.asJSON = by == "both", root, work, list, seeds, workers, gomls && only == "", asJSON
				return fz.run(cmd)
			default:
				return usageError{fmt.Errorf("--by must be sweep, fuzz, both or protocol, got %q", by)}
			}
			r := &mutation.Runner{Root: root, Work: work, Seeds: seeds, Chunk: 10, Workers: workers,
				Log: func(format string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", a...) }}
			hunt := r.Hunt
			if by == "protocol" {
				hunt = r.HuntOverProtocol
			}
			var rep mutantsReport
			for _, m := range list {
				o := hunt(m)
				detail, _, _ := strings.Cut(strings.TrimSpace(o.Detail), "\n")
				r.Log("%s: %s %s (seed %d) in %.0f s: %s", o.ID, o.Status, o.Property, o.FirstSeed, o.WallMillis/1000, detail)
				rep.Mutants = append(rep.Mutants, o)
			}
			if gomls && only == "" {
				exe, err := os.Executable()
				if err != nil {
					return err
				}
				for _, b := range goMLSBugs {
					o := r.HuntVariant(exe, b.id, b.class, b.scenario, b.variant)
					r.Log("%s: %s %s (seed %d) in %.0f s", o.ID, o.Status, o.Property, o.FirstSeed, o.WallMillis/1000)
					rep.Mutants = append(rep.Mutants, o)
				}
			}
			var detect []int
			failed := false
			for _, o := range rep.Mutants {
				switch o.Status {
				case "equivalent":
					rep.Equivalent++
					continue
				case "caught":
					rep.Caught++
					if o.SeedsToDetect > 0 {
						detect = append(detect, o.SeedsToDetect)
					}
				default:
					failed = true
				}
				rep.Total++
			}
			rep.MedianSeedsToDetect = median(detect)
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), rep); err != nil {
					return err
				}
			} else {
				printMutants(cmd, rep)
			}
			if failed {
				return errViolated
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print one JSON object on stdout")
	f.IntVar(&seeds, "seeds", 300, "at most this many seeds per mutant (seeds 1..N, in chunks of 10)")
	f.IntVar(&workers, "workers", 2, "sweep worker processes")
	f.StringVar(&only, "only", "", "comma-separated mutant ids to run (default: all); an unknown id is an error")
	f.StringVar(&dir, "dir", "", "the catalogue's folder of *.mutant files (default: the module's mutants/); edits name files of this module")
	f.BoolVar(&gomls, "gomls", true, "also hunt go-mls bugs 3-5 with the adapter variants")
	f.StringVar(&by, "by", "sweep", "hunt with the sweep, a fuzz target (fuzz: time to detection), both side by side, or protocol (each mutant's engine judged by simrun conform over the intent-client protocol)")
	f.DurationVar(&fz.fuzzTime, "fuzztime", 60*time.Second, "with --by fuzz|both: how long the fuzzer gets per mutant")
	f.StringVar(&fz.target, "fuzz-target", "FuzzConflictOrder", "with --by fuzz|both: the fuzz target of package sim")
	f.StringVar(&fz.minimize, "fuzzminimizetime", "100x", "with --by fuzz|both: go test's -fuzzminimizetime")
	f.StringVar(&fz.keep, "keep", "", "with --by fuzz|both: keep each mutant's overlay, crasher and script under this directory")
	return cmd
}

func printMutants(cmd *cobra.Command, rep mutantsReport) {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%-36s %-10s %-8s %-6s %-16s %s\n", "mutant", "status", "caught", "seeds", "scenario", "wall")
	for _, o := range rep.Mutants {
		by := o.Property
		if o.ByScripts && by != "scripts" {
			by += "+scripts"
		}
		fmt.Fprintf(w, "%-36s %-10s %-8s %-6d %-16s %.0f s\n", o.ID, o.Status, by, o.SeedsToDetect, o.Scenario, o.WallMillis/1000)
	}
	fmt.Fprintf(w, "%d of %d caught (%d argued equivalent); median seeds to detection %.1f\n",
		rep.Caught, rep.Total, rep.Equivalent, rep.MedianSeedsToDetect)
}

func median(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Ints(xs)
	if len(xs)%2 == 1 {
		return float64(xs[len(xs)/2])
	}
	return float64(xs[len(xs)/2-1]+xs[len(xs)/2]) / 2
}

// moduleRoot finds this module's root from the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(data), "module github.com/mlsim/mlsim\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run simrun mutants inside the mlsim module (it builds the mutated engine)")
		}
		dir = parent
	}
}

// selectMutants keeps the named mutants, in catalogue order; naming one the
// catalogue lacks is an error, never a silent "0 of 0 caught".
func selectMutants(list []mutation.Mutant, ids []string) ([]mutation.Mutant, error) {
	known := map[string]bool{}
	for _, m := range list {
		known[m.ID] = true
	}
	keep := map[string]bool{}
	for _, id := range ids {
		if !known[id] {
			return nil, fmt.Errorf("--only: no mutant %q in the catalogue", id)
		}
		keep[id] = true
	}
	var sel []mutation.Mutant
	for _, m := range list {
		if keep[m.ID] {
			sel = append(sel, m)
		}
	}
	return sel, nil
}
