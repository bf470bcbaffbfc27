package runner

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

// SweepOptions adjust a sweep.
type SweepOptions struct {
	Steps            int
	DeterminismRatio float64
	Workers          int
	// WorkerCommand starts one worker process (`simrun worker ...`); nil
	// runs every seed in this process, one after another.
	WorkerCommand func() *exec.Cmd
	// Progress, if set, is told after every finished seed.
	Progress func(done, total, failed int)
}

// ParseSeeds reads "A..B" (inclusive) or a single seed.
func ParseSeeds(s string) ([]uint64, error) {
	lo, hi, found := strings.Cut(s, "..")
	a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("seeds %q: want A..B or N (%v)", s, err)
	}
	b := a
	if found {
		if b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 64); err != nil {
			return nil, fmt.Errorf("seeds %q: want A..B or N (%v)", s, err)
		}
	}
	if b < a {
		return nil, fmt.Errorf("seeds %q: the range is empty", s)
	}
	if b-a >= 1<<24 {
		return nil, fmt.Errorf("seeds %q: at most %d seeds per sweep", s, 1<<24)
	}
	out := make([]uint64, 0, b-a+1)
	for x := a; ; x++ {
		out = append(out, x)
		if x == b {
			break
		}
	}
	return out, nil
}

// ParseShard reads "i/n" (1-based i).
func ParseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("shard %q: want i/n with 1 <= i <= n", s)
	}
	return i, n, nil
}

// ShardSeeds keeps the seeds of shard i of n. The slice a seed belongs to
// depends on the seed alone (seed mod n), so shards are disjoint, cover
// the range, and agree whatever range each is given.
func ShardSeeds(seeds []uint64, i, n int) []uint64 {
	var out []uint64
	for _, s := range seeds {
		if s%uint64(n) == uint64(i-1) {
			out = append(out, s)
		}
	}
	return out
}

// Sweep runs every seed and folds the results into one summary, in seed
// order, whatever the number of workers.
func Sweep(sc scenarios.Scenario, seeds []uint64, opt SweepOptions) (*SweepSummary, error) {
	start := time.Now()
	runs := make([]RunSummary, 0, len(seeds))
	var mu sync.Mutex
	failed := 0
	record := func(r *RunSummary) {
		mu.Lock()
		defer mu.Unlock()
		r.Trace, r.Script = nil, nil
		runs = append(runs, *r)
		if r.Failed() {
			failed++
		}
		if opt.Progress != nil {
			opt.Progress(len(runs), len(seeds), failed)
		}
	}
	var err error
	if opt.WorkerCommand == nil || opt.Workers <= 1 {
		for _, seed := range seeds {
			r, rerr := RunSeed(sc, seed, Options{Steps: opt.Steps, CheckDeterminism: DeterminismSampled(seed, opt.DeterminismRatio)})
			if rerr != nil {
				return nil, rerr
			}
			record(r)
		}
	} else {
		err = inWorkers(seeds, opt, record)
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Seed < runs[j].Seed })
	s := Fold(sc.Name, runs)
	s.WallMillis = float64(time.Since(start)) / float64(time.Millisecond)
	return s, nil
}

// Fold sums per-seed summaries (in seed order) into a sweep summary. Merging
// shards uses it too, so sharded and unsharded sweeps agree.
func Fold(scenario string, runs []RunSummary) *SweepSummary {
	s := &SweepSummary{Scenario: scenario, Seeds: len(runs), Events: map[string]int{}, FaultSites: map[string]int{},
		FailingSeeds: []uint64{}, Runs: runs}
	for _, r := range runs {
		if r.Failed() {
			s.Failed++
			s.FailingSeeds = append(s.FailingSeeds, r.Seed)
		} else {
			s.Passed++
		}
		if r.Determinism != DeterminismSkipped {
			s.DeterminismChecked++
		}
		for k, v := range r.Events {
			s.Events[k] += v
		}
		for k, v := range r.FaultSites {
			s.FaultSites[k] += v
		}
		s.Steps += r.Steps
		s.MLSMillis += r.MLSMillis
	}
	s.FaultSitesUnreached = sim.UnreachedFaultSites(s.FaultSites)
	return s
}

// inWorkers hands seeds to worker processes one at a time over stdin and
// reads one JSON summary per seed from stdout.
func inWorkers(seeds []uint64, opt SweepOptions, record func(*RunSummary)) error {
	queue := make(chan uint64, len(seeds))
	for _, s := range seeds {
		queue <- s
	}
	close(queue)
	n := min(opt.Workers, len(seeds))
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- runWorker(opt.WorkerCommand(), queue, record)
		}()
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		if err != nil {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}

func runWorker(cmd *exec.Cmd, queue <-chan uint64, record func(*RunSummary)) error {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	out := bufio.NewScanner(stdout)
	out.Buffer(make([]byte, 1<<20), 1<<28)
	var werr error
	for seed := range queue {
		if _, err := fmt.Fprintf(stdin, "%d\n", seed); err != nil {
			werr = fmt.Errorf("worker: %w", err)
			break
		}
		if !out.Scan() {
			werr = fmt.Errorf("worker stopped at seed %d: %v %s", seed, out.Err(), stderr.String())
			break
		}
		var r RunSummary
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			werr = fmt.Errorf("worker output for seed %d: %w", seed, err)
			break
		}
		record(&r)
	}
	_ = stdin.Close()
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil && werr == nil {
		werr = fmt.Errorf("worker: %w: %s", err, stderr.String())
	}
	return werr
}

// ServeWorker is the worker side: read seeds from in, write one JSON
// summary per line to out.
func ServeWorker(sc scenarios.Scenario, steps int, ratio float64, in io.Reader, out io.Writer) error {
	lines := bufio.NewScanner(in)
	enc := json.NewEncoder(out)
	for lines.Scan() {
		seed, err := strconv.ParseUint(strings.TrimSpace(lines.Text()), 10, 64)
		if err != nil {
			return fmt.Errorf("worker: bad seed %q", lines.Text())
		}
		r, err := RunSeed(sc, seed, Options{Steps: steps, CheckDeterminism: DeterminismSampled(seed, ratio)})
		if err != nil {
			return err
		}
		r.Trace, r.Script = nil, nil
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return lines.Err()
}
