package sim_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/sim"
)

// transportMethods are the engine.Transport methods: a call of one through
// c.cfg.Transport is a fault site.
var transportMethods = map[string]bool{"Publish": true, "Query": true, "UploadKeyPackages": true,
	"KeyPackageCount": true, "Installations": true, "FetchKeyPackage": true, "Subscribe": true, "DirectoryVersion": true}

// engineFaultSites reads the engine's source (non-test files) and returns
// every fault site in it: a store transaction (`….Store.Update(` outside
// the helper (*Client).update, or `c.update(`) or a Transport call
// (`c.cfg.Transport.M(`), named by the function declaring it, as
// results.FaultSites names them.
func engineFaultSites(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../engine/*.go")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	fset := token.NewFileSet()
	set := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			helper := fn.Name.Name == "update" && fn.Recv != nil
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				recv := exprString(sel.X)
				switch {
				case sel.Sel.Name == "Update" && strings.HasSuffix(recv, ".Store") && !helper,
					sel.Sel.Name == "update" && !strings.Contains(recv, "."):
					set[fn.Name.Name+"/tx"] = true
				case transportMethods[sel.Sel.Name] && strings.HasSuffix(recv, ".cfg.Transport"),
					// a delivery taken from an engine.Stream, which the
					// engine names stream wherever it holds one
					sel.Sel.Name == "Next" && (recv == "stream" || strings.HasSuffix(recv, ".stream")):
					set[fn.Name.Name+"/"+sel.Sel.Name] = true
				}
				return true
			})
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// exprString renders a selector chain ("c.cfg.Store"); anything else is
// rendered as "?".
func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	}
	return "?"
}

// The static list of fault sites is the set of call sites in the engine's
// source, sorted: when the engine gains, loses or moves a transaction or a
// network call, this fails until the list (and its reachability notes)
// follows.
func TestFaultSitesMatchEngineSource(t *testing.T) {
	var ids []string
	for _, s := range results.FaultSites {
		ids = append(ids, s.ID)
	}
	require.True(t, slices.IsSorted(ids), "results.FaultSites must be sorted by ID")
	require.Equal(t, engineFaultSites(t), ids, "results.FaultSites differs from the engine's call sites")
	for _, s := range results.FaultSites {
		for _, f := range s.Faults() {
			require.Contains(t, []string{results.FaultCrashBefore, results.FaultCrashAfter, results.FaultBusy, results.FaultNetError}, f)
		}
		for f, why := range s.UnreachableFaults {
			require.Contains(t, s.Faults(), f, "%s: %s does not apply to the site", s.ID, f)
			require.NotEmpty(t, why, "%s %s: say why it is unreachable", s.ID, f)
		}
	}
}

// Faults forced at known engine calls are counted at those sites, and
// nowhere else.
func TestFaultSitesScripted(t *testing.T) {
	w, err := sim.NewWorld(scenario(t, "default").Params, 1)
	require.NoError(t, err)
	defer w.Close()
	for _, c := range []sim.Cmd{
		sim.NewCmd("installation", "alice/1"),
		sim.NewCmd("installation", "bob/1"),
		sim.NewCmd("create-group", "alice/1", "g0"),
		sim.NewCmd("store-busy", "alice/1"),
		sim.NewCmd("add", "alice/1", "g0", "bob"), // newIntent/tx busy
		sim.NewCmd("add", "alice/1", "g0", "bob"),
		sim.NewCmd("fault", "publish-lost", "alice/1"),
		sim.NewCmd("publish", "alice/1", "g0"), // send/Publish net_error
		sim.NewCmd("partition", "bob/1"),
		sim.NewCmd("key-packages", "bob/1"), // EnsureKeyPackages/KeyPackageCount net_error
		sim.NewCmd("unpartition", "bob/1"),
		sim.NewCmd("subscribe", "alice/1", "g0"),
		sim.NewCmd("fault", "stream-break", "alice/1"),
		sim.NewCmd("stream-step", "alice/1", "g0"), // StreamStep/Next net_error
		sim.NewCmd("partition", "alice/1"),
		sim.NewCmd("stream-step", "alice/1", "g0"), // Subscribe/Subscribe net_error (resubscribing)
		sim.NewCmd("unpartition", "alice/1"),
		sim.NewCmd("arm-crash", "alice/1").With("kind", "send").With("at", 0),
		sim.NewCmd("sync", "alice/1", "g0"), // BeginSync/Query crash_before
		sim.NewCmd("restart", "alice/1"),
		sim.NewCmd("arm-crash", "alice/1").With("kind", "tx").With("at", 0),
		sim.NewCmd("send", "alice/1", "g0", "m1"), // newIntent/tx crash_before
		sim.NewCmd("restart", "alice/1"),
		sim.NewCmd("arm-crash", "alice/1").With("kind", "tx").With("at", 0),
		sim.NewCmd("consent", "alice/1", "g0", "allowed"), // SetConsent/tx crash_before
		sim.NewCmd("restart", "alice/1"),
		sim.NewCmd("arm-crash", "alice/1").With("kind", "tx").With("at", 1),
		sim.NewCmd("send", "alice/1", "g0", "m2"), // newIntent/tx crash_after
		sim.NewCmd("restart", "alice/1"),
		sim.NewCmd("arm-crash", "alice/1").With("kind", "send").With("at", 1),
		sim.NewCmd("sync", "alice/1", "g0"), // BeginSync/Query crash_after (the lost commit left the topic empty)
	} {
		out, err := w.Do(c)
		require.NoError(t, err, c.String())
		t.Logf("%s -> %s", c, out)
	}
	require.Equal(t, map[string]int{
		"newIntent/tx busy":                           1,
		"send/Publish net_error":                      1,
		"EnsureKeyPackages/KeyPackageCount net_error": 1,
		"StreamStep/Next net_error":                   1,
		"Subscribe/Subscribe net_error":               1,
		"BeginSync/Query crash_before":                1,
		"newIntent/tx crash_before":                   1,
		"SetConsent/tx crash_before":                  1,
		"newIntent/tx crash_after":                    1,
		"BeginSync/Query crash_after":                 1,
	}, w.Result().FaultSites)
}

// Pairs sweeps reach too rarely to count on (results.FaultSites says why).
// The installations check's transaction: a client records
// UPDATE_INSTALLATIONS only as its group's designated member, with a
// difference and no commit intent open, so sweeps rarely crash it there;
// each fault is forced here (alice/1 is the first member, bob/2 a new
// device, and nothing else in the round writes).
func TestFaultSitesScriptedRare(t *testing.T) {
	w, err := sim.NewWorld(scenario(t, "default").Params, 1)
	require.NoError(t, err)
	defer w.Close()
	steps := []sim.Cmd{
		sim.NewCmd("installation", "alice/1"),
		sim.NewCmd("installation", "bob/1"),
		sim.NewCmd("create-group", "alice/1", "g0"),
		sim.NewCmd("add", "alice/1", "g0", "bob"),
		sim.NewCmd("publish", "alice/1", "g0"),
		sim.NewCmd("sync", "alice/1", "g0"),
		sim.NewCmd("installation", "bob/2"),
	}
	// The busy store and the crash before leave nothing recorded; the
	// crash after the commit, last, leaves the intent open.
	for i, arm := range []sim.Cmd{
		sim.NewCmd("store-busy", "alice/1"),                                 // busy
		sim.NewCmd("arm-crash", "alice/1").With("kind", "tx").With("at", 0), // crash_before
		sim.NewCmd("arm-crash", "alice/1").With("kind", "tx").With("at", 1), // crash_after
	} {
		steps = append(steps, arm, sim.NewCmd("upkeep", "alice/1"))
		if i > 0 {
			steps = append(steps, sim.NewCmd("restart", "alice/1"))
		}
	}
	for _, c := range steps {
		out, err := w.Do(c)
		require.NoError(t, err, c.String())
		t.Logf("%s -> %s", c, out)
	}
	// And a re-send of the same bytes crashing before it leaves: a publish
	// lost, then a sync to the head without its copy.
	for _, c := range []sim.Cmd{
		sim.NewCmd("process-welcomes", "bob/1"),
		sim.NewCmd("send", "bob/1", "g0", "m1"),
		sim.NewCmd("fault", "publish-lost", "bob/1"),
		sim.NewCmd("publish", "bob/1", "g0"),
		sim.NewCmd("sync", "bob/1", "g0"),
		sim.NewCmd("arm-crash", "bob/1").With("kind", "send").With("at", 0),
		sim.NewCmd("publish", "bob/1", "g0"),
	} {
		out, err := w.Do(c)
		require.NoError(t, err, c.String())
		t.Logf("%s -> %s", c, out)
	}
	got := w.Result().FaultSites
	for _, f := range []string{results.FaultCrashBefore, results.FaultCrashAfter, results.FaultBusy} {
		require.Equal(t, 1, got[results.FaultSiteKey("recordUpdateInstallations/tx", f)], "%s: %v", f, got)
	}
	require.Equal(t, 1, got[results.FaultSiteKey("resendSame/Publish", results.FaultCrashBefore)], "%v", got)
}

// Every Rare pair is one TestFaultSitesScriptedRare forces (a Rare mark
// names it as the pair's proof).
func TestRarePairsAreScripted(t *testing.T) {
	for _, s := range results.FaultSites {
		for f, why := range s.Rare {
			require.Contains(t, s.Faults(), f, s.ID)
			require.Contains(t, why, "TestFaultSitesScriptedRare", "%s %s", s.ID, f)
		}
	}
}
