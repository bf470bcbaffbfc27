package live

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/protobuf/proto"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intentclient"
	"github.com/mlsim/mlsim/internal/linearize"
	"github.com/mlsim/mlsim/mlsadapter"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"github.com/mlsim/mlsim/store"
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

// clientProc is a running client process: our engine serving the
// intent-client protocol (intentclient.Server) on a loopback port the
// harness drives it through, with the live run's call recording, order
// recording and network faults around its connection to topicd. Its
// stdin takes the harness's own controls (protocol.go), which are not a
// client's business: faults, heal, pause and resume of its upkeep.
type clientProc struct {
	f      clientFlags
	srv    *intentclient.Server
	grpc   *grpc.Server
	lis    net.Listener
	served chan error
	faults *netFaults
	calls  *callWriter
	files  []*os.File
	order  *linearize.Recorder
	paused bool
	next   int // the installation whose upkeep runs next
}

func startClient(f clientFlags, stderr io.Writer) (*clientProc, int) {
	p := &clientProc{f: f, faults: newNetFaults()}
	fail := func(format string, a ...any) (*clientProc, int) {
		p.close()
		fmt.Fprintf(stderr, "client: "+format+"\n", a...)
		return nil, ClientExitSetup
	}
	callsFile, err := os.OpenFile(filepath.Join(f.dir, fmt.Sprintf("calls-%d.jsonl", f.life)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fail("%v", err)
	}
	p.files = append(p.files, callsFile)
	orderFile, err := os.OpenFile(filepath.Join(f.dir, fmt.Sprintf("order-%d.jsonl", f.life)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fail("%v", err)
	}
	p.files = append(p.files, orderFile)
	p.calls = &callWriter{w: callsFile}
	p.order = linearize.NewRecorder(fmt.Sprintf("%s#%d", f.account, f.life))
	p.order.Sink(orderFile)

	// The stores first: a corrupted file is a setup error, said before
	// anything reaches the network.
	paths, _ := filepath.Glob(filepath.Join(f.dir, "*.db"))
	sort.Strings(paths)
	var names []string
	for _, path := range paths {
		inst := f.account + "/" + strings.TrimSuffix(filepath.Base(path), ".db")
		db, err := store.OpenFile(path)
		if err != nil {
			return fail("installation %s: store %s cannot be opened: %v", inst, path, err)
		}
		_ = db.Close()
		names = append(names, inst)
	}

	p.srv = intentclient.NewServer(intentclient.Options{Timeout: f.timeout, Byzantine: f.byzantine,
		DialOptions: append(append(p.order.DialOptions(), p.faults.dialOptions()...), reconnectQuickly),
		Transport:   func(inst string, t engine.Transport) engine.Transport { return recordCalls(t, inst, p.calls) }})
	deadline := time.Now().Add(f.dialFor)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
		err = p.srv.Connect(ctx, f.addr)
		cancel()
		if err == nil {
			break
		}
		if intentclient.ReasonOf(err) != intentclient.ReasonNetwork || time.Now().After(deadline) {
			return fail("cannot reach the topic server: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i, inst := range names {
		ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
		_, err := p.srv.Open(ctx, &pb.OpenRequest{Installation: inst, ServerAddress: f.addr, StorePath: paths[i],
			Options: ClientOptions(f.maxPastEpochs, f.mlsVariant)})
		cancel()
		// A network failure is key packages not uploaded yet: the
		// installation is open all the same, and its upkeep uploads them.
		if err != nil && intentclient.ReasonOf(err) != intentclient.ReasonNetwork {
			return fail("installation %s: %v", inst, err)
		}
		// A new life knows nothing of its earlier publishes' fate.
		p.calls.write(callLine{Kind: "restart", Inst: inst})
	}
	if p.lis, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return fail("%v", err)
	}
	p.grpc = grpc.NewServer(intentclient.ServerOptions()...)
	p.srv.Register(p.grpc)
	p.served = make(chan error, 1)
	go func() { p.served <- p.grpc.Serve(p.lis) }()
	return p, ClientExitOK
}

// ClientOptions are an installation's options as the harness and the
// client process both give them: the engine's past-epoch window (its
// Config's: 0 the default, negative none) and MLS variant.
func ClientOptions(maxPastEpochs int, mlsVariant string) *pb.ClientOptions {
	o := &pb.ClientOptions{MlsVariant: mlsVariant}
	if maxPastEpochs != 0 {
		o.MaxPastEpochs = proto.Uint32(uint32(max(maxPastEpochs, 0)))
	}
	return o
}

func (p *clientProc) close() {
	if p.grpc != nil {
		p.grpc.Stop()
		<-p.served
	}
	if p.faults != nil {
		p.faults.late.Wait()
	}
	if p.srv != nil {
		_ = p.srv.Close()
	}
	for _, f := range p.files {
		_ = f.Close()
	}
}

// serve answers the harness's controls until stdin closes, running one
// installation's upkeep after another between them.
func (p *clientProc) serve(stdin io.Reader, stdout, stderr io.Writer) int {
	out := json.NewEncoder(stdout)
	if err := out.Encode(Reply{Ready: true, OK: true, Addr: p.lis.Addr().String(), Installations: p.srv.Installations()}); err != nil {
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
			if err := out.Encode(p.control(c)); err != nil {
				fmt.Fprintf(stderr, "client: writing a reply: %v\n", err)
				return ClientExitRun
			}
		case <-tick.C:
			if names := p.srv.Installations(); !p.paused && len(names) > 0 {
				inst := names[p.next%len(names)]
				p.next++
				ctx, cancel := context.WithTimeout(context.Background(), 10*p.f.timeout)
				_, _ = p.srv.Upkeep(ctx, &pb.InstallationRequest{Installation: inst})
				cancel()
			}
		case err := <-p.served:
			p.served <- err // close waits for it
			fmt.Fprintf(stderr, "client: serving the protocol: %v\n", err)
			return ClientExitRun
		}
		if p.calls.err != nil {
			fmt.Fprintf(stderr, "client: %v\n", p.calls.err)
			return ClientExitRun
		}
	}
}

// control carries out one of the harness's controls.
func (p *clientProc) control(c Command) Reply {
	switch c.Op {
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
	}
	return errReply(fmt.Errorf("unknown control %q (want %s, %s, %s or %s; a client's operations go through the protocol)",
		c.Op, OpFault, OpHeal, OpPause, OpResume))
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
