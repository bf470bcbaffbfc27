package topictest

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/mlsim/mlsim/topicd"
)

// Serve runs a topicd over store on 127.0.0.1 (a free port) until the
// test ends, and returns its address. Its warnings and errors go to the
// test's log.
func Serve(t testing.TB, store topicd.Storage, opts ...grpc.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := topicd.New(topicd.Config{Storage: store, Logger: log, Options: opts})
	if err != nil {
		t.Fatalf("topicd: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("topicd shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("topicd serve: %v", err)
		}
	})
	return lis.Addr().String()
}

// SQLite opens a topicd SQLite database under the test's temporary
// directory.
func SQLite(t testing.TB) topicd.Storage {
	t.Helper()
	s, err := topicd.OpenSQLite(context.Background(), t.TempDir()+"/topics.db")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
