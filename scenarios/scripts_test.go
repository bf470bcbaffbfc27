//go:debug randseednop=0
package scenarios_test

import (
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

// TestScripts runs every script under testdata/ (conformance scripts,
// regressions): each command's output must match. `go test ./scenarios
// -run TestScripts -rewrite` regenerates the expected outputs.
func TestScripts(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		var r *scenarios.Replayer
		defer func() {
			if r != nil {
				r.Close()
			}
		}()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			c := toCmd(d)
			if c.Name == "world" {
				var err error
				if r, err = scenarios.NewReplayer(c); err != nil {
					t.Fatalf("%s: %v", d.Pos, err)
				}
				return "ok"
			}
			if r == nil {
				t.Fatalf("%s: a script starts with world", d.Pos)
			}
			out, err := r.Exec(c)
			if err != nil {
				t.Fatalf("%s: %v", d.Pos, err)
			}
			return out + "\n"
		})
	})
}

func toCmd(d *datadriven.TestData) sim.Cmd {
	c := sim.Cmd{Name: d.Cmd}
	for _, a := range d.CmdArgs {
		if len(a.Vals) == 0 {
			c.Args = append(c.Args, a.Key)
			continue
		}
		c.Opts = append(c.Opts, sim.Opt{Key: a.Key, Val: strings.Join(a.Vals, ",")})
	}
	return c
}
