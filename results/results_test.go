package results

import (
	osexec "os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
)

func TestFold(t *testing.T) {
	runs := []RunSummary{
		{Seed: 1, Steps: 10, Determinism: DeterminismChecked, Events: map[string]int{"a": 1}},
		{Seed: 2, Steps: 20, Determinism: DeterminismSkipped, Events: map[string]int{"a": 2, "b": 1},
			Violations: []Violation{{Violation: checker.Violation{Property: "L1"}}}},
		{Seed: 3, Steps: 5, Determinism: DeterminismMismatch},
	}
	s := Fold("x", runs)
	require.Equal(t, 3, s.Seeds)
	require.Equal(t, 1, s.Passed)
	require.Equal(t, 2, s.Failed)
	require.Equal(t, []uint64{2, 3}, s.FailingSeeds)
	require.Equal(t, 2, s.DeterminismChecked)
	require.Equal(t, map[string]int{"a": 3, "b": 1}, s.Events)
	require.Equal(t, 35, s.Steps)
	require.Equal(t, map[string]int{}, s.FaultSites)
	require.Equal(t, FaultSitePairs(), s.FaultSitesUnreached, "nothing fired: every pair is unreached")
}

// Fault-site counts are summed, and the unreached pairs are the reachable
// ones no run counted.
func TestFoldFaultSites(t *testing.T) {
	pairs := FaultSitePairs()
	first := map[string]int{}
	for _, k := range pairs[2:] {
		first[k] = 1
	}
	runs := []RunSummary{
		{Seed: 1, FaultSites: first},
		{Seed: 2, FaultSites: map[string]int{pairs[2]: 4, "loadIdentity/tx busy": 1}},
		{Seed: 3},
	}
	s := Fold("x", runs)
	require.Equal(t, 5, s.FaultSites[pairs[2]])
	require.Equal(t, 1, s.FaultSites[pairs[3]])
	require.Equal(t, 1, s.FaultSites["loadIdentity/tx busy"], "a site marked unreachable is still counted")
	require.Equal(t, []string{pairs[0], pairs[1]}, s.FaultSitesUnreached)
}

func TestUnreachedFaultSites(t *testing.T) {
	all := FaultSitePairs()
	require.Contains(t, all, "processEnvelope/tx busy")
	require.Contains(t, all, "send/Publish net_error")
	require.NotContains(t, all, "send/Publish busy", "busy applies to transactions only")
	require.NotContains(t, all, "processEnvelope/tx net_error", "network errors apply to Transport calls only")
	require.NotContains(t, all, "loadIdentity/tx crash_before", "unreachable sites are not required")
	require.Contains(t, all, "planAdds/FetchKeyPackage net_error", "the directory-error fault reaches it")
	require.Contains(t, all, "planAdds/FetchKeyPackage crash_before")
	require.Equal(t, all, UnreachedFaultSites(nil))
	counts := map[string]int{}
	for _, k := range all[1:] {
		counts[k] = 1
	}
	counts["loadIdentity/tx busy"] = 3 // an unreachable site that fired is counted, not required
	require.Equal(t, []string{all[0]}, UnreachedFaultSites(counts))
	counts[all[0]] = 2
	require.Empty(t, UnreachedFaultSites(counts))
}

// results is data: reading or rendering it (reports, a tool reading
// summary.json) must not pull in the code that produced it. It imports
// the standard library, trace and checker (which imports only wire).
func TestResultsImportOnlyData(t *testing.T) {
	if _, err := osexec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	out, err := osexec.Command("go", "list", "-deps", "github.com/mlsim/mlsim/results").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string]bool{"results": true, "trace": true, "checker": true, "wire": true}
	for _, dep := range strings.Fields(string(out)) {
		if rest, ok := strings.CutPrefix(dep, "github.com/mlsim/mlsim/"); ok && !allowed[rest] {
			t.Errorf("results depends on %s", dep)
		} else if !ok && strings.Contains(strings.Split(dep, "/")[0], ".") {
			t.Errorf("results depends on %s, outside the standard library", dep)
		}
	}
}
