package sim

import (
	"maps"
	"runtime"
	"strings"

	"github.com/mlsim/mlsim/results"
)

// Fault-site coverage: each fault that fires is counted by the engine call
// site it hit, found on the stack (callSite), under results.FaultSiteKey;
// the static list of sites, and which pairs a sweep must reach, is
// results.FaultSites.

// faultCounts counts the faults that fired by results.FaultSiteKey. A
// world owns one and every fuse its clients have had points to it, so the
// counts outlive restarts; they are kept apart from the events and the trace, so
// counting them changes no trace hash.
type faultCounts map[string]int

func (m *faultCounts) add(site, fault string) {
	if *m == nil {
		*m = faultCounts{}
	}
	(*m)[results.FaultSiteKey(site, fault)]++
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
