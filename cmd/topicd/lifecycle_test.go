package main_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// A database topicd cannot open or write is a clear error on its log and
// exit code 2, before it listens: a missing directory, a directory, a
// file that is not a database, a path under a regular file.
func TestUnusableDatabaseExits2(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	require.NoError(t, os.WriteFile(junk, []byte("this is not a SQLite database, not even its header......................................................"), 0o600))
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	for _, tc := range []struct{ db, says string }{
		{filepath.Join(dir, "missing", "topics.db"), "its directory cannot be used"},
		{dir, "is a directory"},
		{junk, "file is not a database"},
		{filepath.Join(file, "topics.db"), "not a directory"},
	} {
		p := launch(t, "--listen", "127.0.0.1:0", "--db", tc.db)
		require.Equal(t, 2, p.wait(t), "%s:\n%s", tc.db, p.logText())
		require.Contains(t, p.logText(), "cannot open the database")
		require.Contains(t, p.logText(), tc.says)
		require.Empty(t, servingAddr(p.logText()))
	}
}

// Bad flags are exit code 2 too.
func TestBadFlagsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"--listen", "127.0.0.1:0"}, // no --db
		{"--db", filepath.Join(t.TempDir(), "t.db"), "--log-level", "loud"},
		{"--nonsense"},
		{"--db", filepath.Join(t.TempDir(), "t.db"), "--listen", "not an address"},
	} {
		p := launch(t, args...)
		require.Equal(t, 2, p.wait(t), "%v:\n%s", args, p.logText())
	}
}

// SIGTERM and SIGINT stop topicd gracefully: health answered SERVING
// before, the process logs that it stopped and exits 0, and what it
// acknowledged is there when it starts again.
func TestSignalStopsGracefully(t *testing.T) {
	db := filepath.Join(t.TempDir(), "topics.db")
	for i, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		p := start(t, "--db", db)
		conn, err := grpc.NewClient(p.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		require.NoError(t, err)
		ctx, cancel := call(t)
		h, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		require.NoError(t, err)
		require.Equal(t, healthpb.HealthCheckResponse_SERVING, h.GetStatus())
		r, err := topicv1.NewTopicServiceClient(conn).Publish(ctx, &topicv1.PublishRequest{Topic: "group/g", Payload: []byte{byte(i)}, Publisher: "a/1"})
		require.NoError(t, err)
		require.Equal(t, uint64(i+1), r.GetSeq())
		cancel()
		conn.Close()
		require.Equal(t, 0, p.signal(t, sig), "%s:\n%s", sig, p.logText())
		require.Contains(t, p.logText(), `"msg":"stopped"`)
	}
}
