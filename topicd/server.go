package topicd

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// Config is what a Server is built from.
type Config struct {
	// Storage holds the topics and the directory; the Server closes it on
	// Shutdown.
	Storage Storage
	// Logger receives the server's structured logs (slog.Default if nil).
	Logger *slog.Logger
	// NowNs is the server's clock for envelope timestamps (the wall clock
	// if nil). Timestamps may tie or jump; readers order by sequence id.
	NowNs func() int64
	// Options are added to the gRPC server's: interceptors a harness uses
	// to inject faults, for one.
	Options []grpc.ServerOption
}

// Server is a running topicd: TopicService and the standard gRPC health
// service over one listener.
type Server struct {
	grpc     *grpc.Server
	health   *health.Server
	store    Storage
	log      *slog.Logger
	stopping chan struct{} // closed by Shutdown: subscriptions end, so GracefulStop need not wait for them
}

// New builds a server over its storage. Health reports NOT_SERVING until
// Serve starts.
func New(cfg Config) (*Server, error) {
	if cfg.Storage == nil {
		return nil, errors.New("topicd: no storage")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.NowNs == nil {
		cfg.NowNs = func() int64 { return time.Now().UnixNano() }
	}
	pending := &undecoded{}
	opts := append([]grpc.ServerOption{grpc.MaxRecvMsgSize(maxRecvBytes), grpc.ForceServerCodecV2(newRequestCodec(pending))}, cfg.Options...)
	s := &Server{grpc: grpc.NewServer(opts...), health: health.NewServer(), store: cfg.Storage, log: cfg.Logger,
		stopping: make(chan struct{})}
	s.grpc.RegisterService(guardedDesc(pending), &service{store: cfg.Storage, nowNs: cfg.NowNs, log: cfg.Logger, stopping: s.stopping})
	healthpb.RegisterHealthServer(s.grpc, s.health)
	s.setServing(healthpb.HealthCheckResponse_NOT_SERVING)
	return s, nil
}

// setServing sets both the server's overall health ("") and
// TopicService's.
func (s *Server) setServing(st healthpb.HealthCheckResponse_ServingStatus) {
	s.health.SetServingStatus("", st)
	s.health.SetServingStatus(topicv1.TopicService_ServiceDesc.ServiceName, st)
}

// Serve answers calls on lis until Shutdown; it returns nil then.
func (s *Server) Serve(lis net.Listener) error {
	s.setServing(healthpb.HealthCheckResponse_SERVING)
	s.log.Info("serving", "addr", lis.Addr().String(), "protocol", topicv1.Current.String())
	err := s.grpc.Serve(lis)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// Shutdown reports NOT_SERVING, ends the subscriptions (UNAVAILABLE: their
// clients subscribe again elsewhere or later), lets the other calls in
// progress finish (until ctx ends, then cuts them off), and closes the
// storage. Call it once. A publish cut off
// may have been stored unanswered: its client sees an unknown outcome, as
// after any lost connection.
func (s *Server) Shutdown(ctx context.Context) error {
	s.health.Shutdown() // NOT_SERVING for every service, and stays so
	close(s.stopping)
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-ctx.Done():
		s.log.Warn("graceful stop timed out; cutting calls off")
		s.grpc.Stop()
		<-stopped
	}
	err := s.store.Close()
	s.log.Info("stopped")
	return err
}
