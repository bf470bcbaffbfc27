package sim

import (
	"maps"
	"runtime"
	"strings"
)

// Fault-site coverage: event counts say that crashes, transient store
// errors and network errors happened, not where in the engine they hit. A
// bug in one transaction's recovery hides until a fault lands on that
// transaction, so each fault that fires is also counted by the engine call
// site it hit, and a sweep lists the (site, fault) pairs it never reached.

// The faults a site is counted under.
const (
	FaultCrashBefore = "crash_before" // crash at the boundary before the call
	FaultCrashAfter  = "crash_after"  // crash at the boundary after it
	FaultBusy        = "busy"         // the transaction failed to commit (ErrStoreBusy); tx sites only
	FaultNetError    = "net_error"    // the server returned a network error; Transport sites only
)

// opTx is the operation of a store transaction site (Store.Update).
const opTx = "tx"

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
}

// Faults are the faults that apply to the site.
func (s FaultSite) Faults() []string {
	if strings.HasSuffix(s.ID, "/"+opTx) {
		return []string{FaultCrashBefore, FaultCrashAfter, FaultBusy}
	}
	return []string{FaultCrashBefore, FaultCrashAfter, FaultNetError}
}

// FaultSites lists every engine call site of a store transaction or a
// Transport call, sorted by ID (TestFaultSitesMatchEngineSource keeps it
// equal to the engine's source).
var FaultSites = []FaultSite{
	{ID: "BeginSync/Query"},
	{ID: "CreateGroup/tx", Unreachable: "groups are created only in setup, before the schedule arms any fault"},
	{ID: "EnsureKeyPackages/KeyPackageCount"},
	{ID: "EnsureKeyPackages/UploadKeyPackages"}, // network error: the directory-error fault
	{ID: "EnsureKeyPackages/tx"},
	{ID: "ProcessWelcomes/Query"},
	{ID: "SendWelcomes/Publish"},
	{ID: "SendWelcomes/tx"},
	{ID: "SetConsent/tx"},
	{ID: "buildFailed/tx", Unreachable: "runs only when go-mls fails to build a commit the engine planned: no simulated fault causes that (none in 2,000 seeds)"},
	{ID: "finish/tx"},
	{ID: "loadIdentity/tx", Unreachable: "runs only inside engine.Open on a new store, whose fuse was just made: nothing is armed yet"},
	{ID: "newIntent/tx"},
	{ID: "planCommit/FetchKeyPackage"}, // network error: the directory-error fault
	{ID: "planCommit/Installations"},
	{ID: "processEnvelope/tx"},
	{ID: "processWelcome/tx"},
	{ID: "publishCommit/tx"},
	{ID: "publishMessage/tx"},
	{ID: "resendSame/Publish"},
	{ID: "send/Publish"},
}

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

// faultCounts counts the faults that fired by FaultSiteKey. A world owns
// one and every fuse its clients have had points to it, so the counts
// outlive restarts; they are kept apart from the events and the trace, so
// counting them changes no trace hash.
type faultCounts map[string]int

func (m *faultCounts) add(site, fault string) {
	if *m == nil {
		*m = faultCounts{}
	}
	(*m)[FaultSiteKey(site, fault)]++
}

// clone is a copy for a result (never nil, so JSON shows {}).
func (m faultCounts) clone() map[string]int {
	out := make(map[string]int, len(m))
	maps.Copy(out, m)
	return out
}

const enginePkg = "github.com/mlsim/mlsim/engine."

// callSite names the engine call site on the stack: the innermost frame in
// package engine other than the transaction helper (*Client).update, with
// closure suffixes and the receiver stripped, and the operation appended
// ("processEnvelope/tx"). It walks the stack, so it is called only when a
// fault fires. "unknown/op" means no engine frame made the call.
func callSite(op string) string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		fr, more := frames.Next()
		if name, ok := strings.CutPrefix(fr.Function, enginePkg); ok {
			if fn := siteFunction(name); fn != "" {
				return fn + "/" + op
			}
		}
		if !more {
			return "unknown/" + op
		}
	}
}

// siteFunction turns an engine frame's function name ("(*Client).send",
// "(*Client).processEnvelope.func1", "planX.func2.1") into a site's
// function ("send", "processEnvelope", "planX"); "" for the transaction
// helper, which is never the site.
func siteFunction(name string) string {
	parts := strings.Split(name, ".")
	for len(parts) > 1 && isClosureSuffix(parts[len(parts)-1]) {
		parts = parts[:len(parts)-1]
	}
	if strings.Join(parts, ".") == "(*Client).update" {
		return ""
	}
	return parts[len(parts)-1]
}

// isClosureSuffix matches what the compiler appends to a function literal's
// name: "func1", "1" (nested), "gowrap1", "deferwrap1".
func isClosureSuffix(s string) bool {
	for _, p := range []string{"func", "gowrap", "deferwrap", ""} {
		if rest, ok := strings.CutPrefix(s, p); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			return true
		}
	}
	return false
}
