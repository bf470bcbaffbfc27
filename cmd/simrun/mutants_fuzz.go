package main

import (
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/internal/mutation"
)

// byFuzz is `simrun mutants --by fuzz|both`: each mutant (and each
// go-mls bug, by its variant) is hunted by a fuzz target — and with
// --by both by the sweep too — and the report puts the fuzzer's time to
// detection next to the sweep's seeds to detection.
type byFuzz struct {
	both     bool
	root     string
	work     string // the sweep's scratch directory
	keep     string // if set, the fuzz work directories (crashers, scripts, overlays) stay here
	list     []mutation.Mutant
	seeds    int
	workers  int
	gomls    bool
	target   string
	fuzzTime time.Duration
	minimize string
	asJSON   bool
}

// fuzzRow is one mutant's line: the sweep's outcome (--by both) and the
// fuzzer's.
type fuzzRow struct {
	ID    string               `json:"id"`
	Sweep *mutation.Outcome    `json:"sweep,omitempty"`
	Fuzz  mutation.FuzzOutcome `json:"fuzz"`
}

type fuzzReport struct {
	Target          string    `json:"target"`
	FuzzTimeSeconds float64   `json:"fuzz_time_s"`
	Workers         int       `json:"workers"`
	Total           int       `json:"total"`
	CaughtByFuzz    int       `json:"caught_by_fuzz"`
	CaughtBySweep   int       `json:"caught_by_sweep,omitempty"`
	MedianDetectS   float64   `json:"median_detect_s"`
	Mutants         []fuzzRow `json:"mutants"`
}

func (b byFuzz) run(cmd *cobra.Command) error {
	logf := func(format string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", a...) }
	work := b.keep
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "mlsim-fuzz-mutants-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	fr := &mutation.FuzzRunner{Root: b.root, Work: work, Pkg: "sim", Target: b.target, FuzzTime: b.fuzzTime,
		Minimize: b.minimize, Parallel: b.workers, Log: logf}
	sr := &mutation.Runner{Root: b.root, Work: b.work, Seeds: b.seeds, Chunk: 10, Workers: b.workers, Log: logf}
	rep := fuzzReport{Target: b.target, FuzzTimeSeconds: b.fuzzTime.Seconds(), Workers: b.workers}
	add := func(row fuzzRow) {
		logf("%s", row.Fuzz)
		rep.Mutants = append(rep.Mutants, row)
	}
	for _, m := range b.list {
		row := fuzzRow{ID: m.ID}
		if b.both {
			o := sr.Hunt(m)
			logf("%s: sweep %s %s (seed %d) in %.0f s", o.ID, o.Status, o.Property, o.FirstSeed, o.WallMillis/1000)
			row.Sweep = &o
		}
		row.Fuzz = fr.Hunt(m)
		add(row)
	}
	if b.gomls {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		for _, g := range goMLSBugs {
			row := fuzzRow{ID: g.id}
			if b.both {
				o := sr.HuntVariant(exe, g.id, g.class, g.scenario, g.variant)
				row.Sweep = &o
			}
			row.Fuzz = fr.HuntVariant(g.id, g.class, g.variant)
			add(row)
		}
	}
	var detect []int
	failed := false
	for _, row := range rep.Mutants {
		if row.Fuzz.Status == "equivalent" {
			continue
		}
		rep.Total++
		if row.Sweep != nil && row.Sweep.Status == "caught" {
			rep.CaughtBySweep++
		}
		switch row.Fuzz.Status {
		case "caught":
			rep.CaughtByFuzz++
			detect = append(detect, int(row.Fuzz.DetectMillis))
		case "broken":
			failed = true
		}
	}
	rep.MedianDetectS = median(detect) / 1000
	if b.asJSON {
		if err := printJSON(cmd.OutOrStdout(), rep); err != nil {
			return err
		}
	} else {
		printFuzzReport(cmd, rep)
	}
	if failed {
		return errViolated
	}
	return nil
}

func printFuzzReport(cmd *cobra.Command, rep fuzzReport) {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%-36s %-30s %s\n", "", "sweep (seeds 1..N)", rep.Target+fmt.Sprintf(" (%d workers, %.0f s)", rep.Workers, rep.FuzzTimeSeconds))
	fmt.Fprintf(w, "%-36s %-9s %-6s %-5s %-7s %-9s %-8s %-9s %-8s %s\n", "mutant", "status", "by", "seeds", "wall", "status", "by", "detect", "execs", "build")
	for _, row := range rep.Mutants {
		sweep := fmt.Sprintf("%-9s %-6s %-5s %-7s", "-", "", "", "")
		if s := row.Sweep; s != nil {
			seeds := "-"
			if s.SeedsToDetect > 0 {
				seeds = fmt.Sprint(s.SeedsToDetect)
			}
			sweep = fmt.Sprintf("%-9s %-6s %-5s %-7s", s.Status, s.Property, seeds, fmt.Sprintf("%.0f s", s.WallMillis/1000))
		}
		f := row.Fuzz
		detect := "-"
		if f.Status == "caught" {
			detect = fmt.Sprintf("%.1f s", f.DetectMillis/1000)
			if f.BySeed {
				detect += "*"
			}
		}
		fmt.Fprintf(w, "%-36s %s %-9s %-8s %-9s %-8d %.0f s\n", row.ID, sweep, f.Status, f.Property, detect, f.Execs, f.BuildMillis/1000)
	}
	fmt.Fprintf(w, "fuzz: %d of %d caught, median time to detection %.1f s (* = a seed of the committed corpus failed)", rep.CaughtByFuzz, rep.Total, rep.MedianDetectS)
	if rep.CaughtBySweep > 0 {
		fmt.Fprintf(w, "; sweep: %d of %d caught", rep.CaughtBySweep, rep.Total)
	}
	fmt.Fprintln(w)
	var slow []string
	for _, row := range rep.Mutants {
		if row.Fuzz.Status == "caught" && row.Fuzz.Script != "" {
			slow = append(slow, row.ID+": "+row.Fuzz.Script)
		}
	}
	sort.Strings(slow)
	if len(slow) > 0 && rep.Mutants != nil {
		fmt.Fprintln(w, "scripts of the failing inputs (kept with --keep):")
		for _, s := range slow {
			fmt.Fprintln(w, "  "+s)
		}
	}
}
