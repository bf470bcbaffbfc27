package scenarios

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mlsim/mlsim/sim"
)

// ShrinkResult is a minimised failing script.
type ShrinkResult struct {
	Property      string
	Message       string
	Before, After int // commands, not counting the world line
	Runs          int // replays it took
	Script        *Script
}

// ShrinkOptions bound the work.
type ShrinkOptions struct {
	Property string // the property to keep violated; "" = the script's first violation
	MaxRuns  int    // 0: 2000
	Log      func(format string, args ...any)
}

// Shrink minimises a failing script while it still violates the same
// property: it drops installations, then groups, then steps (delta
// debugging), then simplifies arguments, and drops steps again. The result
// is replayed once more so its expected outputs are current: it is ready
// to commit as a regression script.
func Shrink(s *Script, opt ShrinkOptions) (*ShrinkResult, error) {
	if opt.MaxRuns <= 0 {
		opt.MaxRuns = 2000
	}
	if opt.Log == nil {
		opt.Log = func(string, ...any) {}
	}
	sh := &shrinker{world: s.Blocks[0].Cmd, opt: opt}
	body := bodyOf(s)
	res, _, err := Replay(s)
	if err != nil {
		return nil, err
	}
	for _, v := range res.Violations {
		if opt.Property == "" || v.Property == opt.Property {
			sh.property, sh.message = v.Property, v.Message
			break
		}
	}
	if sh.property == "" {
		return nil, errors.New("the script violates no property (or not the one asked for): nothing to shrink")
	}
	before := len(body)
	body = sh.dropBy(body, installationsOf(body), "installation")
	body = sh.dropBy(body, groupsOf(body), "group")
	body = sh.ddmin(body)
	if simpler := sh.simplify(body); len(simpler) > 0 {
		body = sh.ddmin(simpler)
	}
	out, err := sh.finish(body)
	if err != nil {
		return nil, err
	}
	// The original's recorded hash is not the shrunk script's: keep its
	// other comments, and the hash finish recorded.
	out.Comments = append([]string{
		fmt.Sprintf("Shrunk from %d to %d commands (%d replays); violates %s: %s", before, len(body), sh.runs, sh.property,
			strings.SplitN(sh.message, "\n", 2)[0]),
	}, out.Comments...)
	for _, c := range s.Comments {
		if !strings.Contains(c, "trace_sha256 ") {
			out.Comments = append(out.Comments, c)
		}
	}
	return &ShrinkResult{Property: sh.property, Message: sh.message, Before: before, After: len(body), Runs: sh.runs, Script: out}, nil
}

type shrinker struct {
	world             sim.Cmd
	opt               ShrinkOptions
	property, message string
	runs              int
}

// bodyOf is the script's steps without the world line, queries and the
// final stabilize/check (which every candidate gets back).
func bodyOf(s *Script) []sim.Cmd {
	var out []sim.Cmd
	for _, c := range s.Commands() {
		if sim.IsQuery(c.Name) || c.Name == "stabilize" || c.Name == "check" {
			continue
		}
		out = append(out, c)
	}
	return out
}

// violates replays a candidate (with stabilize and check) and reports
// whether it still breaks the property.
func (sh *shrinker) violates(body []sim.Cmd) bool {
	if sh.runs >= sh.opt.MaxRuns {
		return false
	}
	sh.runs++
	r, err := NewReplayer(sh.world)
	if err != nil {
		return false
	}
	defer r.Close()
	for _, c := range append(append([]sim.Cmd(nil), body...), sim.NewCmd("stabilize"), sim.NewCmd("check")) {
		if _, err := r.Exec(c); err != nil {
			return false
		}
	}
	for _, v := range r.World.Result().Violations {
		if v.Property == sh.property {
			return true
		}
	}
	return false
}

// ddmin is delta debugging: remove chunks of decreasing size while the
// property stays violated.
func (sh *shrinker) ddmin(body []sim.Cmd) []sim.Cmd {
	n := 2
	for len(body) >= 2 && sh.runs < sh.opt.MaxRuns {
		chunk := (len(body) + n - 1) / n
		removed := false
		for start := 0; start < len(body); start += chunk {
			end := min(start+chunk, len(body))
			cand := append(append([]sim.Cmd(nil), body[:start]...), body[end:]...)
			if sh.violates(cand) {
				sh.opt.Log("dropped steps %d..%d: %d left", start, end-1, len(cand))
				body, removed = cand, true
				n = max(n-1, 2)
				break
			}
		}
		if !removed {
			if n >= len(body) {
				break
			}
			n = min(2*n, len(body))
		}
	}
	return body
}

// dropBy tries removing every command that mentions each name.
func (sh *shrinker) dropBy(body []sim.Cmd, names []string, what string) []sim.Cmd {
	for _, name := range names {
		var cand []sim.Cmd
		for _, c := range body {
			if !mentions(c, name) {
				cand = append(cand, c)
			}
		}
		if len(cand) < len(body) && sh.violates(cand) {
			sh.opt.Log("dropped %s %s: %d left", what, name, len(cand))
			body = cand
		}
	}
	return body
}

func mentions(c sim.Cmd, name string) bool {
	for _, a := range c.Args {
		if a == name {
			return true
		}
	}
	for _, o := range c.Opts {
		if o.Key == name || o.Val == name {
			return true
		}
	}
	return false
}

func installationsOf(body []sim.Cmd) []string {
	var out []string
	for _, c := range body {
		if c.Name == "installation" {
			out = append(out, c.Arg(0))
		}
	}
	return out
}

func groupsOf(body []sim.Cmd) []string {
	var out []string
	for _, c := range body {
		if c.Name == "create-group" {
			out = append(out, c.Arg(1))
		}
	}
	return out
}

// simplify tries a simpler form of each command: fewer racers, fewer
// accounts, one-envelope pages, shorter garbage. It returns nil if nothing
// could be simplified.
func (sh *shrinker) simplify(body []sim.Cmd) []sim.Cmd {
	changed := false
	for i := range body {
		for _, simpler := range simplerForms(body[i]) {
			cand := append([]sim.Cmd(nil), body...)
			cand[i] = simpler
			if sh.violates(cand) {
				sh.opt.Log("simplified %q to %q", body[i], simpler)
				body, changed = cand, true
				break
			}
		}
	}
	if !changed {
		return nil
	}
	return body
}

func simplerForms(c sim.Cmd) []sim.Cmd {
	var out []sim.Cmd
	switch c.Name {
	case "race":
		for i := range c.Opts {
			if len(c.Opts) > 2 {
				d := c
				d.Opts = append(append([]sim.Opt(nil), c.Opts[:i]...), c.Opts[i+1:]...)
				out = append(out, d)
			}
		}
	case "add", "remove":
		for i := 3; i < len(c.Args); i++ {
			d := c
			d.Args = append(append([]string(nil), c.Args[:i]...), c.Args[i+1:]...)
			out = append(out, d)
		}
	case "sync-begin":
		if v, _ := c.Opt("limit"); v != "1" {
			out = append(out, sim.NewCmd(c.Name, c.Args...).With("limit", 1))
		}
	case "garbage":
		if v, ok := c.Opt("random"); ok && len(v) > 2 {
			out = append(out, sim.NewCmd(c.Name, c.Args...).With("random", v[:2]))
		}
	}
	return out
}

// finish replays the shrunk body to record its outputs.
func (sh *shrinker) finish(body []sim.Cmd) (*Script, error) {
	r, err := NewReplayer(sh.world)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	s := &Script{Blocks: []Block{{Cmd: withoutSteps(sh.world), Expected: "ok"}}}
	for _, c := range append(append([]sim.Cmd(nil), body...), sim.NewCmd("stabilize"), sim.NewCmd("check")) {
		out, err := r.Exec(c)
		if err != nil {
			return nil, err
		}
		s.Blocks = append(s.Blocks, Block{Cmd: c, Expected: out})
	}
	s.Comments = []string{"trace_sha256 " + r.World.TraceSHA256()}
	return s, nil
}

// withoutSteps drops the world line's steps= (a shrunk script has its own
// length).
func withoutSteps(world sim.Cmd) sim.Cmd {
	out := sim.NewCmd(world.Name, world.Args...)
	for _, o := range world.Opts {
		if o.Key != "steps" {
			out = out.With(o.Key, o.Val)
		}
	}
	return out
}
