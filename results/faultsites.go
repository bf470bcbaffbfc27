package results

import "strings"

// Fault-site coverage: event counts say that crashes, transient store
// errors and network errors happened, not where in the engine they hit. A
// bug in one transaction's recovery hides until a fault lands on that
// transaction, so each fault that fires is also counted by the engine call
// site it hit (sim counts them), and a sweep lists the (site, fault) pairs
// it never reached. The list of sites is here, with the results it keys,
// so that a report can lay the counts over it without importing sim.

// The faults a site is counted under.
const (
	FaultCrashBefore = "crash_before" // crash at the boundary before the call
	FaultCrashAfter  = "crash_after"  // crash at the boundary after it
	FaultBusy        = "busy"         // the transaction failed to commit (ErrStoreBusy); tx sites only
	FaultNetError    = "net_error"    // the server returned a network error; Transport sites only
)

// OpTx is the operation of a store transaction site (Store.Update).
const OpTx = "tx"

// FaultSite is one engine call site a fault can hit: a store transaction
// or a Transport call, named by the engine function that makes it. The
// list is static so a sweep can name what it never reached; a test checks
// it against the engine's source so it stays true when the engine changes.
type FaultSite struct {
	ID string // "function/op": op is "tx" or a Transport method
	// Unreachable, when set, says why no run of the simulator reaches the
	// site with a fault: it is listed, counted if it ever fires, and left
	// out of the pairs a sweep must reach.
	Unreachable string
	// UnreachableFaults does the same for single faults of a reachable
	// site: fault -> why it cannot fire there.
	UnreachableFaults map[string]string
	// Rare marks reachable pairs that sweeps of the coverage test's size
	// reach too seldom to count on: fault -> why, and the scripted test
	// that forces it. They stay in FaultSitePairs (a sweep names them when
	// it misses them); the coverage test leaves them to that script.
	Rare map[string]string
}

// RareFaultSite says whether a pair is marked Rare, and why.
func RareFaultSite(key string) (string, bool) {
	site, fault, _ := strings.Cut(key, " ")
	for _, s := range FaultSites {
		if s.ID == site && s.Rare[fault] != "" {
			return s.Rare[fault], true
		}
	}
	return "", false
}

// Faults are the faults that apply to the site.
func (s FaultSite) Faults() []string {
	if strings.HasSuffix(s.ID, "/"+OpTx) {
		return []string{FaultCrashBefore, FaultCrashAfter, FaultBusy}
	}
	return []string{FaultCrashBefore, FaultCrashAfter, FaultNetError}
}

// FaultSites lists every engine call site of a store transaction or a
// Transport call, sorted by ID (sim's TestFaultSitesMatchEngineSource
// keeps it equal to the engine's source).
var FaultSites = []FaultSite{
	{ID: "BeginSync/Query"},
	{ID: "CheckInstallations/DirectoryVersion"},
	{ID: "CreateGroup/tx", Unreachable: "groups are created only in setup, before the schedule arms any fault"},
	{ID: "EnsureKeyPackages/KeyPackageCount"},
	{ID: "EnsureKeyPackages/UploadKeyPackages"}, // network error: the directory-error fault
	{ID: "EnsureKeyPackages/tx"},
	{ID: "ForgeCommit/FetchKeyPackage", Unreachable: forgeOnly},
	{ID: "ForgeCommit/Installations", Unreachable: forgeOnly},
	{ID: "ForgeCommit/Publish", Unreachable: forgeOnly},
	{ID: "ProcessWelcomes/Query"},
	{ID: "SendWelcomes/Publish"},
	{ID: "SendWelcomes/tx"},
	{ID: "SetConsent/tx"},
	{ID: "StreamStep/Next"},     // network error: a broken subscription (stream-break, or a partition)
	{ID: "Subscribe/Subscribe"}, // network error: a partitioned client subscribing
	{ID: "buildFailed/tx", Unreachable: "runs only when go-mls fails to build a commit the engine planned: no simulated fault causes that (none in 2,000 seeds)"},
	{ID: "finish/tx"},
	{ID: "installations/Installations"}, // a commit's plan and the upkeep's check read the accounts' installations
	{ID: "loadIdentity/tx", Unreachable: "runs only inside engine.Open on a new store, whose fuse was just made: nothing is armed yet"},
	{ID: "newIntent/tx"},
	{ID: "planAdds/FetchKeyPackage"}, // network error: the directory-error fault
	{ID: "processEnvelope/tx"},
	{ID: "processWelcome/tx"},
	{ID: "publishCommit/tx"},
	{ID: "publishMessage/tx"},
	{ID: "recordUpdateInstallations/tx", Rare: map[string]string{
		FaultCrashBefore: rareInstallationsCheck, FaultCrashAfter: rareInstallationsCheck, FaultBusy: rareInstallationsCheck}},
	{ID: "resendSame/Publish", Rare: map[string]string{FaultCrashBefore: "a crash armed at the boundary right before a re-send of the same bytes, after a failed publish and a sync to the head without its copy: once in 800 seeds of default and crashy (2026-12-02); sim's TestFaultSitesScriptedRare forces it"}},
	{ID: "send/Publish"},
}

// rareInstallationsCheck is why the installations check's transaction is
// Rare for every fault.
const rareInstallationsCheck = "a client records UPDATE_INSTALLATIONS only as its group's designated member, seeing a difference with no commit intent open, and the schedule seldom arms a fault at that transaction: none in 800 seeds of default and crashy (2026-12-02); sim's TestFaultSitesScriptedRare forces each fault"

// forgeOnly is why ForgeCommit's calls are left out of the pairs a sweep
// must reach.
const forgeOnly = "ForgeCommit is the simulator's Byzantine member (Config.Byzantine), run only by the permissions scenario's forge-commit, not by default or crashy; a fault there costs only the forged commit, which nothing retries"

// FaultSiteKey is the key a (site, fault) pair is counted under.
func FaultSiteKey(site, fault string) string { return site + " " + fault }

// FaultSitePairs lists the keys of every applicable (site, fault) pair a
// run can reach (neither the site nor the fault marked unreachable), in
// site order.
func FaultSitePairs() []string {
	var out []string
	for _, s := range FaultSites {
		if s.Unreachable != "" {
			continue
		}
		for _, f := range s.Faults() {
			if s.UnreachableFaults[f] == "" {
				out = append(out, FaultSiteKey(s.ID, f))
			}
		}
	}
	return out
}

// UnreachedFaultSites lists the pairs of FaultSitePairs that counts never
// reached.
func UnreachedFaultSites(counts map[string]int) []string {
	out := []string{}
	for _, k := range FaultSitePairs() {
		if counts[k] == 0 {
			out = append(out, k)
		}
	}
	return out
}
