package conform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

	"google.golang.org/grpc"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/sim"
	"github.com/mlsim/mlsim/topicd"
)

// endpoint is one installation's door into a simulated world's network:
// a topic server (topicd's gRPC service, unchanged) on its own loopback
// port, whose storage is the installation's own transport in the world —
// memnet with its faults, under the recorder the checker reads (S9). A
// port per installation is how the world knows who calls: the faults a
// script arms for an installation reach that installation's calls.
type endpoint struct {
	srv     *topicd.Server
	addr    string
	done    chan error
	streams *streamHub // Subscribe is served here, not by topicd (streams.go)
}

// serveTransport starts an endpoint for installation id over t. lock is
// held around every call into the world, which is not safe for
// concurrent use (the driver is blocked in a call meanwhile; the lock
// makes that explicit).
func serveTransport(id string, t sim.RemoteTransport, lock *sync.Mutex) (*endpoint, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hub := newStreamHub(t, lock)
	srv, err := topicd.New(topicd.Config{Storage: &transportStorage{id: id, t: t, lock: lock},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options: []grpc.ServerOption{grpc.StreamInterceptor(hub.intercept)}})
	if err != nil {
		_ = lis.Close()
		return nil, err
	}
	e := &endpoint{srv: srv, addr: lis.Addr().String(), done: make(chan error, 1), streams: hub}
	go func() { e.done <- srv.Serve(lis) }()
	return e, nil
}

func (e *endpoint) close() {
	close(e.streams.closing)
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	_ = e.srv.Shutdown(ctx)
	<-e.done
}

// transportStorage is topicd.Storage over one installation's transport.
type transportStorage struct {
	id   string
	t    sim.RemoteTransport
	lock *sync.Mutex
}

// errNotOurs: a call made in another installation's name through this
// one's endpoint.
var errNotOurs = errors.New("this endpoint serves one installation only")

func (s *transportStorage) Publish(_ context.Context, topic, publisher string, payload []byte, _ int64) (uint64, error) {
	if publisher != s.id {
		return 0, fmt.Errorf("%w: publisher %q at %s's endpoint", errNotOurs, publisher, s.id)
	}
	s.lock.Lock()
	defer s.lock.Unlock()
	// The world's server assigns the sequence id and the timestamp. The
	// answer carries that sequence id; its timestamp is topicd's clock,
	// not the record's (topicd stamps before it stores), which a reader
	// of the topic sees instead.
	seq, _, err := s.t.PublishAt(topic, payload)
	return seq, err
}

func (s *transportStorage) Query(_ context.Context, topic string, afterSeq uint64, limit int) (topicd.Page, error) {
	s.lock.Lock()
	defer s.lock.Unlock()
	p, err := s.t.Query(topic, afterSeq, limit)
	if err != nil {
		return topicd.Page{}, err
	}
	out := topicd.Page{Head: p.Head}
	for _, e := range p.Envelopes {
		out.Envelopes = append(out.Envelopes, topicd.Envelope{Seq: e.Seq, TimestampNs: e.TimestampNs, Payload: e.Payload})
	}
	return out, nil
}

func (s *transportStorage) UploadKeyPackages(_ context.Context, account, installation string, kps [][]byte) error {
	if installation != s.id {
		return fmt.Errorf("%w: upload for %q at %s's endpoint", errNotOurs, installation, s.id)
	}
	s.lock.Lock()
	defer s.lock.Unlock()
	err := s.t.UploadKeyPackages(account, installation, kps)
	if errors.Is(err, engine.ErrRevoked) {
		return topicd.ErrRevoked
	}
	return err
}

// Revoke is the world's to do (a script's revoke), never a client's.
func (s *transportStorage) Revoke(context.Context, string) error {
	return fmt.Errorf("%w: revocations are the world's", errNotOurs)
}

func (s *transportStorage) DirectoryVersion(context.Context) (uint64, error) {
	s.lock.Lock()
	defer s.lock.Unlock()
	return s.t.DirectoryVersion()
}

func (s *transportStorage) FetchKeyPackage(_ context.Context, installation string) ([]byte, error) {
	s.lock.Lock()
	defer s.lock.Unlock()
	kp, err := s.t.FetchKeyPackage(installation)
	if errors.Is(err, engine.ErrNoKeyPackage) {
		return nil, topicd.ErrNoKeyPackage
	}
	return kp, err
}

func (s *transportStorage) KeyPackageCount(_ context.Context, installation string) (int, error) {
	s.lock.Lock()
	defer s.lock.Unlock()
	return s.t.KeyPackageCount(installation)
}

func (s *transportStorage) Installations(_ context.Context, account string) ([]string, error) {
	s.lock.Lock()
	defer s.lock.Unlock()
	return s.t.Installations(account)
}

func (s *transportStorage) Close() error { return nil }
