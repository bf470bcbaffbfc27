package naiveclient

import (
	"context"
	"net"
	"strconv"
	"sync"

	"github.com/mlsim/mlsim/mlsadapter"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// Server is the naive client: every installation it hosts, each
// independent of the others.
type Server struct {
	pb.UnimplementedIntentClientServiceServer

	// mu serialises every call that touches an installation. Naive, and
	// also needed: mlsadapter swaps the process-global crypto/rand source
	// around each go-mls call, so two MLS calls must never overlap.
	mu    sync.Mutex
	insts map[string]*installation

	// logsMu guards logs alone, so Observe never waits behind a call.
	logsMu sync.Mutex
	logs   map[string]*obsLog

	grpcMu sync.Mutex
	grpc   *grpc.Server
}

// installation is one open installation: its stored state and what lives
// in memory beside it.
type installation struct {
	id, account string
	path        string
	st          *stored
	mls         *mlsadapter.Adapter
	ident       mlsIdentity
	states      map[string]mlsGroup // live MLS state per group held
	topic       *topicClient
	log         *obsLog
	// shown: each state record's last value in the log (its encoding).
	shown map[string][]byte
	// pending: the append-only records of the call in progress.
	pending []*pb.Observation
}

// New returns a client hosting no installation yet.
func New() *Server {
	return &Server{insts: map[string]*installation{}, logs: map[string]*obsLog{}}
}

// Serve runs a new client on lis until the process ends.
func Serve(lis net.Listener) error { return New().Serve(lis) }

// Serve answers the protocol on lis until Stop.
func (s *Server) Serve(lis net.Listener) error {
	g := grpc.NewServer(grpc.UnaryInterceptor(checkVersionUnary), grpc.StreamInterceptor(checkVersionStream))
	pb.RegisterIntentClientServiceServer(g, s)
	s.grpcMu.Lock()
	s.grpc = g
	s.grpcMu.Unlock()
	return g.Serve(lis)
}

// Stop ends the server, its streams and every installation's connection.
func (s *Server) Stop() {
	s.grpcMu.Lock()
	g := s.grpc
	s.grpcMu.Unlock()
	if g != nil {
		g.Stop()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range s.insts {
		in.topic.close()
	}
	s.insts = map[string]*installation{}
}

// checkVersion refuses a driver of another protocol version, whatever the
// call (implemented or not).
func checkVersion(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	want := strconv.Itoa(int(pb.Current))
	if got := md.Get(pb.VersionKey); len(got) != 1 || got[0] != want {
		return status.Errorf(codes.FailedPrecondition, "version: the client speaks protocol %s, the driver sent %q", want, got)
	}
	return nil
}

func checkVersionUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := checkVersion(ctx); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func checkVersionStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := checkVersion(ss.Context()); err != nil {
		return err
	}
	return h(srv, ss)
}

// logFor returns an installation's log, creating it when create is set.
func (s *Server) logFor(id string, create bool) *obsLog {
	s.logsMu.Lock()
	defer s.logsMu.Unlock()
	l := s.logs[id]
	if l == nil && create {
		l = newObsLog()
		s.logs[id] = l
	}
	return l
}

// call runs f on an open installation under the lock, then records what
// it changed and saves the state file (after the call: naive). The Ack
// names the log's last record; a failed call has one too (see reply).
func (s *Server) call(id string, f func(in *installation) error) (*pb.Ack, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.insts[id]
	if in == nil {
		return nil, unknownInstallationErr(id)
	}
	err := f(in)
	in.flush()
	if serr := in.save(); serr != nil && err == nil {
		err = internalErr("save %s: %v", in.path, serr)
	}
	return &pb.Ack{ObservedThrough: in.log.last()}, err
}

// reply answers a call. A failed call's status carries the response as a
// detail — its Ack and what the call did before it failed — so a driver
// can read the records of a call that failed half-way (the driver of
// package intentclient looks for it); its message keeps the reason word.
func reply[R proto.Message](resp R, err error) (R, error) {
	if err == nil {
		return resp, nil
	}
	var none R
	st, ok := status.FromError(err)
	if !ok {
		return none, err
	}
	if detailed, derr := st.WithDetails(protoadapt.MessageV1Of(resp)); derr == nil {
		return none, detailed.Err()
	}
	return none, err
}

// Hello names the client. It serves none of the optional features: no
// permissions, batches, streams, consent or forging (Restart is required
// of every client, and it has it).
func (s *Server) Hello(context.Context, *pb.HelloRequest) (*pb.HelloResponse, error) {
	return &pb.HelloResponse{Version: pb.Current, Implementation: "naive 0.1", Features: nil}, nil
}
