package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/mlsim/mlsim/reports"
	"github.com/mlsim/mlsim/results"
)

// sweepRecord is a sweep folder's sweep.json, written before the first
// seed runs: with results.jsonl (one run summary a line, appended as each
// seed finishes) it is all `sweep --resume` needs to finish a sweep that
// was killed, with the same world and the same seeds.
type sweepRecord struct {
	Params           results.Params `json:"params"`
	Seeds            string         `json:"seeds"`
	Shard            string         `json:"shard,omitempty"`
	DeterminismRatio float64        `json:"determinism_ratio"`
}

func readSweepRecord(dir string) (*sweepRecord, error) {
	p := filepath.Join(dir, "sweep.json")
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, usageError{fmt.Errorf("--resume %s: no sweep to resume (a sweep with --out writes sweep.json when it starts): %w", dir, err)}
	}
	var rec sweepRecord
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil || rec.Params.Scenario == "" || rec.Seeds == "" {
		return nil, usageError{fmt.Errorf("--resume %s: %s is not a sweep record (%v)", dir, p, err)}
	}
	return &rec, nil
}

// apply takes the sweep's parameters from the record. A flag given on
// the command line too must agree with it: resuming with another world
// would fold two different sweeps into one summary.
func (rec *sweepRecord) apply(f *pflag.FlagSet, world *worldFlags, seeds *string, steps *int, shard *string, ratio *float64) error {
	recordedPast := -1 // not given: the scenario's
	if rec.Params.MaxPastEpochs != nil {
		recordedPast = *rec.Params.MaxPastEpochs
	}
	checks := []struct {
		flag, given, recorded string
	}{
		{"scenario", world.name, rec.Params.Scenario},
		{"mls-variant", world.variant, rec.Params.Variant},
		{"fixture", world.fixture, rec.Params.Fixture},
		{"scale", strconv.Itoa(world.scale), strconv.Itoa(rec.Params.Scale)},
		{"max-past-epochs", strconv.Itoa(world.maxPast), strconv.Itoa(recordedPast)},
		{"steps", strconv.Itoa(*steps), strconv.Itoa(rec.Params.Steps)},
		{"seeds", *seeds, rec.Seeds},
		{"shard", *shard, rec.Shard},
		{"determinism-ratio", strconv.FormatFloat(*ratio, 'g', -1, 64), strconv.FormatFloat(rec.DeterminismRatio, 'g', -1, 64)},
	}
	for _, c := range checks {
		if f.Changed(c.flag) && c.given != c.recorded {
			recorded := c.recorded
			if c.flag == "max-past-epochs" && recordedPast < 0 {
				recorded = "window, the scenario's"
			}
			return fmt.Errorf("--%s %s differs from the sweep's %s (sweep.json): leave it out to resume, or start a new sweep", c.flag, c.given, recorded)
		}
	}
	world.name, world.variant, world.fixture, world.scale = rec.Params.Scenario, rec.Params.Variant, rec.Params.Fixture, rec.Params.Scale
	world.maxPast = recordedPast
	*steps, *seeds, *shard, *ratio = rec.Params.Steps, rec.Seeds, rec.Shard, rec.DeterminismRatio
	return nil
}

// openSweepOut prepares a sweep's folder before the first seed runs:
// checked and emptied of the previous report (openOut), sweep.json
// written, and results.jsonl opened for appending. Resuming, it returns
// the runs results.jsonl holds (a torn last line, from a kill in the
// middle of a write, is cut off: that seed runs again).
func openSweepOut(what, out string, force, resuming bool, rec sweepRecord, list []uint64) (*outDir, *os.File, []results.RunSummary, error) {
	seeds := make(map[uint64]bool, len(list))
	for _, s := range list {
		seeds[s] = true
	}
	var done []results.RunSummary
	var keepBytes int64
	if resuming {
		var err error
		if done, keepBytes, err = readResults(filepath.Join(out, "results.jsonl"), rec.Params.Name(), seeds); err != nil {
			return nil, nil, nil, err
		}
	}
	plan := outPlan{files: []string{"summary.json", "summary.md", "index.html", "sweep.json", "results.jsonl"}, seeds: seeds}
	var keep func(string) bool
	if resuming {
		keep = func(rel string) bool { return rel == "sweep.json" || rel == "results.jsonl" }
	}
	dir, err := openOut(what, out, force, plan, keep)
	if err != nil {
		return nil, nil, nil, err
	}
	if !resuming {
		data, err := json.MarshalIndent(rec, "", "  ")
		if err != nil {
			return nil, nil, nil, err
		}
		if err := dir.write("sweep.json", append(data, '\n')); err != nil {
			return nil, nil, nil, err
		}
	}
	if err := dir.plan("results.jsonl"); err != nil {
		return nil, nil, nil, err
	}
	f, err := os.OpenFile(dir.path("results.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := f.Truncate(keepBytes); err != nil {
		f.Close()
		return nil, nil, nil, err
	}
	return dir, f, done, nil
}

// appendResult appends one run to results.jsonl in a single write, so
// that a kill leaves whole lines and at most one torn last line.
func appendResult(f *os.File, r *results.RunSummary) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("results.jsonl: %w", err)
	}
	return nil
}

// readResults reads the runs of results.jsonl and the length of its whole
// lines. Every whole line must be a consistent run of this sweep (its
// scenario, one of its seeds, once): anything else means the file is not
// this sweep's, and resuming from it would report runs nobody ran.
func readResults(path, scenario string, seeds map[uint64]bool) ([]results.RunSummary, int64, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, usageError{err}
	}
	var runs []results.RunSummary
	first := map[uint64]int{}
	var at int64
	for n := 1; ; n++ {
		end := bytes.IndexByte(data[at:], '\n')
		if end < 0 {
			break // a torn last line (or none): its seed runs again
		}
		line := data[at : at+int64(end)]
		bad := func(format string, a ...any) error {
			return usageError{fmt.Errorf("%s line %d: %s", path, n, fmt.Sprintf(format, a...))}
		}
		var r results.RunSummary
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, 0, bad("not a run summary (%v)", err)
		}
		switch {
		case !seeds[r.Seed]:
			return nil, 0, bad("seed %d is not one of the sweep's seeds", r.Seed)
		case first[r.Seed] > 0:
			return nil, 0, bad("seed %d again (first on line %d)", r.Seed, first[r.Seed])
		case r.Scenario != scenario:
			return nil, 0, bad("a run of %s, not of the sweep's %s", r.Scenario, scenario)
		}
		if err := reports.CheckRunSummary(&r); err != nil {
			return nil, 0, bad("%v", err)
		}
		first[r.Seed] = n
		runs = append(runs, r)
		at += int64(end) + 1
	}
	return runs, at, nil
}

// missingSeeds are the seeds of list that no run in done covers.
func missingSeeds(list []uint64, done []results.RunSummary) []uint64 {
	have := make(map[uint64]bool, len(done))
	for _, r := range done {
		have[r.Seed] = true
	}
	var todo []uint64
	for _, s := range list {
		if !have[s] {
			todo = append(todo, s)
		}
	}
	return todo
}
