//go:debug randseednop=0
package intentclient_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/intentclient"
	"github.com/mlsim/mlsim/internal/faultwrap"
	"github.com/mlsim/mlsim/internal/topictest"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"github.com/mlsim/mlsim/topicd"
)

// serve starts our reference client on loopback, against an in-process
// topicd, and dials it; both stop with the test.
func serve(t *testing.T, opts intentclient.Options) (d *intentclient.Driver, topic, addr string) {
	t.Helper()
	st, err := topicd.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "topics.db"))
	require.NoError(t, err)
	topic = topictest.Serve(t, st)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := intentclient.NewServer(opts)
	g := grpc.NewServer(intentclient.ServerOptions()...)
	srv.Register(g)
	go func() { _ = g.Serve(lis) }()
	t.Cleanup(func() { g.Stop(); _ = srv.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err = intentclient.Dial(ctx, lis.Addr().String(), 10*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return d, topic, lis.Addr().String()
}

// A call without this protocol's version is refused, whatever it is; one
// naming no open installation, or a malformed one, says which reason.
func TestServerRefuses(t *testing.T) {
	d, topic, addr := serve(t, intentclient.Options{})
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err == nil {
		_, err = pb.NewIntentClientServiceClient(conn).Hello(context.Background(), &pb.HelloRequest{})
		_ = conn.Close()
	}
	require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	require.Equal(t, intentclient.ReasonVersion, intentclient.ReasonOf(err))

	_, err = d.RPC().Send(context.Background(), &pb.SendRequest{Installation: "alice/1", Group: "g", Body: []byte("x")})
	require.Equal(t, intentclient.ReasonUnknownInst, intentclient.ReasonOf(err), "%v", err)
	_, _, err = d.Open("alice", topic, filepath.Join(t.TempDir(), "a.db"), nil)
	require.Equal(t, intentclient.ReasonInvalid, intentclient.ReasonOf(err), "%v", err)
	_, _, err = d.Open("alice/1", topic, filepath.Join(t.TempDir(), "a.db"), &pb.ClientOptions{MlsVariant: "no-such-defence"})
	require.Equal(t, intentclient.ReasonInvalid, intentclient.ReasonOf(err), "%v", err)

	// Without Options.FaultHooks the hooks are not served.
	r, created, err := d.Open("alice/1", topic, filepath.Join(t.TempDir(), "a.db"), nil)
	require.NoError(t, err)
	require.True(t, created)
	defer r.Close()
	require.NotContains(t, d.Hello().GetFeatures(), intentclient.FeatureFaultHooks)
	require.ErrorIs(t, r.ArmCrash("tx", 0), intentclient.ErrUnimplemented)
}

// A fault hook's crash: the call that reaches it fails "crashed" (raised
// as our fuse's panic when the driver asks), every later call too, what
// the store committed stays, and Restart brings the installation back
// with its records continuing.
func TestServerFaultHookCrash(t *testing.T) {
	d, topic, _ := serve(t, intentclient.Options{FaultHooks: true, Byzantine: true})
	require.Contains(t, d.Hello().GetFeatures(), intentclient.FeatureFaultHooks)
	r, _, err := d.Open("alice/1", topic, filepath.Join(t.TempDir(), "a.db"), nil)
	require.NoError(t, err)
	defer r.Close()
	require.NoError(t, r.CreateGroup("g"))
	id, err := r.Send("g", []byte("before"))
	require.NoError(t, err)

	require.NoError(t, r.ArmCrash("send", 0))
	_, err = r.PublishNext("g")
	require.ErrorIs(t, err, faultwrap.ErrCrashed)
	var ce *intentclient.CallError
	require.True(t, errors.As(err, &ce))
	require.Equal(t, "crash_before_send", ce.CrashPoint())
	_, err = r.Send("g", []byte("while down"))
	require.Equal(t, intentclient.ReasonCrashed, intentclient.ReasonOf(err), "a crashed installation answers crashed until a restart")

	r.PanicOnCrash = true
	require.NoError(t, r.Restart())
	require.NoError(t, r.ArmCrash("tx", 0))
	require.PanicsWithValue(t, faultwrap.Crash{Point: "crash_before_tx"}, func() { _, _ = r.Send("g", []byte("x")) })
	require.NoError(t, r.Restart())

	st, err := r.Records.State("alice/1")
	require.NoError(t, err)
	var held []int64
	for _, in := range st.Intents {
		held = append(held, in.ID)
	}
	require.Contains(t, held, id, "what the store committed before the crash stays")
	// Its own rounds finish the work the crashes interrupted.
	for range 4 {
		_, err := r.Upkeep()
		require.NoError(t, err)
	}
	st, err = r.Records.State("alice/1")
	require.NoError(t, err)
	for _, in := range st.Intents {
		require.Equal(t, checker.StateCommitted, in.State, "intent %d after the rounds", in.ID)
	}
}
