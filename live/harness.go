package live

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/childproc"
	"github.com/mlsim/mlsim/internal/linearize"
	"github.com/mlsim/mlsim/nettransport"
	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
	"github.com/mlsim/mlsim/topiclog"
	"github.com/mlsim/mlsim/trace"
)

// Timeouts of the harness's own waits: every wait is bounded.
const (
	replyTimeout   = 30 * time.Second // one command to a client
	readyTimeout   = 60 * time.Second // a client's first line
	serverUpWithin = 15 * time.Second
	stopGrace      = 10 * time.Second
	checkEvery     = time.Second
	minRounds      = 40 // liveness rounds, at least (see livenessBound)
)

// server is one topicd process.
type server struct {
	name  string
	addr  string
	proc  *child
	life  int
	kills int
}

// clientProcState is one client process and its account.
type clientProcState struct {
	account   string
	dir       string
	srv       *server
	proc      *child // nil while down
	ready     bool   // its first line came: it takes commands
	startedAt time.Time
	life      int
	insts     []string // its installations, in the order opened
	restartAt time.Time
	readers   []*callReader // one per life
}

// harness is one live run in progress.
type harness struct {
	cfg           Config
	sc            scenarios.Scenario
	rng           *rand.Rand
	start         time.Time
	dir           string // Out/run: every file of the run
	db            string
	servers       []*server
	clients       []*clientProcState
	log           *topiclog.Reader
	check         *checker.Checker
	stores        map[string]*fileStore
	admin         *nettransport.Client // the harness's own connection (revocations, garbage)
	adminOrder    *os.File             // its calls, for the order check
	steps         []trace.Step
	acked         []ackedIntent
	revoked       map[string]bool
	events        map[string]int
	stats         results.LiveRun
	serverRestart []pendingServer
	problems      []results.Violation // the harness's own findings
	msgs          int
}

type ackedIntent struct {
	inst string
	id   int64
}

// Run makes one live run and writes its report into cfg.Out. The error
// is for a run that could not be made (bad config, a process that would
// not start); a run that found violations returns them in the summary.
func Run(cfg Config) (*results.RunSummary, error) {
	sc, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, err
	}
	h := &harness{cfg: cfg, sc: sc, rng: rand.New(rand.NewPCG(cfg.Seed, 0x6c697665)), start: time.Now(),
		dir: filepath.Join(cfg.Out, "run"), stores: map[string]*fileStore{}, revoked: map[string]bool{}, events: map[string]int{}}
	if err := os.Mkdir(h.dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w (the output folder must not hold an earlier run)", h.dir, err)
	}
	defer h.shutdown()
	if err := h.startAll(); err != nil {
		return nil, err
	}
	h.progress("setting up %d groups", h.groups())
	if err := h.setUp(); err != nil {
		return nil, err
	}
	h.progress("fault phase: %s, %d client kills, %d server kills", cfg.Duration, cfg.ClientKills, cfg.ServerKills)
	if err := h.faultPhase(); err != nil {
		return nil, err
	}
	h.progress("healing; liveness rounds")
	if err := h.livenessPhase(); err != nil {
		return nil, err
	}
	h.progress("stopping; final checks")
	return h.finish()
}

// problem records a finding of the harness's own (property live-…).
func (h *harness) problem(prop, group string, who []string, format string, a ...any) {
	v := checker.Violation{Property: prop, Step: len(h.steps), Group: group, Installations: who, Message: fmt.Sprintf(format, a...)}
	h.problems = append(h.problems, results.NewViolation(v, h.cfg.Seed, nil))
}

func (h *harness) progress(format string, a ...any) {
	if h.cfg.Progress != nil {
		fmt.Fprintf(h.cfg.Progress, "live %6.1fs: "+format+"\n", append([]any{time.Since(h.start).Seconds()}, a...)...)
	}
}

// startAll starts the servers and the clients and opens what the checker
// reads.
func (h *harness) startAll() error {
	h.db = h.cfg.DB
	if h.db == "" {
		h.db = filepath.Join(h.dir, "topics.db")
	}
	for i := range h.cfg.Servers {
		port, err := childproc.FreePort()
		if err != nil {
			return err
		}
		s := &server{name: fmt.Sprintf("topicd-%d", i+1), addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
		h.servers = append(h.servers, s)
		if err := h.startServer(s); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), serverUpWithin)
	defer cancel()
	// The harness's own calls (garbage it publishes) are part of the
	// observed history the order check reads.
	adminOrder, err := os.OpenFile(filepath.Join(h.dir, "harness-order.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	h.adminOrder = adminOrder
	rec := linearize.NewRecorder("harness")
	rec.Sink(adminOrder)
	if h.admin, err = nettransport.Dial(ctx, h.servers[0].addr, nettransport.Options{Timeout: 5 * time.Second, DialOptions: rec.DialOptions()}); err != nil {
		return fmt.Errorf("the harness cannot reach %s: %w", h.servers[0].name, err)
	}
	if h.log, err = topiclog.Open(ctx, h.db); err != nil {
		return err
	}
	h.check = checker.New(checker.Config{MaxPastEpochs: engine.PastEpochWindow(h.sc.Params.MaxPastEpochs),
		Log: refreshing{h.log}, Directory: h.log, Concurrent: true})
	for i := range h.cfg.Clients {
		c := &clientProcState{account: sim.AccountName(i), srv: h.servers[i%len(h.servers)]}
		c.dir = filepath.Join(h.dir, c.account)
		if err := os.Mkdir(c.dir, 0o755); err != nil {
			return err
		}
		// The account's first installation: an empty store file the
		// client opens at start.
		c.insts = []string{c.account + "/1"}
		h.clients = append(h.clients, c)
	}
	for _, c := range h.clients {
		if err := h.startClient(c, true); err != nil {
			return err
		}
	}
	for _, c := range h.clients {
		if err := h.awaitReady(c, true); err != nil {
			return err
		}
		if !c.ready {
			return fmt.Errorf("client %s did not start: %s", c.account, h.problems[len(h.problems)-1].Message)
		}
	}
	return nil
}

// up: the client's process runs and takes commands.
func (c *clientProcState) up() bool { return c.proc != nil && c.ready }

// refreshing is topicd's database as the checker's log: refreshed by
// the checker after it read the stores.
type refreshing struct{ *topiclog.Reader }

func (r refreshing) Refresh() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return r.Reader.Refresh(ctx)
}

func (h *harness) startServer(s *server) error {
	s.life++
	p, err := startChild(h.cfg.Exec, s.name, "topicd", []string{"--listen", s.addr, "--db", h.db, "--log-level", "warn"},
		filepath.Join(h.dir, s.name+".log"))
	if err != nil {
		return err
	}
	s.proc = p
	deadline := time.Now().Add(serverUpWithin)
	for time.Now().Before(deadline) {
		if !p.alive() {
			return fmt.Errorf("%s exited at start (%v): %s", s.name, p.exit, p.stderrTail())
		}
		if conn, err := net.DialTimeout("tcp", s.addr, 200*time.Millisecond); err == nil {
			conn.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.kill()
	return fmt.Errorf("%s did not listen on %s within %s", s.name, s.addr, serverUpWithin)
}

// startClient starts (or restarts) a client process on its folder. It
// does not wait for the process to be ready (it may be waiting for a
// server the harness is about to restart): awaitReady does.
func (h *harness) startClient(c *clientProcState, first bool) error {
	c.life++
	flags := []string{"--addr", c.srv.addr, "--dir", c.dir, "--account", c.account, "--life", strconv.Itoa(c.life),
		"--max-past-epochs", strconv.Itoa(h.sc.Params.MaxPastEpochs)}
	if h.byzantine() {
		flags = append(flags, "--byzantine")
	}
	if h.cfg.MLSVariant != "" {
		flags = append(flags, "--mls-variant", h.cfg.MLSVariant)
	}
	if first {
		// The first installation's file, so the client opens it.
		f, err := os.Create(filepath.Join(c.dir, "1.db"))
		if err != nil {
			return err
		}
		f.Close()
	}
	p, err := startChild(h.cfg.Exec, fmt.Sprintf("client %s (life %d)", c.account, c.life), "client", flags,
		filepath.Join(c.dir, fmt.Sprintf("stderr-%d.log", c.life)))
	if err != nil {
		return err
	}
	c.proc, c.ready, c.startedAt = p, false, time.Now()
	c.readers = append(c.readers, &callReader{path: filepath.Join(c.dir, fmt.Sprintf("calls-%d.jsonl", c.life))})
	return nil
}

// awaitReady takes a starting client's first line (waiting for it when
// block is set, else only if it is there). A client that exits or stays
// silent past readyTimeout is a finding; it is restarted.
func (h *harness) awaitReady(c *clientProcState, block bool) error {
	if c.proc == nil || c.ready {
		return nil
	}
	var r Reply
	var err error
	if block {
		r, err = c.proc.reply(readyTimeout - time.Since(c.startedAt))
	} else {
		select {
		case got, ok := <-c.proc.replies:
			r = got
			if !ok {
				err = errChildGone
			}
		default:
			if time.Since(c.startedAt) < readyTimeout {
				return nil
			}
			err = fmt.Errorf("no ready line within %s", readyTimeout)
		}
	}
	if err == nil && !r.Ready {
		err = fmt.Errorf("its first line is not ready: %+v", r)
	}
	if err == nil {
		// Its operations go through the protocol it serves.
		err = c.proc.dialProtocol(r.Addr, ClientOptions(h.sc.Params.MaxPastEpochs, h.cfg.MLSVariant), replyTimeout)
	}
	if err != nil {
		if c.proc.alive() {
			c.proc.kill()
		}
		h.problem("live-process", "", []string{c.account}, "%s did not start (%v): %s", c.proc.name, err, c.proc.stderrTail())
		c.proc, c.restartAt = nil, time.Now().Add(time.Second)
		return nil
	}
	c.ready = true
	for _, inst := range r.Installations {
		if !slices.Contains(c.insts, inst) {
			// An Open whose answer was lost (the process died during it):
			// the store file is there, and the process opened it.
			c.insts = append(c.insts, inst)
		}
		if h.stores[inst] == nil {
			if err := h.attach(c, inst); err != nil {
				return err
			}
		}
	}
	return nil
}

// attach opens an installation's store file for the checker.
func (h *harness) attach(c *clientProcState, inst string) error {
	s, err := openFileStore(h.storePath(c, inst))
	if err != nil {
		return err
	}
	h.stores[inst] = s
	h.check.Attach(inst, s)
	return nil
}

func (h *harness) storePath(c *clientProcState, inst string) string {
	return filepath.Join(c.dir, inst[len(c.account)+1:]+".db")
}

// shutdown stops whatever still runs: every child by its pid.
func (h *harness) shutdown() {
	for _, c := range h.clients {
		if c.proc != nil {
			_ = c.proc.stop(false, stopGrace)
		}
	}
	for _, s := range h.servers {
		if s.proc != nil {
			_ = s.proc.stop(true, stopGrace)
		}
	}
	if h.admin != nil {
		_ = h.admin.Close()
	}
	if h.adminOrder != nil {
		_ = h.adminOrder.Close()
	}
	if h.log != nil {
		_ = h.log.Close()
	}
	for _, s := range h.stores {
		_ = s.Close()
	}
}

// elapsed is the run's wall time so far, as the trace shows it.
func (h *harness) elapsed() string {
	return fmt.Sprintf("t=%.3fs", time.Since(h.start).Seconds())
}
