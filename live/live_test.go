//go:debug randseednop=0
package live

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/internal/topictest"
	"github.com/mlsim/mlsim/results"
)

// The tests run this test binary itself as the live run's children: with
// MLSIM_LIVE_CHILD=1 it is a client or a topicd (ChildMain), never a test.
const childEnv = "MLSIM_LIVE_CHILD"

// With MLSIM_LIVE_HARNESS=DIR it is a harness (a 60-second run into DIR)
// for TestHarnessDeathTakesItsChildren to kill.
const harnessEnv = "MLSIM_LIVE_HARNESS"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(ChildMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	if dir := os.Getenv(harnessEnv); dir != "" {
		_, err := Run(Config{Scenario: "default", Seed: 1, Clients: 2, Duration: time.Minute, Out: dir, Exec: selfExec(),
			ClientKills: -1, ServerKills: -1})
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(m.Run())
}

func selfExec() Exec { return Exec{Path: os.Args[0], Env: []string{childEnv + "=1"}} }

// liveRun makes a run under the test's temporary folder and asserts what
// every live run must show: no violation of any property (the checker's
// and the live ones: order, acknowledged intents, integrity, processes),
// convergence, the kills dealt, every file intact.
func liveRun(t *testing.T, cfg Config) *results.RunSummary {
	t.Helper()
	cfg.Out = t.TempDir()
	cfg.Exec = selfExec()
	var progress bytes.Buffer
	cfg.Progress = &progress
	sum, err := Run(cfg)
	require.NoError(t, err, progress.String())
	t.Logf("%s", progress.String())
	l := sum.Live
	t.Logf("%d steps, %d installations, %d groups; kills %d clients %d servers, %d restarts; faults %v; %d acked intents; %d calls judged; order: %s",
		sum.Steps, sum.Clients, sum.Groups, l.ClientKills, l.ServerKills, l.Restarts, l.NetworkFaults, l.AckedIntents, l.Calls, l.OrderCheck)
	for _, v := range sum.Violations {
		t.Errorf("VIOLATION %s (%s) step %d group %s %v: %s\n  %s", v.Property, v.Name, v.Step, v.Group, v.Installations, v.Message,
			strings.Join(v.Trace, "\n  "))
	}
	if !l.Converged {
		for _, st := range sum.Trace[max(0, len(sum.Trace)-30):] {
			t.Log(st.String())
		}
	}
	require.True(t, l.Converged, "the liveness rounds did not settle")
	require.Equal(t, cfg.ClientKills, l.ClientKills)
	require.Equal(t, cfg.ServerKills, l.ServerKills)
	require.True(t, strings.HasPrefix(l.OrderCheck, "Ok"), l.OrderCheck)
	require.Positive(t, l.AckedIntents)
	require.Zero(t, sum.Intents.Open, "intents still open after the liveness rounds")
	files := sum.Clients // one store file per installation
	if cfg.DB == "" {
		files++ // topicd's
	}
	require.Equal(t, files, l.FilesChecked, "PRAGMA integrity_check")
	return sum
}

// The live test: ≥ 45 s, 4 client processes, 12 SIGKILLs of
// clients and 3 of topicd (SQLite), network faults from the default mix;
// every property holds, nothing acknowledged is lost, every file passes
// integrity_check, the server's answers are linearizable.
func TestLiveSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("a 45-second live run; skipped with -short")
	}
	sum := liveRun(t, Config{Scenario: "default", Seed: 1, Clients: 4, Duration: 45 * time.Second, ClientKills: 12, ServerKills: 3})
	require.Positive(t, sum.Live.NetworkFaults[FaultDropResponse]+sum.Live.NetworkFaults[FaultDelayPublish])
	require.Positive(t, sum.Events["garbage_injected"], "no garbage published")
	require.Positive(t, sum.Events["payload_rejected"])
}

// The same on PostgreSQL with two topicd processes sharing the database
// (clients split between them), shorter.
func TestLivePostgresTwoServers(t *testing.T) {
	if testing.Short() {
		t.Skip("a live run on PostgreSQL; skipped with -short")
	}
	url := topictest.Postgres(t)
	liveRun(t, Config{Scenario: "default", Seed: 2, Clients: 4, Duration: 20 * time.Second, ClientKills: 4, ServerKills: 2,
		DB: url, Servers: 2})
}

func TestConfigRefusesBadValues(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		says string
	}{
		{Config{Scenario: "nope", Clients: 4, Duration: time.Second, Out: "x"}, "scenario"},
		{Config{Scenario: "default", Clients: 1, Duration: time.Second, Out: "x"}, "clients must be in 2..64"},
		{Config{Scenario: "default", Clients: 4, Duration: 0, Out: "x"}, "duration"},
		{Config{Scenario: "default", Clients: 4, Duration: time.Second}, "output folder"},
		{Config{Scenario: "default", Clients: 4, Duration: time.Second, Out: "x", Servers: 2}, "several servers need a shared database"},
		{Config{Scenario: "default", Clients: 4, Duration: time.Second, Out: "x", DB: "/tmp/x.db"}, "postgres://"},
	} {
		c.cfg.Exec = selfExec()
		_, err := Run(c.cfg)
		require.ErrorContains(t, err, c.says)
	}
	// An output folder holding an earlier run is refused, and left alone.
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "run"), 0o755))
	_, err := Run(Config{Scenario: "default", Clients: 2, Duration: time.Second, Out: dir, Exec: selfExec()})
	require.ErrorContains(t, err, "must not hold an earlier run")
}

// The live run catches a bug: with the MLS adapter's defence against
// go-mls bug 5 switched off (a restored group state computes a wrong tree
// hash), a client restarted on its files falls out of its groups, and the
// checker reports it.
func TestLiveCatchesADefenceSwitchedOff(t *testing.T) {
	if testing.Short() {
		t.Skip("a live run; skipped with -short")
	}
	out := t.TempDir()
	sum, err := Run(Config{Scenario: "default", Seed: 1, Clients: 4, Duration: 10 * time.Second, ClientKills: 4, ServerKills: 0,
		MLSVariant: "rehash-on-restore", Out: out, Exec: selfExec()})
	require.NoError(t, err)
	require.True(t, sum.Failed(), "no violation with rehash-on-restore off")
	props := map[string]int{}
	for _, v := range sum.Violations {
		props[v.Property]++
	}
	t.Logf("violations by property: %v", props)
	require.Positive(t, props["L1"]+props["L3"]+props["S1"], "want convergence, completeness or fork findings: %v", props)
}

// A harness killed with SIGKILL leaves no child running: the kernel kills
// its topicd and its clients (Pdeathsig). Linux only.
func TestHarnessDeathTakesItsChildren(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), harnessEnv+"="+t.TempDir())
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	defer func() {
		_ = cmd.Process.Kill()
		<-done
	}()
	var kids []int
	deadline := time.Now().Add(30 * time.Second)
	for len(kids) < 3 && time.Now().Before(deadline) { // topicd and two clients
		time.Sleep(200 * time.Millisecond)
		kids = childrenOf(cmd.Process.Pid)
	}
	require.GreaterOrEqual(t, len(kids), 3, "the harness did not start its children")
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	<-done
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		alive := 0
		for _, pid := range kids {
			if running(pid) {
				alive++
			}
		}
		if alive == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, pid := range kids {
		if running(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL) // ours: clean up, then fail
			t.Errorf("child %d outlived its harness", pid)
		}
	}
}

// childrenOf lists the processes whose parent is pid (/proc/N/stat).
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, state, ok := procStat(n); ok && ppid == pid && state != "Z" {
			out = append(out, n)
		}
	}
	return out
}

// running: the process exists and is not a zombie (an orphan's reaper
// may be slow to collect it).
func running(pid int) bool {
	_, state, ok := procStat(pid)
	return ok && state != "Z"
}

func procStat(pid int) (ppid int, state string, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", false
	}
	// "pid (comm) state ppid …": comm may hold spaces; it ends at the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, "", false
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[0], err == nil
}
