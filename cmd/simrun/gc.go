package main

import (
	"os"
	"runtime/debug"

	"github.com/mlsim/mlsim/scenarios"
)

// A small world's seed allocates fast and keeps little (a default sweep
// peaks under 100 MB): with Go's default GOGC=100 the collector ran so
// often that two workers lost a fifth of their time to it, while one
// worker's collector ran on the idle second core. GOGC=800 gave a
// 300-seed default sweep about 1.5 times the seeds a minute with two
// workers, 400 somewhat less, and GOGC=off with a 1 GiB limit less still
// (fresh memory costs page faults): docs/PERFORMANCE.md has the figures.
// A large world keeps hundreds of megabytes live, where a ninefold heap
// would cost gigabytes, so it keeps the default.
const (
	smallWorldGCPercent = 800
	// smallWorldInstallations bounds a small world: every built-in
	// scenario but large-world (big-group has 132 installations).
	smallWorldInstallations = 200
)

// tuneGC raises GOGC for a small world's run, sweep or worker, unless the
// user set GOGC (theirs wins). It returns the percent now in force, -1 if
// unchanged.
func tuneGC(sc scenarios.Scenario) int {
	if _, set := os.LookupEnv("GOGC"); set {
		return -1
	}
	p := sc.Params
	if max(p.MaxInstallations, p.Accounts*p.InstallsPer) > smallWorldInstallations {
		return -1
	}
	debug.SetGCPercent(smallWorldGCPercent)
	return smallWorldGCPercent
}
