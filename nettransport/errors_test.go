package nettransport_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/nettransport"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// afterCommit is a server interceptor that, while armed, lets a Publish
// be stored and then holds its answer past the client's deadline: the
// client cannot know the publish landed. It counts every Publish that
// reached the server.
type afterCommit struct {
	armed     atomic.Int32 // publishes still to hold
	hold      time.Duration
	publishes atomic.Int32
}

func (a *afterCommit) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if info.FullMethod != topicv1.TopicService_Publish_FullMethodName {
		return h(ctx, req)
	}
	a.publishes.Add(1)
	resp, err := h(ctx, req)
	if err == nil && a.armed.Add(-1) >= 0 {
		select { // the client gives up first; the server answers into the void
		case <-ctx.Done():
		case <-time.After(a.hold):
		}
	}
	return resp, err
}

// A deadline that expires after the server stored the publish is an
// ErrNetwork (unknown outcome, the status kept), the payload is there, and
// the transport did not try again.
func TestDeadlineAfterCommitIsUnknownOutcome(t *testing.T) {
	fault := &afterCommit{hold: 2 * time.Second}
	fault.armed.Store(1)
	addr, _ := server(t, grpc.UnaryInterceptor(fault.intercept))
	c := dial(t, addr, 300*time.Millisecond)
	tr := c.For("a/1")
	err := tr.Publish("group/g", []byte("x"))
	require.ErrorIs(t, err, nettransport.ErrNetwork)
	require.NotErrorIs(t, err, nettransport.ErrRejected)
	require.Equal(t, codes.DeadlineExceeded, status.Code(err))
	require.Equal(t, int32(1), fault.publishes.Load(), "made once, never retried")
	p, err := tr.Query("group/g", 0, 10)
	require.NoError(t, err)
	require.Equal(t, uint64(1), p.Head, "stored although the client saw an error")
}

// A server that is gone is an ErrNetwork on every call.
func TestServerGoneIsNetworkError(t *testing.T) {
	addr, _ := server(t)
	c := dial(t, addr, time.Second)
	tr := c.For("a/1")
	require.NoError(t, tr.Publish("group/g", []byte("x")))
	require.NoError(t, c.Close())
	require.ErrorIs(t, tr.Publish("group/g", []byte("y")), nettransport.ErrNetwork)
	_, err := tr.Query("group/g", 0, 10)
	require.ErrorIs(t, err, nettransport.ErrNetwork)
}

// What the server refuses is ErrRejected, not ErrNetwork: nothing was
// stored. A consumed directory is engine.ErrNoKeyPackage.
func TestRejectionsAndNoKeyPackage(t *testing.T) {
	addr, _ := server(t)
	tr := dial(t, addr, time.Second).For("a/1")
	err := tr.Publish("group/g", nil)
	require.ErrorIs(t, err, nettransport.ErrRejected)
	require.NotErrorIs(t, err, nettransport.ErrNetwork)
	require.Equal(t, codes.InvalidArgument, status.Code(err))
	_, err = tr.FetchKeyPackage("b/1")
	require.ErrorIs(t, err, engine.ErrNoKeyPackage)
}

// A client of another protocol version fails at Dial, with both versions
// named.
func TestOtherVersionFailsAtDial(t *testing.T) {
	addr, _ := server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := nettransport.Dial(ctx, addr, nettransport.Options{Version: topicv1.ProtocolVersion(2)})
	require.ErrorIs(t, err, nettransport.ErrRejected)
	require.Equal(t, codes.FailedPrecondition, status.Code(err))
	require.Contains(t, err.Error(), "the client speaks version 2, the server speaks version 1")
}
