package checker_test

import (
	osexec "os/exec"
	"strings"
	"testing"
)

// The checker judges the engine, the store, the server and the simulator,
// so it must not run their code: a bug it shared with them would agree
// with itself. Its tests may import them (to build worlds); the package
// itself may not, not even indirectly.
func TestCheckerImportsNothingItJudges(t *testing.T) {
	if _, err := osexec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	out, err := osexec.Command("go", "list", "-deps", "github.com/mlsim/mlsim/checker").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	judged := []string{"engine", "memnet", "sim", "store", "mlsadapter"}
	for _, dep := range strings.Fields(string(out)) {
		rest, ok := strings.CutPrefix(dep, "github.com/mlsim/mlsim/")
		if !ok {
			continue
		}
		for _, j := range judged {
			if rest == j || strings.HasPrefix(rest, j+"/") {
				t.Errorf("checker depends on %s, which it judges", dep)
			}
		}
	}
}
