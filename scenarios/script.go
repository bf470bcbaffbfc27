package scenarios

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/sim"
)

// A script is a run written down in the datadriven style
// (github.com/cockroachdb/datadriven): blocks of a command line, "----",
// and the expected output, separated by blank lines; '#' starts a comment.
// The first command is `world seed=N [scenario=S] [variant=V]
// [fixture=F] [width-cap=N] [max-past-epochs=N] [steps=N]` (worldOptions); the rest are
// simulator commands (sim.Commands) and queries (sim.IsQuery: `state`,
// `intents`, `messages`, `topic`, `welcome-topic`).
//
//	world seed=7 scenario=default
//	----
//	ok
//
//	send alice/1 g0 hello
//	----
//	intent=2 ok

// maxScriptLine caps a script line (the longest real one, a garbage
// command's hex payload, is a few KB).
const maxScriptLine = 16 << 20

// Script is a parsed script.
type Script struct {
	Comments []string // leading comment lines, without '#'
	Blocks   []Block
}

// Block is one command with its expected output.
type Block struct {
	Line     int // 1-based line of the command in the file
	Cmd      sim.Cmd
	Expected string
}

// ParseScript reads a script.
func ParseScript(r io.Reader) (*Script, error) {
	s := &Script{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), maxScriptLine)
	n := 0
	var cur *Block
	inOutput := false
	var out []string
	flush := func() {
		if cur != nil {
			cur.Expected = strings.Join(out, "\n")
			s.Blocks = append(s.Blocks, *cur)
		}
		cur, inOutput, out = nil, false, nil
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case inOutput && trimmed == "":
			flush()
		case inOutput:
			out = append(out, line)
		case trimmed == "":
		case strings.HasPrefix(trimmed, "#"):
			if len(s.Blocks) == 0 && cur == nil {
				s.Comments = append(s.Comments, strings.TrimSpace(strings.TrimPrefix(trimmed, "#")))
			}
		case trimmed == "----":
			if cur == nil {
				return nil, fmt.Errorf("line %d: ---- without a command", n)
			}
			inOutput = true
		case cur != nil:
			return nil, fmt.Errorf("line %d: %q: a command needs ---- and its output before the next one", n, trimmed)
		default:
			c, err := sim.ParseCmd(trimmed)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			cur = &Block{Line: n, Cmd: c}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than %d MiB, the longest line a script may have", n+1, maxScriptLine>>20)
		}
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	if cur != nil && !inOutput {
		return nil, fmt.Errorf("line %d: the last command has no ---- and output", cur.Line)
	}
	flush()
	if len(s.Blocks) == 0 || s.Blocks[0].Cmd.Name != "world" {
		return nil, fmt.Errorf("a script starts with `world seed=N ...`")
	}
	return s, nil
}

// Write writes the script in its canonical form.
func (s *Script) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, c := range s.Comments {
		fmt.Fprintf(bw, "# %s\n", c)
	}
	if len(s.Comments) > 0 {
		fmt.Fprintln(bw)
	}
	for i, b := range s.Blocks {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		fmt.Fprintf(bw, "%s\n----\n%s\n", b.Cmd, b.Expected)
	}
	return bw.Flush()
}

// Commands returns the script's commands after the world line.
func (s *Script) Commands() []sim.Cmd {
	out := make([]sim.Cmd, 0, len(s.Blocks))
	for _, b := range s.Blocks[1:] {
		out = append(out, b.Cmd)
	}
	return out
}

// FromRun writes a run as a script: the world line, then every command
// with the output it produced.
func FromRun(scenario string, seed uint64, p sim.Params, steps []sim.ScriptStep) *Script {
	world := sim.NewCmd("world").With("seed", seed).With("scenario", scenario)
	if p.MLSVariant != "" {
		world = world.With("variant", p.MLSVariant)
	}
	if p.Fixture != "" {
		world = world.With("fixture", p.Fixture)
	}
	if p.MaxPastEpochs != 0 {
		// Not the default: the replay must judge by the same window.
		world = world.With("max-past-epochs", engine.PastEpochWindow(p.MaxPastEpochs))
	}
	world = world.With("steps", p.Steps)
	s := &Script{Blocks: []Block{{Cmd: world, Expected: "ok"}}}
	for _, st := range steps {
		s.Blocks = append(s.Blocks, Block{Cmd: st.Cmd, Expected: st.Output})
	}
	return s
}
