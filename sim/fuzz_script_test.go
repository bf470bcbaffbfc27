package sim_test

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

// writeFuzzScript writes a failing fuzz input's run as a script — the
// world line, every command with its output, the trace hash — and returns
// its path. Its name is the one `go test -fuzz` gives the input's crasher
// file, so a crasher in testdata/fuzz/TARGET/NAME has its script in
// testdata/fuzz/TARGET.scripts/NAME.script.txt (a sibling: go test reads
// every file of the corpus directory as an input). A fuzzing worker
// writes under the temporary directory instead: minimising a crasher runs
// hundreds of failing inputs, and the one that remains is re-run by
// `go test -run TARGET/NAME`, which writes it next to the crasher.
// MLSIM_FUZZ_SCRIPTS overrides the directory.
//
// The world line's steps= is the input's steps: the commands after the
// set-up world's setupLen, before stabilize.
func writeFuzzScript(target, scenario string, seed uint64, p sim.Params, setupLen int, data []byte, w *sim.World) (string, error) {
	dir := filepath.Join("testdata", "fuzz", target+".scripts")
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		dir = filepath.Join(os.TempDir(), "mlsim-"+target)
	}
	if d := os.Getenv("MLSIM_FUZZ_SCRIPTS"); d != "" {
		dir = d
	}
	name := crasherName(data)
	path := filepath.Join(dir, name+".script.txt")
	res := w.Result()
	p.Steps = 0
	for _, st := range res.Script[min(setupLen, len(res.Script)):] {
		if st.Cmd.Name != "stabilize" && st.Cmd.Name != "check" {
			p.Steps++
		}
	}
	s := scenarios.FromRun(scenario, seed, p, res.Script)
	s.Comments = []string{
		fmt.Sprintf("%s input %s (%d bytes): %x", target, name, len(data), data),
		"trace_sha256 " + res.TraceSHA256,
	}
	if p.MLSVariant != "" {
		s.Comments = append(s.Comments, "MLSIM_FUZZ_VARIANT="+p.MLSVariant)
	}
	var buf bytes.Buffer
	if err := s.Write(&buf); err != nil {
		return path, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return path, err
	}
	return path, os.WriteFile(path, buf.Bytes(), 0o644)
}

// crasherName is the file name `go test -fuzz` gives a failing []byte
// input: the first 16 hex digits of the SHA-256 of its corpus file.
func crasherName(data []byte) string {
	file := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
	return fmt.Sprintf("%x", sha256.Sum256([]byte(file)))[:16]
}

func describe(vs []checker.Violation) string {
	var lines []string
	for _, v := range vs {
		lines = append(lines, v.String())
	}
	return strings.Join(lines, "\n")
}

func cmdStrings(cmds []sim.Cmd) []string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = c.String()
	}
	return out
}

// tuneFuzzWorker lets the collector run less often in a fuzzing worker
// (unless GOGC is set): its heap is one small world and its copy, so
// GOGC=400 costs little memory and an input much less CPU
// (docs/PERFORMANCE.md).
func tuneFuzzWorker() {
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
