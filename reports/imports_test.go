package reports_test

import (
	osexec "os/exec"
	"strings"
	"testing"
)

// A report is rendered from data (results, trace, checker's names), so
// re-rendering a summary.json, or a tool built on reports, needs none of
// the code that produced it: not the simulator, the engine, the store,
// the network, go-mls, the runner or the scenarios. Its tests may import
// them; the package itself may not, not even indirectly.
func TestReportsImportNothingItRenders(t *testing.T) {
	if _, err := osexec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	out, err := osexec.Command("go", "list", "-deps", "github.com/mlsim/mlsim/reports").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{"sim", "engine", "store", "memnet", "mlsadapter", "runner", "scenarios"}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "go-mls") || strings.Contains(dep, "sqlite") {
			t.Errorf("reports depends on %s", dep)
		}
		rest, ok := strings.CutPrefix(dep, "github.com/mlsim/mlsim/")
		if !ok {
			continue
		}
		for _, f := range forbidden {
			if rest == f || strings.HasPrefix(rest, f+"/") {
				t.Errorf("reports depends on %s, which produces what it renders", dep)
			}
		}
	}
}
