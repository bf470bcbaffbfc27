package nettransport_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"github.com/mlsim/mlsim/internal/topictest"
	"github.com/mlsim/mlsim/nettransport"
	"github.com/mlsim/mlsim/topicd"
)

// server is an in-process topicd over a SQLite file of the test's, with
// the given server options (fault interceptors), and its database path.
func server(t testing.TB, opts ...grpc.ServerOption) (addr, db string) {
	t.Helper()
	db = t.TempDir() + "/topics.db"
	s, err := topicd.OpenSQLite(context.Background(), db)
	require.NoError(t, err)
	return topictest.Serve(t, s, opts...), db
}

// dial connects a client with a per-call deadline.
func dial(t testing.TB, addr string, timeout time.Duration) *nettransport.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := nettransport.Dial(ctx, addr, nettransport.Options{Timeout: timeout})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}
