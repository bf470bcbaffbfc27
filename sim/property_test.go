package sim_test

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

// rapidChooser draws every schedule choice from rapid, so rapid's
// shrinking minimises the schedule itself.
type rapidChooser struct{ t *rapid.T }

func (c rapidChooser) Intn(n int) int { return rapid.IntRange(0, n-1).Draw(c.t, "pick") }

// smallWorld is the property tests' world: few clients so each check is
// quick, every action and fault enabled.
func smallWorld() sim.Params {
	p, _ := scenarios.Get("default")
	params := p.Params
	params.Accounts, params.InstallsPer, params.Groups, params.InitialMembers, params.MaxInstallations = 3, 2, 1, 2, 8
	params.Swarm = false
	return params
}

// scheduleProperty: any schedule of simulator actions keeps every safety
// property after every step, and settles with every liveness property.
// One rapid action per simulator action; the checker is the invariant.
func scheduleProperty(t *rapid.T) {
	seed := rapid.Uint64Range(1, 1<<20).Draw(t, "seed")
	w, err := sim.NewWorld(smallWorld(), seed)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.UseChooser(rapidChooser{t})
	if err := w.Setup(); err != nil {
		t.Fatal(err)
	}
	actions := map[string]func(*rapid.T){}
	for _, a := range sim.AllActions {
		actions[string(a)] = func(t *rapid.T) {
			c, out, err := w.StepAction(a)
			if err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			t.Logf("%s -> %s", c, out)
		}
	}
	actions[""] = func(t *rapid.T) { requireNoViolations(t, w, "after a step") }
	t.Repeat(actions)
	for _, name := range []string{"stabilize", "check"} {
		out, err := w.Do(sim.NewCmd(name))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s -> %s", name, out)
	}
	requireNoViolations(t, w, "at the end")
}

func requireNoViolations(t *rapid.T, w *sim.World, when string) {
	if vs := w.Violations(); len(vs) > 0 {
		var lines []string
		for _, v := range vs {
			lines = append(lines, v.String())
		}
		t.Fatalf("%s:\n%s", when, strings.Join(lines, "\n"))
	}
}

// TestScheduleProperties: rapid draws the schedules (and shrinks a
// failing one); its fail files under testdata/rapid are replayed first by
// later runs. -rapid.checks sets how many schedules (100 by default).
func TestScheduleProperties(t *testing.T) {
	if testing.Short() {
		t.Skip("property test: run without -short")
	}
	rapid.Check(t, scheduleProperty)
}
