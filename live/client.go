package live

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/linearize"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/nettransport"
	"github.com/mlsim/mlsim/store"
	"github.com/mlsim/mlsim/wire"
)

// Client exit codes.
const (
	ClientExitOK    = 0 // stdin closed: the harness is done with it
	ClientExitRun   = 1 // a failure while running (recording calls, stdout)
	ClientExitSetup = 2 // bad flags, a store that cannot be opened, no server
)

// clientFlags are `simrun client`'s flags.
type clientFlags struct {
	addr, dir, account string
	life               int
	byzantine          bool
	maxPastEpochs      int
	timeout            time.Duration
	upkeepEvery        time.Duration
	dialFor            time.Duration
	mlsVariant         string
}

// RunClient is one client process (`simrun client`): one account's
// installations, each on its own SQLite file in --dir, over one
// connection to the topic server at --addr. It answers the harness's
// Commands on stdin (protocol.go) and, between them, runs the engine's
// Upkeep for one installation after another. It returns when stdin
// closes.
func RunClient(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f clientFlags
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "", "the topic server, host:port (required)")
	fs.StringVar(&f.dir, "dir", "", "the folder holding the account's store files (required; NAME.db is installation ACCOUNT/NAME)")
	fs.StringVar(&f.account, "account", "", "the account (required)")
	fs.IntVar(&f.life, "life", 1, "which life of this client this is (names its calls and order files)")
	fs.BoolVar(&f.byzantine, "byzantine", false, "let forge-commit publish commits the policy forbids (a Byzantine member)")
	fs.IntVar(&f.maxPastEpochs, "max-past-epochs", 0, "the engine's past-epoch window (0: the default)")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Second, "each network call's deadline")
	fs.DurationVar(&f.upkeepEvery, "upkeep-every", 100*time.Millisecond, "how often to run an installation's upkeep between commands")
	fs.DurationVar(&f.dialFor, "dial-for", 30*time.Second, "how long to keep trying to reach the server at start")
	fs.StringVar(&f.mlsVariant, "mls-variant", "", "switch off one of the MLS adapter's defences against go-mls bugs (tests of the harness)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ClientExitOK // --help: the usage was printed
		}
		return ClientExitSetup
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "client: "+format+"\n", a...)
		return ClientExitSetup
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected arguments %q", fs.Args())
	case f.addr == "" || f.dir == "" || f.account == "":
		return fail("--addr, --dir and --account are required")
	case strings.ContainsAny(f.account, "/ \t\n"):
		return fail("--account %q: an account has no '/' and no spaces", f.account)
	case f.life < 1:
		return fail("--life must be at least 1")
	case f.timeout <= 0 || f.upkeepEvery <= 0:
		return fail("--timeout and --upkeep-every must be positive")
	}
	if f.mlsVariant != "" {
		if _, err := mlsadapter.ParseDefence(f.mlsVariant); err != nil {
			return fail("--mls-variant: %v", err)
		}
	}
	if st, err := os.Stat(f.dir); err != nil || !st.IsDir() {
		return fail("--dir %s: not a folder", f.dir)
	}
	p, code := startClient(f, stderr)
	if p == nil {
		return code
	}
	defer p.close()
	return p.serve(stdin, stdout, stderr)
}

// clientProc is a running client process.
type clientProc struct {
	f       clientFlags
	net     *nettransport.Client
	faults  *netFaults
	calls   *callWriter
	files   []*os.File
	order   *linearize.Recorder
	names   []string // installations, in the order opened
	engines map[string]*engine.Client
	stores  map[string]*store.DB
	events  []string
	paused  bool
	next    int // the installation whose upkeep runs next
}

func startClient(f clientFlags, stderr io.Writer) (*clientProc, int) {
	p := &clientProc{f: f, faults: newNetFaults(), engines: map[string]*engine.Client{}, stores: map[string]*store.DB{}}
	callsFile, err := os.OpenFile(filepath.Join(f.dir, fmt.Sprintf("calls-%d.jsonl", f.life)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintf(stderr, "client: %v\n", err)
		return nil, ClientExitSetup
	}
	orderFile, err := os.OpenFile(filepath.Join(f.dir, fmt.Sprintf("order-%d.jsonl", f.life)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		callsFile.Close()
		fmt.Fprintf(stderr, "client: %v\n", err)
		return nil, ClientExitSetup
	}
	p.files = []*os.File{callsFile, orderFile}
	p.calls = &callWriter{w: callsFile}
	p.order = linearize.NewRecorder(fmt.Sprintf("%s#%d", f.account, f.life))
	p.order.Sink(orderFile)

	// The stores first: a corrupted file is a setup error, said before
	// anything reaches the network.
	paths, _ := filepath.Glob(filepath.Join(f.dir, "*.db"))
	sort.Strings(paths)
	for _, path := range paths {
		inst := f.account + "/" + strings.TrimSuffix(filepath.Base(path), ".db")
		db, err := store.OpenFile(path)
		if err != nil {
			p.close()
			fmt.Fprintf(stderr, "client: installation %s: store %s cannot be opened: %v\n", inst, path, err)
			return nil, ClientExitSetup
		}
		p.stores[inst] = db
		p.names = append(p.names, inst)
	}

	deadline := time.Now().Add(f.dialFor)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
		p.net, err = nettransport.Dial(ctx, f.addr, nettransport.Options{Timeout: f.timeout,
			DialOptions: append(append(p.order.DialOptions(), p.faults.dialOptions()...), reconnectQuickly)})
		cancel()
		if err == nil {
			break
		}
		if errors.Is(err, nettransport.ErrRejected) || time.Now().After(deadline) {
			p.close()
			fmt.Fprintf(stderr, "client: cannot reach the topic server: %v\n", err)
			return nil, ClientExitSetup
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, inst := range p.names {
		if err := p.openEngine(inst); err != nil {
			p.close()
			fmt.Fprintf(stderr, "client: installation %s: %v\n", inst, err)
			return nil, ClientExitSetup
		}
		// A new life knows nothing of its earlier publishes' fate.
		p.calls.write(callLine{Kind: "restart", Inst: inst})
	}
	return p, ClientExitOK
}

func (p *clientProc) openEngine(inst string) error {
	mls := mlsadapter.New(rand.Reader)
	if p.f.mlsVariant != "" {
		d, _ := mlsadapter.ParseDefence(p.f.mlsVariant) // checked with the flags
		mls = mlsadapter.NewVariant(rand.Reader, d)
	}
	c, err := engine.Open(engine.Config{InstallationID: inst, Store: p.stores[inst],
		Transport: recordCalls(p.net.For(inst), inst, p.calls), MLS: mls, Clock: wallClock{},
		Observer:      func(e engine.Event) { p.events = append(p.events, string(e.Kind)) },
		MaxPastEpochs: p.f.maxPastEpochs, Byzantine: p.f.byzantine})
	if err != nil {
		return err
	}
	p.engines[inst] = c
	return nil
}

func (p *clientProc) close() {
	if p.faults != nil {
		p.faults.late.Wait()
	}
	if p.net != nil {
		_ = p.net.Close()
	}
	for _, inst := range p.names {
		if db := p.stores[inst]; db != nil {
			_ = db.Close()
		}
	}
	for _, f := range p.files {
		_ = f.Close()
	}
}

// serve answers commands until stdin closes, running upkeep between them.
func (p *clientProc) serve(stdin io.Reader, stdout, stderr io.Writer) int {
	out := json.NewEncoder(stdout)
	if err := out.Encode(Reply{Ready: true, OK: true, Installations: p.names}); err != nil {
		return ClientExitRun
	}
	cmds := make(chan Command)
	bad := make(chan error, 1)
	go func() {
		defer close(cmds)
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			var c Command
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				bad <- fmt.Errorf("bad command %q: %w", clipString(sc.Text()), err)
				return
			}
			cmds <- c
		}
	}()
	tick := time.NewTicker(p.f.upkeepEvery)
	defer tick.Stop()
	for {
		select {
		case c, ok := <-cmds:
			if !ok {
				select {
				case err := <-bad:
					fmt.Fprintf(stderr, "client: %v\n", err)
					return ClientExitSetup
				default:
				}
				return ClientExitOK
			}
			r := p.handle(c)
			r.Events, p.events = p.events, nil
			if err := out.Encode(r); err != nil {
				fmt.Fprintf(stderr, "client: writing a reply: %v\n", err)
				return ClientExitRun
			}
		case <-tick.C:
			if !p.paused && len(p.names) > 0 {
				inst := p.names[p.next%len(p.names)]
				p.next++
				_, _ = p.engines[inst].Upkeep()
			}
		}
		if p.calls.err != nil {
			fmt.Fprintf(stderr, "client: %v\n", p.calls.err)
			return ClientExitRun
		}
	}
}

// handle carries one command out.
func (p *clientProc) handle(c Command) Reply {
	switch c.Op {
	case OpOpen:
		return p.open(c.Inst)
	case OpFault:
		if !slices.Contains(FaultKinds, c.Fault) {
			return errReply(fmt.Errorf("unknown fault %q (want one of %s)", c.Fault, strings.Join(FaultKinds, ", ")))
		}
		p.faults.arm(c.Fault, time.Duration(c.Millis)*time.Millisecond)
		return Reply{OK: true}
	case OpHeal:
		// Publishes held back land before the heal is answered, so that
		// the liveness rounds start from a log nothing more lands on.
		p.faults.heal()
		p.faults.late.Wait()
		return Reply{OK: true}
	case OpPause, OpResume:
		p.paused = c.Op == OpPause
		return Reply{OK: true}
	case OpUpkeep:
		return p.upkeep(c.Inst)
	}
	e := p.engines[c.Inst]
	if e == nil {
		return errReply(fmt.Errorf("no installation %q here", c.Inst))
	}
	var id int64
	var err error
	switch c.Op {
	case OpCreate:
		err = e.CreateGroup(c.Group)
	case OpSend:
		id, err = e.Send(c.Group, []byte(c.Text))
	case OpAdd:
		id, err = e.AddMembers(c.Group, c.Accounts...)
	case OpRemove:
		id, err = e.RemoveMembers(c.Group, c.Accounts...)
	case OpKeyUpdate:
		id, err = e.KeyUpdate(c.Group)
	case OpUpdateAdmins:
		id, err = e.UpdateAdmins(c.Group, c.Accounts, c.Others)
	case OpUpdatePolicy:
		var levels map[string]wire.Level
		if levels, err = parseLevels(c.Levels); err == nil {
			id, err = e.UpdatePolicy(c.Group, levels)
		}
	case OpForge:
		_, err = e.ForgeCommit(c.Group, c.What)
	case OpSubscribe:
		err = e.Subscribe(c.Group)
	case OpStreamStep:
		err = p.streamStep(e, c.Group)
	case OpPublish:
		_, err = e.PublishNext(c.Group)
	case OpPublishAll:
		_, err = e.PublishAll(c.Group)
	case OpSync:
		err = e.Sync(c.Group)
	case OpProcessWelcomes:
		_, err = e.ProcessWelcomes()
	case OpSendWelcomes:
		_, err = e.SendWelcomes()
	case OpKeyPackages:
		_, err = e.EnsureKeyPackages()
	default:
		return errReply(fmt.Errorf("unknown op %q", c.Op))
	}
	if err != nil {
		return Reply{Intent: id, Err: err.Error(), Failed: errors.Is(err, nettransport.ErrNetwork)}
	}
	return Reply{OK: true, Intent: id}
}

// streamStep takes one delivery of the group's subscription, subscribing
// first when the application has not (a restarted client has no
// subscriptions); what it did is reported as a stream_* event.
func (p *clientProc) streamStep(e *engine.Client, group string) error {
	if !slices.Contains(e.Subscriptions(), group) {
		if err := e.Subscribe(group); err != nil {
			return err
		}
		p.events = append(p.events, "stream_subscribed")
	}
	r, err := e.StreamStep(group)
	if r.Resubscribed {
		p.events = append(p.events, "stream_resubscribed")
	}
	if name := streamEvents[r.Action]; name != "" {
		p.events = append(p.events, name)
	}
	return err
}

// streamEvents names the event each stream action is reported as (the
// simulator's names).
var streamEvents = map[engine.StreamAction]string{
	engine.StreamProcessed: "stream_processed",
	engine.StreamSkipped:   "stream_skipped",
	engine.StreamGap:       "stream_gap",
	engine.StreamEnded:     "stream_ended",
}

// open starts a new installation of the account on a new store file.
func (p *clientProc) open(inst string) Reply {
	name, ok := strings.CutPrefix(inst, p.f.account+"/")
	if !ok || name == "" || strings.ContainsAny(name, "/. \t\n") {
		return errReply(fmt.Errorf("installation %q is not %s/NAME", inst, p.f.account))
	}
	if p.engines[inst] != nil {
		return errReply(fmt.Errorf("installation %s is open already", inst))
	}
	db, err := store.OpenFile(filepath.Join(p.f.dir, name+".db"))
	if err != nil {
		return errReply(err)
	}
	p.stores[inst] = db
	p.names = append(p.names, inst)
	if err := p.openEngine(inst); err != nil {
		return errReply(err)
	}
	return Reply{OK: true}
}

// upkeep runs one installation's Upkeep, or every one's.
func (p *clientProc) upkeep(inst string) Reply {
	names := p.names
	if inst != "" {
		if p.engines[inst] == nil {
			return errReply(fmt.Errorf("no installation %q here", inst))
		}
		names = []string{inst}
	}
	r := Reply{OK: true}
	events := len(p.events)
	var errs []string
	for _, id := range names {
		rep, _ := p.engines[id].Upkeep()
		for _, s := range rep.Steps {
			switch {
			case s.Err == nil:
			case errors.Is(s.Err, nettransport.ErrNetwork):
				r.Failed = true
			case errors.Is(s.Err, engine.ErrRevoked):
			default:
				errs = append(errs, fmt.Sprintf("%s: %s: %v", id, s, s.Err))
			}
		}
		r.Changed = r.Changed || len(rep.Joined) > 0
	}
	r.Changed = r.Changed || len(p.events) > events
	if len(errs) > 0 {
		r.OK, r.Err = false, strings.Join(errs, "; ")
	}
	return r
}

func parseLevels(specs []string) (map[string]wire.Level, error) {
	levels := map[string]wire.Level{}
	for _, s := range specs {
		action, name, _ := strings.Cut(s, "=")
		l, ok := wire.ParseLevel(name)
		if !ok || !slices.Contains(wire.LevelNames[:], action) {
			return nil, fmt.Errorf("level %q: want ACTION=LEVEL, ACTION one of %s", s, strings.Join(wire.LevelNames[:], ", "))
		}
		levels[action] = l
	}
	if len(levels) == 0 {
		return nil, errors.New("no level named")
	}
	return levels, nil
}

func errReply(err error) Reply { return Reply{Err: err.Error()} }

func clipString(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// reconnectQuickly: after its server went away a client tries again
// within a second or two, not gRPC's default of up to two minutes (a
// restarted topicd is back within a second or two here).
var reconnectQuickly = grpc.WithConnectParams(grpc.ConnectParams{
	Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
	MinConnectTimeout: 2 * time.Second,
})

// wallClock is a real client's clock.
type wallClock struct{}

func (wallClock) NowNs() int64 { return time.Now().UnixNano() }
