package conform

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

// Script outcomes.
const (
	Passed      = "passed"      // every output as the script expects
	Failed      = "failed"      // an output differs (the first one is named)
	Unsupported = "unsupported" // a command the client or the protocol cannot play
	Broken      = "error"       // the kit could not run it (the client would not start, …)
)

// ScriptResult is one script run against the client under test.
type ScriptResult = results.ScriptOutcome

// RunScript runs one script against a fresh client process: its
// installations live in the client, everything else — the network, its
// faults, the schedule's commands, the checker — is the simulator's. It
// runs every command even after a difference, so the checker's verdict
// covers the whole script; the first difference is reported.
func RunScript(c Client, sf scenarios.ScriptFile, workDir string) (res ScriptResult) {
	start := time.Now()
	res = ScriptResult{Name: sf.Name}
	defer func() { res.Millis = float64(time.Since(start)) / float64(time.Millisecond) }()
	script, err := scenarios.ParseScript(bytes.NewReader(sf.Text))
	if err != nil || len(script.Blocks) == 0 {
		res.Status, res.Why = Broken, fmt.Sprintf("script: %v", err)
		return res
	}
	dir := filepath.Join(workDir, strings.ReplaceAll(sf.Name, "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		res.Status, res.Why = Broken, err.Error()
		return res
	}
	proc, err := c.start(dir)
	if err != nil {
		res.Status, res.Why = Broken, err.Error()
		return res
	}
	defer proc.stop()
	remote := &remoteWorld{proc: proc, dir: dir}
	if v, ok := script.Blocks[0].Cmd.Opt("seed"); ok {
		remote.seed, _ = strconv.ParseUint(v, 10, 64) // the replayer refuses a bad one
	}
	defer remote.close()
	rep, err := scenarios.NewRemoteReplayer(script.Blocks[0].Cmd, remote)
	if err != nil {
		res.Status, res.Why = Unsupported, err.Error()
		if !errors.Is(err, sim.ErrUnsupported) {
			res.Status = Broken
		}
		return res
	}
	defer rep.Close()
	res.Status = Passed
	for _, b := range script.Blocks[1:] {
		out, err := rep.Exec(b.Cmd)
		res.Commands++
		if err != nil {
			res.Status, res.Why = Broken, fmt.Sprintf("line %d: %s: %v", b.Line, b.Cmd, err)
			if errors.Is(err, sim.ErrUnsupported) {
				res.Status = Unsupported
			}
			break
		}
		if want, got := Normalize(b.Expected), Normalize(out); want != got && res.Status == Passed {
			res.Status, res.Line, res.Command, res.Expected, res.Got = Failed, b.Line, b.Cmd.String(), want, got
		}
	}
	res.Properties, res.Violations = verdict(rep.World.Result())
	if why, gone := proc.unjudgeable(); gone {
		// What followed its death is the kit talking to no one: not a
		// verdict on the client's behaviour.
		res.Status, res.Why = Broken, why
	}
	return res
}

// verdict is the checker's: the properties violated and a line each.
func verdict(r *sim.Result) ([]string, []string) {
	props := map[string]bool{}
	var lines []string
	for _, v := range r.Violations {
		props[v.Property] = true
		lines = append(lines, fmt.Sprintf("%s step %d: %s", v.Property, v.Step, strings.SplitN(v.Message, "\n", 2)[0]))
	}
	var out []string
	for p := range props {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, lines
}

// commitID is a membership message's id, derived from its commit's hash:
// the bytes of a commit differ between two clients (their randomness),
// so the kit compares everything but that hash.
var commitID = regexp.MustCompile(`commit:[0-9a-f]+`)

// settled is stabilize's output when the world converged: how many rounds
// it took, and the bound (which counts open intents), are the client's
// own pace, not a promise.
var settled = regexp.MustCompile(`^settled in [0-9]+ rounds \(bound [0-9]+\)$`)

// Normalize is an output as the kit compares it: each line without the
// client's own diagnostics (after " | ": our engine's events, which no
// protocol promises), with commit hashes masked, and a converged
// stabilize as "settled".
func Normalize(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i, l := range lines {
		if j := strings.Index(l, " | "); j >= 0 {
			l = l[:j]
		}
		l = commitID.ReplaceAllString(strings.TrimRight(l, " "), "commit:#")
		lines[i] = settled.ReplaceAllString(l, "settled")
	}
	return strings.Join(lines, "\n")
}
