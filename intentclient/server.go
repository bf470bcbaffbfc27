package intentclient

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/internal/faultwrap"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/nettransport"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"github.com/mlsim/mlsim/store"
)

// Implementation is what Hello names our engine.
const Implementation = "mlsim-engine 1"

// Features are the optional parts of the protocol our engine serves.
var Features = []string{"permissions", "sync-batches", "streams", "consent", "forge-commit"}

// FeatureFaultHooks is the feature a server with Options.FaultHooks adds.
const FeatureFaultHooks = "fault-hooks"

// Options are what a Server is built with beyond the protocol: the parts
// a process that embeds it chooses (a live run records calls and injects
// faults here; a plain `simrun client --listen` takes the defaults).
type Options struct {
	// Random is the installations' randomness (crypto/rand if nil).
	Random io.Reader
	// Clock is the installations' clock (the wall clock if nil).
	Clock engine.Clock
	// Timeout is each network call's deadline (nettransport's if zero).
	Timeout time.Duration
	// DialOptions are added to every topic server connection's.
	DialOptions []grpc.DialOption
	// Transport, if set, wraps each installation's transport (a live run
	// records the calls the harness judges S9 by).
	Transport func(installation string, t engine.Transport) engine.Transport
	// Byzantine lets ForgeCommit publish forbidden commits (a test
	// client's Byzantine member; see engine.Config.Byzantine).
	Byzantine bool
	// Events, if set, is told every engine event as it happens.
	Events func(installation string, e engine.Event)
	// FaultHooks serves ArmCrash, StoreBusy and Withhold: each
	// installation's store and transport are wrapped with a fuse, as the
	// simulator wraps its clients (internal/faultwrap).
	FaultHooks bool
}

// Server serves the intent-client protocol with our engine: the reference
// implementation. Calls are carried out one at a time (the engine is not
// safe for concurrent use); Observe streams wait outside that lock.
type Server struct {
	pb.UnimplementedIntentClientServiceServer
	opts Options

	mu    sync.Mutex // held by every call that touches an installation
	insts map[string]*installation
	conns map[string]*nettransport.Client // by topic server address
}

// NewServer returns a server hosting no installation yet.
func NewServer(opts Options) *Server {
	if opts.Random == nil {
		opts.Random = rand.Reader
	}
	if opts.Clock == nil {
		opts.Clock = wallClock{}
	}
	return &Server{opts: opts, insts: map[string]*installation{}, conns: map[string]*nettransport.Client{}}
}

// Register adds the service to a gRPC server, with the interceptors that
// refuse another protocol version.
func (s *Server) Register(g *grpc.Server) { pb.RegisterIntentClientServiceServer(g, s) }

// ServerOptions are the gRPC server options the service needs: the
// version check on every call.
func ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if err := checkVersion(ctx); err != nil {
				return nil, err
			}
			return h(ctx, req)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if err := checkVersion(ss.Context()); err != nil {
				return err
			}
			return h(srv, ss)
		}),
	}
}

func checkVersion(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	got := md.Get(pb.VersionKey)
	want := strconv.Itoa(int(pb.Current))
	if len(got) != 1 || got[0] != want {
		return Failure(ReasonVersion, fmt.Sprintf("this client speaks protocol version %s; the call carried %q under %s",
			want, got, pb.VersionKey))
	}
	return nil
}

// Close closes every installation's store and connection.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for _, id := range s.sortedIDs() {
		if err := s.insts[id].db.Close(); err != nil && first == nil {
			first = err
		}
		s.insts[id].log.close()
	}
	for _, addr := range sortedKeys(s.conns) {
		_ = s.conns[addr].Close()
	}
	return first
}

// Installations lists the installations open here, sorted.
func (s *Server) Installations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedIDs()
}

func (s *Server) sortedIDs() []string { return sortedKeys(s.insts) }

// installation is one installation this server hosts.
type installation struct {
	id      string
	addr    string
	options *pb.ClientOptions
	db      *store.DB
	eng     *engine.Client
	log     *recordLog
	events  []*pb.Event // the current call's
	batches map[uint64]*engine.SyncBatch
	batchN  uint64
	rng     io.Reader       // its randomness: Options.Random, or its random_seed's stream
	fuse    *faultwrap.Fuse // with Options.FaultHooks
	streams *streamTracker  // the current engine object's transport
	crashed string          // where a fault hook crashed it; "" while running
}

func (s *Server) Hello(context.Context, *pb.HelloRequest) (*pb.HelloResponse, error) {
	features := slices.Clone(Features)
	if s.opts.FaultHooks {
		features = append(features, FeatureFaultHooks)
	}
	return &pb.HelloResponse{Version: pb.Current, Implementation: Implementation, Features: features}, nil
}

// Open creates or re-opens an installation.
func (s *Server) Open(ctx context.Context, req *pb.OpenRequest) (*pb.OpenResponse, error) {
	id := req.GetInstallation()
	if err := checkInstallationID(id); err != nil {
		return nil, err
	}
	if req.GetServerAddress() == "" || req.GetStorePath() == "" {
		return nil, Failure(ReasonInvalid, "server_address and store_path are required")
	}
	if v := req.GetOptions().GetMlsVariant(); v != "" {
		if _, err := mlsadapter.ParseDefence(v); err != nil {
			return nil, Failure(ReasonInvalid, err.Error())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.insts[id] != nil {
		return nil, Failure(ReasonInvalid, "installation "+id+" is open already here")
	}
	_, statErr := os.Stat(req.GetStorePath())
	created := os.IsNotExist(statErr)
	db, err := store.OpenFile(req.GetStorePath())
	if err != nil {
		return nil, Failure(ReasonInvalid, fmt.Sprintf("store %s: %v", req.GetStorePath(), err))
	}
	in := &installation{id: id, addr: req.GetServerAddress(), options: req.GetOptions(), db: db,
		log: newRecordLog(observe.Store(db)), rng: s.opts.Random}
	if req.GetOptions() != nil && req.GetOptions().RandomSeed != nil {
		// The simulator's own stream for this installation, so a world
		// driven over the protocol draws what the same world in process
		// draws (kept across Restart, as the simulator keeps it).
		in.rng = detrand.New(req.GetOptions().GetRandomSeed(), "crypto/"+id)
	}
	if err := s.start(ctx, in); err != nil {
		_ = db.Close()
		return nil, err
	}
	s.insts[id] = in
	var keyErr error
	if created {
		// A new installation registers with the directory and uploads its
		// key packages at once, so that others can add it.
		_, keyErr = in.eng.EnsureKeyPackages()
	}
	ack, err := s.finish(in, statusOf(keyErr))
	if ack == nil {
		return nil, err
	}
	return reply(&pb.OpenResponse{Ack: ack, Created: created}, err)
}

// start (re)builds an installation's engine over its store.
func (s *Server) start(ctx context.Context, in *installation) error {
	conn, err := s.connect(ctx, in.addr)
	if err != nil {
		return err
	}
	in.drop()
	in.streams = &streamTracker{Transport: conn.For(in.id)}
	var t engine.Transport = in.streams
	if s.opts.Transport != nil {
		t = s.opts.Transport(in.id, t)
	}
	var st engine.Store = in.db
	if s.opts.FaultHooks {
		// A new fuse at every start, as a restarted process has; only a
		// Byzantine member's withholding outlives it.
		old := in.fuse
		in.fuse = &faultwrap.Fuse{
			OnBusy: func() { in.events = append(in.events, &pb.Event{Kind: "store_busy"}) },
			OnWithhold: func(topic string) {
				in.events = append(in.events, &pb.Event{Kind: "welcome_withheld", Group: topic})
			},
		}
		if old != nil {
			in.fuse.Withhold = old.Withhold
		}
		st, t = faultwrap.Store(st, in.fuse), faultwrap.Transport(t, in.fuse)
	}
	m := mlsadapter.New(in.rng)
	if v := in.options.GetMlsVariant(); v != "" {
		d, _ := mlsadapter.ParseDefence(v) // checked by Open
		m = mlsadapter.NewVariant(in.rng, d)
	}
	past := 0 // the engine's default
	if in.options != nil && in.options.MaxPastEpochs != nil {
		if past = int(in.options.GetMaxPastEpochs()); past == 0 {
			past = engine.NoPastEpochs
		}
	}
	id := in.id
	eng, err := engine.Open(engine.Config{InstallationID: id, Store: st, Transport: t, MLS: m, Clock: s.opts.Clock,
		Observer: func(e engine.Event) {
			in.events = append(in.events, &pb.Event{Kind: string(e.Kind), Group: e.Group, Seq: e.Seq,
				Intent: e.Intent, Epoch: e.Epoch, Detail: e.Detail})
			if s.opts.Events != nil {
				s.opts.Events(id, e)
			}
		},
		MaxPastEpochs: past, WidthCap: int(in.options.GetWidthCap()), Byzantine: s.opts.Byzantine})
	if err != nil {
		return Failure(ReasonInternal, fmt.Sprintf("open %s: %v", id, err))
	}
	in.eng, in.batches, in.crashed = eng, map[uint64]*engine.SyncBatch{}, ""
	return nil
}

// Connect dials the topic server at addr now, so that a process can wait
// for its server before it opens installations (Open dials too).
func (s *Server) Connect(ctx context.Context, addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.connect(ctx, addr)
	return err
}

// connect returns the connection to a topic server, dialling it once.
func (s *Server) connect(ctx context.Context, addr string) (*nettransport.Client, error) {
	if c := s.conns[addr]; c != nil {
		return c, nil
	}
	c, err := nettransport.Dial(ctx, addr, nettransport.Options{Timeout: s.opts.Timeout, DialOptions: s.opts.DialOptions})
	if err != nil {
		if errors.Is(err, nettransport.ErrRejected) {
			// Another protocol version: no retry will help.
			return nil, Failure(ReasonInvalid, fmt.Sprintf("topic server %s: %v", addr, err))
		}
		return nil, Failure(ReasonNetwork, fmt.Sprintf("topic server %s: %v", addr, err))
	}
	s.conns[addr] = c
	return c, nil
}

// Restart drops the installation's engine, ending its subscriptions, and
// opens it again from its store (over the same topic server connection).
func (s *Server) Restart(ctx context.Context, req *pb.InstallationRequest) (*pb.AckResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.installation(req.GetInstallation())
	if err != nil {
		return nil, err
	}
	in.drop()
	in.crashed = ""
	if err := s.start(ctx, in); err != nil {
		// Down until a Restart succeeds: every call says so, cleanly.
		in.crashed = "restart failed: " + status.Convert(err).Message()
		return nil, err
	}
	ack, err := s.finish(in, nil)
	if ack == nil {
		return nil, err
	}
	return &pb.AckResponse{Ack: ack}, nil
}

func (s *Server) installation(id string) (*installation, error) {
	in := s.insts[id]
	if in == nil {
		return nil, Failure(ReasonUnknownInst, fmt.Sprintf("no installation %q is open here", id))
	}
	return in, nil
}

// call runs one engine call of an installation under the lock: a panic
// becomes an internal failure, the engine's error its status, and the
// store's new records are observed before the answer goes out.
func (s *Server) call(id string, f func(e *engine.Client) error) (ack *pb.Ack, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.installation(id)
	if err != nil {
		return nil, err
	}
	if in.crashed != "" {
		return nil, Failure(ReasonCrashed, in.crashed)
	}
	in.events = nil
	callErr := func() (err error) {
		defer func() {
			r := recover()
			if crash, ok := r.(faultwrap.Crash); ok {
				// A fault hook's crash: the engine object is gone, as in a
				// process that died there; the store keeps what it committed.
				in.drop()
				in.crashed = crash.Point
				err = Failure(ReasonCrashed, crash.Point)
			} else if r != nil {
				err = Failure(ReasonInternal, fmt.Sprintf("panic: %v\n%s", r, debug.Stack()))
			}
		}()
		return f(in.eng)
	}()
	return s.finish(in, statusOf(callErr))
}

// finish observes what the call changed and builds its Ack. The call's
// own error, if any, is returned beside it: a failed call may have
// changed the store (a publish whose outcome is unknown was recorded
// first), and reply sends the Ack with the failure.
func (s *Server) finish(in *installation, callErr error) (*pb.Ack, error) {
	through, err := in.log.poll()
	if err != nil {
		msg := fmt.Sprintf("observing %s: %v", in.id, err)
		if callErr != nil {
			msg += " (the call itself: " + status.Convert(callErr).Message() + ")"
		}
		return nil, Failure(ReasonInternal, msg)
	}
	ack := &pb.Ack{ObservedThrough: through, Events: in.events}
	in.events = nil
	return ack, callErr
}

// reply answers a call: its response, or — when it failed — its status
// with the response attached as a detail, so the driver gets the Ack and
// whatever the call did before it failed (a publish's action and intent).
func reply[R protoadapt.MessageV2](resp R, err error) (R, error) {
	if err == nil {
		return resp, nil
	}
	var zero R
	st, ok := status.FromError(err)
	if !ok {
		return zero, err
	}
	if with, werr := st.WithDetails(protoadapt.MessageV1Of(resp)); werr == nil {
		return zero, with.Err()
	}
	return zero, err
}

// drop forgets the installation's engine object and ends its
// subscriptions.
func (in *installation) drop() {
	if in.streams != nil {
		in.streams.closeAll()
	}
	in.eng, in.batches = nil, nil
}

func checkInstallationID(id string) error {
	account, name, ok := strings.Cut(id, "/")
	if !ok || account == "" || name == "" || strings.ContainsAny(id, " \t\n") || strings.Contains(name, "/") {
		return Failure(ReasonInvalid, fmt.Sprintf("installation %q is not ACCOUNT/NAME", id))
	}
	return nil
}

// wallClock is a real client's clock.
type wallClock struct{}

func (wallClock) NowNs() int64 { return time.Now().UnixNano() }
