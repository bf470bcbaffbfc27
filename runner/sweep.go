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

	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/scenarios"
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
	// Done are runs an earlier, interrupted sweep finished (resume): they
	// are folded in as they are and their seeds must not be in the list.
	Done []results.RunSummary
	// OnRun, if set, is given every finished run as it finishes (in the
	// order they finish), so that a sweep that is killed keeps what it
	// ran. An error stops the sweep: no more seeds are started.
	OnRun func(*results.RunSummary) error
	// Log, if set, is told what the sweep did on its own, such as
	// re-running a seed whose worker died.
	Log func(format string, args ...any)
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

// Sweep runs every seed and folds the results, with opt.Done, into one
// summary, in seed order, whatever the number of workers.
func Sweep(sc scenarios.Scenario, seeds []uint64, opt SweepOptions) (*results.SweepSummary, error) {
	start := time.Now()
	runs := make([]results.RunSummary, 0, len(opt.Done)+len(seeds))
	failed := 0
	for _, r := range opt.Done {
		runs = append(runs, r)
		if r.Failed() {
			failed++
		}
	}
	total := len(opt.Done) + len(seeds)
	var (
		mu      sync.Mutex
		stopErr error
	)
	// record keeps a finished run; it reports false once the sweep must
	// stop (OnRun failed).
	record := func(r *results.RunSummary) bool {
		mu.Lock()
		defer mu.Unlock()
		if stopErr != nil {
			return false
		}
		r.Trace = nil
		if opt.OnRun != nil {
			if err := opt.OnRun(r); err != nil {
				stopErr = err
				return false
			}
		}
		runs = append(runs, *r)
		if r.Failed() {
			failed++
		}
		if opt.Progress != nil {
			opt.Progress(len(runs), total, failed)
		}
		return true
	}
	if opt.WorkerCommand == nil || opt.Workers <= 1 {
		for _, seed := range seeds {
			r, err := RunSeed(sc, seed, Options{Steps: opt.Steps, CheckDeterminism: DeterminismSampled(seed, opt.DeterminismRatio)})
			if err != nil {
				return nil, err
			}
			if !record(r.RunSummary) {
				break
			}
		}
	} else if err := inWorkers(sc, seeds, opt, record); err != nil {
		return nil, err
	}
	if stopErr != nil {
		return nil, stopErr
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Seed < runs[j].Seed })
	s := results.Fold(sc.Name, runs)
	s.WallMillis = float64(time.Since(start)) / float64(time.Millisecond)
	return s, nil
}

// inWorkers hands seeds to worker processes one at a time over stdin and
// reads one JSON summary per seed from stdout.
func inWorkers(sc scenarios.Scenario, seeds []uint64, opt SweepOptions, record func(*results.RunSummary) bool) error {
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
			errs <- feedWorkers(sc, queue, opt, record)
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

// feedWorkers keeps one worker process busy with seeds from the queue.
// A worker that dies (a crash in the engine, the OOM killer, a bug in the
// worker) costs one seed, not the sweep: the seed is re-run once in a
// fresh worker — a death caused by the machine rather than the seed is
// gone then — and if that worker dies too the seed is kept as a failing
// run saying how (results.RunSummary.WorkerDied), and the sweep goes on with
// another fresh worker.
func feedWorkers(sc scenarios.Scenario, queue <-chan uint64, opt SweepOptions, record func(*results.RunSummary) bool) error {
	var w *worker
	defer func() {
		if w != nil {
			w.close()
		}
	}()
	// runOn runs one seed, starting a worker if none is running; a death
	// is returned as its cause, with w cleared.
	runOn := func(seed uint64) (*results.RunSummary, string, error) {
		if w == nil {
			var err error
			if w, err = startWorker(opt.WorkerCommand()); err != nil {
				return nil, "", err
			}
		}
		r, cause := w.run(seed)
		if cause != "" {
			w = nil
		}
		return r, cause, nil
	}
	for seed := range queue {
		r, cause, err := runOn(seed)
		if err != nil {
			return err
		}
		if cause != "" {
			if opt.Log != nil {
				opt.Log("worker died running seed %d (%s); running it again in a fresh worker", seed, firstLine(cause))
			}
			var again string
			if r, again, err = runOn(seed); err != nil {
				return err
			}
			if again != "" {
				if opt.Log != nil {
					opt.Log("worker died again running seed %d: the seed fails (%s)", seed, firstLine(again))
				}
				r = diedRun(sc, seed, opt.Steps, again)
			}
		}
		if !record(r) {
			return nil
		}
	}
	return nil
}

// diedRun is the failing run of a seed whose worker died twice.
func diedRun(sc scenarios.Scenario, seed uint64, steps int, cause string) *results.RunSummary {
	if steps <= 0 {
		steps = sc.Params.Steps
	}
	return &results.RunSummary{Scenario: sc.Name, Seed: seed, Steps: steps, Determinism: results.DeterminismSkipped,
		Violations: []results.Violation{}, Events: map[string]int{}, FaultSites: map[string]int{}, WorkerDied: cause}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// worker is one running `simrun worker` process.
type worker struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Scanner
	stderr *tailBuffer
}

func startWorker(cmd *exec.Cmd) (*worker, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w := &worker{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout), stderr: &tailBuffer{max: 4 << 10}}
	w.out.Buffer(make([]byte, 1<<20), 1<<28)
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	return w, nil
}

// run hands the worker one seed and reads its summary; if the worker
// does not give one, it is stopped and the cause returned: its exit
// status and the tail of its stderr.
func (w *worker) run(seed uint64) (*results.RunSummary, string) {
	var problem string
	if _, err := fmt.Fprintf(w.stdin, "%d\n", seed); err != nil {
		problem = "could not be given the seed: " + err.Error()
	} else if !w.out.Scan() {
		problem = "output closed"
		if err := w.out.Err(); err != nil {
			problem = "output unreadable: " + err.Error()
		}
	} else {
		var r results.RunSummary
		err := json.Unmarshal(w.out.Bytes(), &r)
		if err == nil && r.Seed == seed {
			return &r, ""
		}
		problem = fmt.Sprintf("answered with something else than seed %d's summary: %.200q", seed, w.out.Text())
	}
	status := w.stop()
	tail := w.stderr.tail()
	lines := strings.Split(tail, "\n")
	return nil, fmt.Sprintf("worker process running seed %d: %s, %s; last stderr line: %s\nend of its stderr:\n%s",
		seed, status, problem, lines[len(lines)-1], tail)
}

// stop ends the process (closing its stdin ends a healthy worker; one
// that does not exit within 10 s is killed) and returns its exit status.
func (w *worker) stop() string {
	_ = w.stdin.Close()
	timer := time.AfterFunc(10*time.Second, func() { _ = w.cmd.Process.Kill() })
	defer timer.Stop()
	// Wait closes stdout, which a worker killed mid-line may still hold.
	err := w.cmd.Wait()
	if err == nil {
		return "exit status 0"
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.String() // "exit status 3", "signal: killed"
	}
	return err.Error()
}

// close ends a worker that did its work: with its stdin closed it exits;
// anything it still prints is read, so it cannot block on a full pipe.
func (w *worker) close() {
	_ = w.stdin.Close()
	for w.out.Scan() {
	}
	_ = w.cmd.Wait()
}

// tailBuffer keeps the last max bytes written to it (a worker's stderr:
// the end says why it died), and the first line that starts a Go panic
// or fatal error, which a long goroutine dump would push out of the tail.
type tailBuffer struct {
	mu    sync.Mutex
	max   int
	buf   []byte
	panic string
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.panic == "" {
		for _, line := range strings.Split(string(p), "\n") {
			if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") {
				t.panic = line
				break
			}
		}
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) tail() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	text := strings.TrimRight(string(t.buf), "\n")
	lines := strings.Split(text, "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	text = strings.Join(lines, "\n")
	if t.panic != "" && !strings.Contains(text, t.panic) {
		text = t.panic + "\n...\n" + text
	}
	if text == "" {
		return "(nothing)"
	}
	return text
}

// ServeWorker is the worker side: read seeds from in, write one JSON
// summary per line to out. beforeSeed, if set, is called with each seed
// before it runs (simrun's test hook that kills a worker).
func ServeWorker(sc scenarios.Scenario, steps int, ratio float64, in io.Reader, out io.Writer, beforeSeed func(uint64)) error {
	lines := bufio.NewScanner(in)
	enc := json.NewEncoder(out)
	for lines.Scan() {
		seed, err := strconv.ParseUint(strings.TrimSpace(lines.Text()), 10, 64)
		if err != nil {
			return fmt.Errorf("worker: bad seed %q", lines.Text())
		}
		if beforeSeed != nil {
			beforeSeed(seed)
		}
		r, err := RunSeed(sc, seed, Options{Steps: steps, CheckDeterminism: DeterminismSampled(seed, ratio)})
		if err != nil {
			return err
		}
		r.Trace = nil
		if err := enc.Encode(r.RunSummary); err != nil {
			return err
		}
	}
	return lines.Err()
}
