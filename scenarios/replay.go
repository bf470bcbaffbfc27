package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/sim"
)

// Replayer executes a script's commands in a world built from its world
// line. Go tests use it directly (one command at a time); Replay runs a
// whole script.
type Replayer struct {
	World    *sim.World
	Scenario string
	Seed     uint64
	Variant  string
	Fixture  string
	start    time.Time
}

// worldOptions are the options a `world` line may carry.
var worldOptions = []string{"seed", "scenario", "variant", "fixture", "width-cap", "max-past-epochs", "steps"}

// NewReplayer builds the world a `world` command describes.
func NewReplayer(world sim.Cmd) (*Replayer, error) { return NewRemoteReplayer(world, nil) }

// NewRemoteReplayer builds the world a `world` command describes with its
// installations in a client under test reached through remote (nil: our
// engine, in this process, as NewReplayer).
func NewRemoteReplayer(world sim.Cmd, remote sim.Remote) (*Replayer, error) {
	if world.Name != "world" {
		return nil, fmt.Errorf("a script starts with `world seed=N ...`, not %q", world.Name)
	}
	seedText, ok := world.Opt("seed")
	if !ok {
		return nil, errors.New("world: seed=N is required")
	}
	seed, err := strconv.ParseUint(seedText, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("world: seed %q is not a number", seedText)
	}
	for _, o := range world.Opts {
		if !slices.Contains(worldOptions, o.Key) {
			return nil, fmt.Errorf("world: unknown option %q (known: %s)", o.Key, strings.Join(worldOptions, ", "))
		}
	}
	if len(world.Args) > 0 {
		return nil, fmt.Errorf("world: unexpected argument %q (options are key=value)", world.Args[0])
	}
	if v, ok := world.Opt("steps"); ok {
		if n, err := strconv.Atoi(v); err != nil || n < 0 || n > sim.MaxSteps {
			return nil, fmt.Errorf("world: steps=%q must be a number in 0..%d", v, sim.MaxSteps)
		}
	}
	r := &Replayer{Seed: seed, Scenario: "default", start: time.Now()}
	if v, ok := world.Opt("scenario"); ok {
		r.Scenario = v
	}
	sc, err := Get(r.Scenario)
	if err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	p := sc.Params
	r.Variant, _ = world.Opt("variant")
	r.Fixture, _ = world.Opt("fixture")
	p.MLSVariant, p.Fixture = r.Variant, r.Fixture
	if v, ok := world.Opt("width-cap"); ok {
		if p.WidthCap, err = strconv.Atoi(v); err != nil || p.WidthCap < 2 {
			return nil, fmt.Errorf("world: width-cap %q must be a number >= 2", v)
		}
	}
	if v, ok := world.Opt("max-past-epochs"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > sim.MaxPastEpochWindow {
			return nil, fmt.Errorf("world: max-past-epochs=%q must be a number in 0..%d", v, sim.MaxPastEpochWindow)
		}
		p.MaxPastEpochs = engine.PastEpochsConfig(n)
	}
	if remote != nil {
		r.World, err = sim.NewRemoteWorld(p, seed, remote)
	} else {
		r.World, err = sim.NewWorld(p, seed)
	}
	if err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	return r, nil
}

// Exec runs one command (or query) and returns its output.
func (r *Replayer) Exec(c sim.Cmd) (string, error) {
	if sim.IsQuery(c.Name) {
		return r.World.Query(c)
	}
	return r.World.Do(c)
}

// Close releases the world.
func (r *Replayer) Close() { r.World.Close() }

// Divergence is the first command whose output differs from the script's.
type Divergence struct {
	Line          int
	Cmd           string
	Expected, Got string
}

func (d *Divergence) String() string {
	return fmt.Sprintf("line %d: %s\n  expected: %s\n  got:      %s", d.Line, d.Cmd, d.Expected, d.Got)
}

// Replay runs a whole script and reports the run as `simrun run` does,
// plus the first output that differs from the script's, if any.
func Replay(s *Script) (*sim.Result, *Divergence, error) {
	r, err := NewReplayer(s.Blocks[0].Cmd)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var div *Divergence
	for _, b := range s.Blocks[1:] {
		got, err := r.Exec(b.Cmd)
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", b.Line, err)
		}
		if div == nil && got != b.Expected {
			div = &Divergence{Line: b.Line, Cmd: b.Cmd.String(), Expected: b.Expected, Got: got}
		}
	}
	res := r.World.Result()
	res.Steps = countSteps(s)
	if v, ok := s.Blocks[0].Cmd.Opt("steps"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			res.Steps = n
		}
	}
	res.WallMillis = float64(time.Since(r.start)) / float64(time.Millisecond)
	return res, div, nil
}

// Complete reports whether the script runs to its final checks: a script
// cut short before its `check` proves nothing about liveness.
func (s *Script) Complete() bool {
	return len(s.Blocks) > 1 && s.Blocks[len(s.Blocks)-1].Cmd.Name == "check"
}

// RecordedHash is the trace_sha256 the script's header records (scripts
// written by run --trace-out and shrink do), or "".
func (s *Script) RecordedHash() string {
	for _, c := range s.Comments {
		if _, after, ok := strings.Cut(c, "trace_sha256 "); ok {
			return strings.Fields(after + " ")[0]
		}
	}
	return ""
}

// countSteps counts the commands before stabilize, other than queries
// (a script written by `run` says its fault-phase steps on the world line
// instead).
func countSteps(s *Script) int {
	n := 0
	for _, b := range s.Blocks[1:] {
		switch {
		case b.Cmd.Name == "stabilize" || b.Cmd.Name == "check":
			return n
		case sim.IsQuery(b.Cmd.Name):
		default:
			n++
		}
	}
	return n
}
