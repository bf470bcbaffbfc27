package results

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Params are the flags that make a seed's run what it is: two runs of one
// seed with the same Params are the same run. A sweep records them (in
// summary.json and sweep.json) so that merge can refuse shards of
// different worlds, resume can go on with the same world, and every
// command printed for a seed can name each flag separately — the combined
// scenario name ("crashy+rehash-on-restore") is a label, not a flag value.
type Params struct {
	Scenario string `json:"scenario"` // the scenario's own name, without +suffixes
	Steps    int    `json:"steps"`    // fault-phase steps per seed, resolved (never 0 for "the scenario's")
	Scale    int    `json:"scale"`
	Variant  string `json:"variant"`
	Fixture  string `json:"fixture"`
	// MaxPastEpochs is --max-past-epochs, the engine's and the checker's
	// past-epoch window (SPEC §5's max_past_epochs); nil when not given
	// (the scenario's own, 3 in every scenario). A pointer, so that 0 is
	// a window and not "not given", and so that a record written before
	// the flag existed reads as not given.
	MaxPastEpochs *int `json:"max_past_epochs,omitempty"`
}

// PastEpochs is MaxPastEpochs for a sentence: its number, or "the
// scenario's".
func (p Params) PastEpochs() string {
	if p.MaxPastEpochs == nil {
		return "the scenario's"
	}
	return strconv.Itoa(*p.MaxPastEpochs)
}

// Name is the scenario label runs and sweeps report: the scenario, then
// +variant, +xN for a scale, +max-past-epochs=N, +fixture (the order
// simrun has always used, the window where it was added).
func (p Params) Name() string {
	name := p.Scenario
	if p.Variant != "" {
		name += "+" + p.Variant
	}
	if p.Scale > 1 {
		name += fmt.Sprintf("+x%d", p.Scale)
	}
	if p.MaxPastEpochs != nil {
		name += fmt.Sprintf("+max-past-epochs=%d", *p.MaxPastEpochs)
	}
	if p.Fixture != "" {
		name += "+" + p.Fixture
	}
	return name
}

// RunArgs are the arguments of `simrun run` that reproduce one seed.
// --steps is always given, so the command still means the same run if a
// scenario's default changes.
func (p Params) RunArgs(seed uint64) []string {
	args := []string{"run", "--scenario", p.Scenario}
	if p.Variant != "" {
		args = append(args, "--mls-variant", p.Variant)
	}
	if p.Fixture != "" {
		args = append(args, "--fixture", p.Fixture)
	}
	if p.Scale > 1 {
		args = append(args, "--scale", strconv.Itoa(p.Scale))
	}
	if p.MaxPastEpochs != nil {
		args = append(args, "--max-past-epochs", strconv.Itoa(*p.MaxPastEpochs))
	}
	return append(args, "--steps", strconv.Itoa(p.Steps), "--seed", strconv.FormatUint(seed, 10))
}

// RunCommand is RunArgs as the command line printed for a user.
func (p Params) RunCommand(seed uint64) string {
	return CommandLine(p.RunArgs(seed)...)
}

// CommandLine prints simrun's arguments as a shell command, quoting any
// argument a POSIX shell would split or expand.
func CommandLine(args ...string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	return "simrun " + strings.Join(quoted, " ")
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Differs names the first field in which two worlds differ, with both
// values, or returns "" when they are the same.
func (p Params) Differs(q Params) string {
	switch {
	case p.Scenario != q.Scenario:
		return fmt.Sprintf("scenario (%s vs %s)", p.Scenario, q.Scenario)
	case p.Steps != q.Steps:
		return fmt.Sprintf("steps per seed (%d vs %d)", p.Steps, q.Steps)
	case p.Scale != q.Scale:
		return fmt.Sprintf("scale (%d vs %d)", p.Scale, q.Scale)
	case p.Variant != q.Variant:
		return fmt.Sprintf("MLS variant (%q vs %q)", p.Variant, q.Variant)
	case p.Fixture != q.Fixture:
		return fmt.Sprintf("fixture (%q vs %q)", p.Fixture, q.Fixture)
	case p.PastEpochs() != q.PastEpochs():
		return fmt.Sprintf("max past epochs (%s vs %s)", p.PastEpochs(), q.PastEpochs())
	}
	return ""
}

var (
	scaleSuffix      = regexp.MustCompile(`^x([0-9]+)$`)
	pastEpochsSuffix = regexp.MustCompile(`^max-past-epochs=([0-9]+)$`)
)

// labelVariants are the MLS variants a scenario label may name in a
// summary that does not record its Params. Such summaries were written
// before sweeps (0b78d5c) and run reports (ece2a9a) recorded them, when
// these three were every variant there was; a summary naming a later
// variant records its Params. (The live list is mlsadapter.VariantNames:
// results does not import the adapter.)
var labelVariants = []string{"path-on-add", "deep-copy-commit", "rehash-on-restore"}

// ParamsFromName recovers the Params of a summary written before
// summaries recorded them, from its scenario label and its runs' steps,
// so that commands printed for old reports are runnable too.
func ParamsFromName(name string, steps int) Params {
	parts := strings.Split(name, "+")
	p := Params{Scenario: parts[0], Steps: steps, Scale: 1}
	for _, part := range parts[1:] {
		switch m, past := scaleSuffix.FindStringSubmatch(part), pastEpochsSuffix.FindStringSubmatch(part); {
		case m != nil:
			p.Scale, _ = strconv.Atoi(m[1])
		case past != nil:
			n, _ := strconv.Atoi(past[1])
			p.MaxPastEpochs = &n
		case slices.Contains(labelVariants, part):
			p.Variant = part
		default:
			p.Fixture = part
		}
	}
	return p
}

// World is the world the sweep's seeds ran in: its recorded Params, or
// for a summary written before they were recorded, those read back from
// its scenario label and its runs' steps.
func (s *SweepSummary) World() Params {
	if s.Params != nil {
		return *s.Params
	}
	steps := 0
	if len(s.Runs) > 0 {
		steps = s.Runs[0].Steps
	}
	return ParamsFromName(s.Scenario, steps)
}
