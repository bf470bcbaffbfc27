package sim_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

// FuzzConflictOrder: the fuzzer's bytes choose the order of the things
// that race in a small world (sim.OrderSetup, sim.DecodeOrder); the full
// checker is the oracle: safety after every step, then stabilize and the
// final checks. A failing input is written as a script (see
// writeFuzzScript: testdata/fuzz/FuzzConflictOrder.scripts/NAME.script.txt)
// that `simrun replay` and `simrun shrink` take.
//
//	go test ./sim -run XXX -fuzz FuzzConflictOrder -fuzztime 60s -fuzzminimizetime 10s
//
// MLSIM_FUZZ_VARIANT=path-on-add (any --mls-variant) switches a go-mls
// defence off in every client, as `simrun run --mls-variant` does.
//
// The world is set up once per process (key packages, two groups'
// first commits and welcomes: most of a run's cost) and every input
// starts from a copy of it (sim.Checkpoint).
func FuzzConflictOrder(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := runOrder(t, data)
		if w != nil {
			defer w.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		if vs := w.Violations(); len(vs) > 0 {
			path, werr := writeFuzzScript("FuzzConflictOrder", sim.OrderScenario, sim.OrderSeed, orderParams(t), len(sim.OrderSetup(sim.OrderHistory(data))), data, w)
			if werr != nil {
				t.Logf("writing the script: %v", werr)
			}
			t.Fatalf("%s\nops: %s\nscript: %s", describe(vs), strings.Join(cmdStrings(sim.DecodeOrder(data)), "; "), path)
		}
	})
}

// orderVariant is the go-mls defence the fuzz world switches off, if any.
func orderVariant() string { return os.Getenv("MLSIM_FUZZ_VARIANT") }

func orderParams(t testing.TB) sim.Params {
	sc, err := scenarios.Get(sim.OrderScenario)
	if err != nil {
		t.Fatal(err)
	}
	p := sc.Params
	p.MLSVariant = orderVariant()
	return p
}

// The set-up worlds, one per history, each built once per process: the
// fuzz engine runs inputs one at a time in each worker process (go-mls's
// random sources are process-global, so a process runs one world at a
// time anyway).
var orderWorlds struct {
	sync.Mutex
	k map[int]*sim.Checkpoint
}

func orderCheckpoint(t testing.TB, history int) *sim.Checkpoint {
	orderWorlds.Lock()
	defer orderWorlds.Unlock()
	if k := orderWorlds.k[history]; k != nil {
		return k
	}
	tuneFuzzWorker()
	k, err := buildOrderWorld(orderParams(t), history)
	if err != nil {
		t.Fatal(err)
	}
	if orderWorlds.k == nil {
		orderWorlds.k = map[int]*sim.Checkpoint{}
	}
	orderWorlds.k[history] = k
	return k
}

func buildOrderWorld(p sim.Params, history int) (*sim.Checkpoint, error) {
	w, err := sim.NewWorld(p, sim.OrderSeed)
	if err != nil {
		return nil, err
	}
	for _, c := range sim.OrderSetup(history) {
		if _, err := w.Do(c); err != nil {
			return nil, fmt.Errorf("setup: %s: %w", c, err)
		}
	}
	if vs := w.Violations(); len(vs) > 0 {
		return nil, fmt.Errorf("setup: %s", describe(vs))
	}
	return w.Checkpoint()
}

// runOrder runs one input on a copy of the set-up world: its operations
// until the first safety violation (what follows could only pile more on
// the same cause), then stabilize and check. An error is a command the
// world refused: a decoder bug, never a finding.
func runOrder(t testing.TB, data []byte) (*sim.World, error) {
	w, err := orderCheckpoint(t, sim.OrderHistory(data)).Fork()
	if err != nil {
		return nil, err
	}
	for _, c := range sim.DecodeOrder(data) {
		if _, err := w.Do(c); err != nil {
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
