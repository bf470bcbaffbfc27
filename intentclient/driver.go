package intentclient

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// DefaultCallTimeout bounds each call a driver makes: a client under test
// that hangs fails the call instead of the run.
const DefaultCallTimeout = 30 * time.Second

// Driver is a connection to a client under test: any process serving the
// intent-client protocol.
type Driver struct {
	conn    *grpc.ClientConn
	rpc     pb.IntentClientServiceClient
	timeout time.Duration
	hello   *pb.HelloResponse
	hung    atomic.Int64 // calls that got no answer within timeout
}

// Hung is how many calls got no answer within the driver's deadline: the
// client may still be carrying them out, so what followed is not a
// sequence of calls it answered in order.
func (d *Driver) Hung() int64 { return d.hung.Load() }

// Dial connects to the client at addr (loopback: plaintext) and says
// Hello, retrying until ready or ctx ends: a client just started may not
// listen yet.
func Dial(ctx context.Context, addr string, timeout time.Duration) (*Driver, error) {
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		// A client just started listens within milliseconds: try again
		// soon, not after gRPC's default second.
		grpc.WithConnectParams(grpc.ConnectParams{MinConnectTimeout: time.Second,
			Backoff: backoff.Config{BaseDelay: 20 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second}}),
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
			invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			return invoker(pb.WithVersion(ctx, pb.Current), method, req, reply, cc, opts...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string,
			streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			return streamer(pb.WithVersion(ctx, pb.Current), desc, cc, method, opts...)
		}))
	if err != nil {
		return nil, fmt.Errorf("client at %s: %w", addr, err)
	}
	d := &Driver{conn: conn, rpc: pb.NewIntentClientServiceClient(conn), timeout: timeout}
	for {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		d.hello, err = d.rpc.Hello(cctx, &pb.HelloRequest{Version: pb.Current}, grpc.WaitForReady(true))
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil || status.Code(err) != codes.DeadlineExceeded {
			_ = conn.Close()
			return nil, fmt.Errorf("client at %s: hello: %w", addr, callError(err))
		}
	}
	if d.hello.GetVersion() != pb.Current {
		_ = conn.Close()
		return nil, fmt.Errorf("client at %s speaks protocol version %d, this driver %d", addr, d.hello.GetVersion(), pb.Current)
	}
	return d, nil
}

// Hello is what the client said it is.
func (d *Driver) Hello() *pb.HelloResponse { return d.hello }

// Close closes the connection.
func (d *Driver) Close() error { return d.conn.Close() }

// RPC is the raw service, for calls a driver makes itself.
func (d *Driver) RPC() pb.IntentClientServiceClient { return d.rpc }

// do makes one call with the driver's deadline and reads its failure: a
// failed call's status carries its response as a detail (reply), which
// is returned with the error — its Ack, and what the call did before it
// failed.
func do[R interface{ GetAck() *pb.Ack }](d *Driver, call func(ctx context.Context) (R, error)) (R, *pb.Ack, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	r, err := call(ctx)
	if err == nil {
		return r, r.GetAck(), nil
	}
	var ack *pb.Ack
	if st, ok := status.FromError(err); ok {
		for _, det := range st.Details() {
			if partial, ok := det.(R); ok {
				r, ack = partial, partial.GetAck()
			}
		}
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		d.hung.Add(1)
		return r, ack, fmt.Errorf("%w: the client did not answer within %s", ErrHung, d.timeout)
	}
	return r, ack, callError(err)
}

// ErrHung: a call got no answer within the driver's deadline.
var ErrHung = errors.New("client hung")
