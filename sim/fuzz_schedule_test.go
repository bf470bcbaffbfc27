package sim_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

// FuzzSchedule: the fuzzer's bytes are the schedule's choices — which
// action (by the default weights), and within it who, which group, which
// fault, which garbage — made by the simulator's own chooser, in the
// property tests' small world (smallWorld: every action and fault on);
// every property must hold. A failing input is written as a script, as
// FuzzConflictOrder's are (testdata/fuzz/FuzzSchedule.scripts/NAME.script.txt).
//
//	go test ./sim -run XXX -fuzz FuzzSchedule -fuzztime 60s -fuzzminimizetime 100x
//
// Bytes are the choices, one or two per choice, rather than rapid's
// draws: rapid rejects an input that runs out before its draws do (half
// of what Go's mutator makes), and Go's minimisation, uncounted by the
// status line, made a rapid target look stalled (docs/PERFORMANCE.md).
// An input that runs out ends the schedule (it is never rejected), an
// input is at most scheduleMaxSteps steps, and each starts from a copy of
// the small world set up once per process (sim.Checkpoint).
//
// TestScheduleProperties keeps rapid (its shrinking of a failing schedule
// is worth having when the schedule is rapid's own).
func FuzzSchedule(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		k := scheduleCheckpoint(t)
		w, err := runSchedule(k, data)
		if w != nil {
			defer w.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		if vs := w.Violations(); len(vs) > 0 {
			path, werr := writeFuzzScript("FuzzSchedule", "default", scheduleSeed, smallWorld(), scheduleSetupLen, data, w)
			if werr != nil {
				t.Logf("writing the script: %v", werr)
			}
			t.Fatalf("%s\nscript: %s", describe(vs), path)
		}
	})
}

// scheduleMaxSteps bounds an input's steps, and scheduleMaxCommits the
// steps among them that record commits or make installations (each
// costs every member of the group, in the liveness phase if not before);
// its liveness phase is then bounded by Settle (8 + installations +
// 2 × open intents rounds).
const (
	scheduleMaxSteps   = 32
	scheduleMaxCommits = 6
)

// scheduleCommits are the actions scheduleMaxCommits counts.
var scheduleCommits = map[sim.Action]bool{sim.ActAdd: true, sim.ActRemove: true, sim.ActKeyUpdate: true,
	sim.ActRace: true, sim.ActNewInstall: true}

// scheduleSeed is the small world's seed: it gives the setup's choices
// and each installation's crypto stream.
const scheduleSeed = 1

// scheduleSetupLen is how many commands the set-up world ran.
var scheduleSetupLen int

var scheduleOnce struct {
	sync.Once
	k   *sim.Checkpoint
	err error
}

// scheduleCheckpoint is the small world after its setup commands (the
// installations, the group and its first add, chosen by the seed) and a
// liveness phase (the add committed, its welcomes applied), each client
// then restarted so that copies behave as the world does.
func scheduleCheckpoint(t testing.TB) *sim.Checkpoint {
	scheduleOnce.Do(func() {
		tuneFuzzWorker()
		w, err := sim.NewWorld(smallWorld(), scheduleSeed)
		if err != nil {
			scheduleOnce.err = err
			return
		}
		if err := w.Setup(); err != nil {
			scheduleOnce.err = err
			return
		}
		// The group's first commit and its welcomes too: every input
		// would otherwise pay for them in its liveness phase.
		if _, err := w.Do(sim.NewCmd("stabilize")); err != nil {
			scheduleOnce.err = err
			return
		}
		for _, s := range w.Result().Script {
			if s.Cmd.Name == "installation" {
				if _, err := w.Do(sim.NewCmd("restart", s.Cmd.Arg(0))); err != nil {
					scheduleOnce.err = err
					return
				}
			}
		}
		scheduleSetupLen = len(w.Result().Script)
		scheduleOnce.k, scheduleOnce.err = w.Checkpoint()
	})
	if scheduleOnce.err != nil {
		t.Fatal(scheduleOnce.err)
	}
	return scheduleOnce.k
}

// runSchedule runs one input on a copy of the small world: an action per
// step, drawn by weight, then the simulator's chooser resolves it, until
// the bytes run out, scheduleMaxSteps, or the first safety violation;
// then stabilize and check.
func runSchedule(k *sim.Checkpoint, data []byte) (*sim.World, error) {
	w, err := k.Fork()
	if err != nil {
		return nil, err
	}
	ch := &byteChooser{data: data}
	w.UseChooser(ch)
	actions, weights := scheduleWeights()
	commits := 0
	for i := 0; i < scheduleMaxSteps && !ch.done(); i++ {
		a := actions[ch.weighted(weights)]
		if ch.done() {
			break
		}
		if scheduleCommits[a] {
			if commits++; commits > scheduleMaxCommits {
				a = sim.ActSync // over the cap: read instead
			}
		}
		if c, _, err := w.StepAction(a); err != nil {
			return w, fmt.Errorf("%s: %w", c, err)
		}
		if len(w.Violations()) > 0 {
			break
		}
	}
	for _, name := range []string{"stabilize", "check"} {
		if _, err := w.Do(sim.NewCmd(name)); err != nil {
			return w, err
		}
	}
	return w, nil
}

// scheduleWeights are the small world's action weights as integers.
func scheduleWeights() ([]sim.Action, []int) {
	p := smallWorld()
	var actions []sim.Action
	var weights []int
	for _, a := range sim.AllActions {
		if n := int(p.Weights[a]*10 + 0.5); n > 0 {
			actions = append(actions, a)
			weights = append(weights, n)
		}
	}
	return actions, weights
}

// byteChooser makes each choice from the next byte of the input (two
// bytes when there are more than 256 options); once the input is used up
// every choice is 0 and done reports it, so the step being chosen is the
// last.
type byteChooser struct {
	data []byte
	pos  int
	out  bool
}

func (c *byteChooser) next() int {
	if c.pos >= len(c.data) {
		c.out = true
		return 0
	}
	c.pos++
	return int(c.data[c.pos-1])
}

func (c *byteChooser) Intn(n int) int {
	if n <= 1 {
		return 0
	}
	v := c.next()
	if n > 256 {
		v = v<<8 | c.next()
	}
	return v % n
}

func (c *byteChooser) weighted(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := c.Intn(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

func (c *byteChooser) done() bool { return c.out }

// TestScheduleFuzzReplaysAsScript: FuzzSchedule's seed corpus runs from a
// copy of the small world exactly as its scripts replay from scratch.
func TestScheduleFuzzReplaysAsScript(t *testing.T) {
	k := scheduleCheckpoint(t)
	files, err := filepath.Glob("testdata/fuzz/FuzzSchedule/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed corpus: %v", err)
	}
	for _, f := range files {
		data := readCorpusBytes(t, f)
		w, err := runSchedule(k, data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		res := w.Result()
		w.Close()
		if len(res.Violations) > 0 {
			t.Errorf("%s: %v", f, res.Violations[0].Violation)
		}
		again, div, err := scenarios.Replay(scenarios.FromRun("default", scheduleSeed, smallWorld(), res.Script))
		switch {
		case err != nil:
			t.Fatalf("%s: replay: %v", f, err)
		case div != nil:
			t.Errorf("%s: the script replays differently: %s", f, div)
		case again.TraceSHA256 != res.TraceSHA256:
			t.Errorf("%s: trace hash %s from the copy, %s replayed", f, res.TraceSHA256, again.TraceSHA256)
		}
	}
}

// readCorpusBytes reads a one-[]byte corpus file of go test's format.
func readCorpusBytes(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") {
		t.Fatalf("%s: not a one-[]byte corpus file", path)
	}
	var s string
	if _, err := fmt.Sscanf(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"), "%q", &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}
