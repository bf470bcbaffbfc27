package nettransport

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/mlsim/mlsim/engine"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// DefaultTimeout is a call's deadline when Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Options tune a Client.
type Options struct {
	// Timeout is each call's deadline (DefaultTimeout if zero).
	Timeout time.Duration
	// Version is the protocol version the client announces (topicv1.Current
	// if zero); another one is for testing the server's refusal.
	Version topicv1.ProtocolVersion
	// DialOptions are added after the client's own (plaintext
	// credentials).
	DialOptions []grpc.DialOption
}

// Client is one connection to a topic server, shared by the transports
// of any number of installations.
type Client struct {
	conn   *grpc.ClientConn
	api    topicv1.TopicServiceClient
	opts   Options
	base   context.Context // cancelled by Close: ends calls in progress
	cancel context.CancelFunc
	limits *topicv1.HelloResponse
}

// Dial connects to a topic server at target (host:port) and makes the
// Hello handshake, so that an unreachable server or one of another
// protocol version fails here (ErrNetwork, ErrRejected).
func Dial(ctx context.Context, target string, opts Options) (*Client, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Version == 0 {
		opts.Version = topicv1.Current
	}
	dial := append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts.DialOptions...)
	conn, err := grpc.NewClient(target, dial...)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", target, err)
	}
	base, cancel := context.WithCancel(context.Background())
	c := &Client{conn: conn, api: topicv1.NewTopicServiceClient(conn), opts: opts, base: base, cancel: cancel}
	// The handshake waits for the connection (within ctx and the call
	// deadline); later calls fail fast when it is down.
	hctx, done := c.callContext(ctx)
	defer done()
	c.limits, err = c.api.Hello(hctx, &topicv1.HelloRequest{}, grpc.WaitForReady(true))
	if err != nil {
		_ = c.Close()
		return nil, classify(fmt.Sprintf("hello %s", target), err)
	}
	if c.limits.GetProtocolVersion() != opts.Version {
		_ = c.Close()
		return nil, fmt.Errorf("hello %s: the server speaks %s, the client %s: %w",
			target, c.limits.GetProtocolVersion(), opts.Version, ErrRejected)
	}
	return c, nil
}

// Limits is what the server announced in the handshake.
func (c *Client) Limits() (maxPage, maxPayloadBytes int) {
	return int(c.limits.GetMaxPage()), int(c.limits.GetMaxPayloadBytes())
}

// Close ends the calls in progress and the connection.
func (c *Client) Close() error {
	c.cancel()
	return c.conn.Close()
}

// For returns the transport one installation uses: its publishes are
// stored under its name.
func (c *Client) For(installation string) engine.Transport {
	return &transport{c: c, who: installation}
}

// Revoke takes an installation out of the directory for good (what a
// user does with a lost device; the live harness calls it).
func (c *Client) Revoke(ctx context.Context, installation string) error {
	ctx, done := c.callContext(ctx)
	defer done()
	if _, err := c.api.RevokeInstallation(ctx, &topicv1.RevokeInstallationRequest{Installation: installation}); err != nil {
		return classify("revoke "+installation, err)
	}
	return nil
}

// callContext is one call's context: the caller's (or the client's),
// the per-call deadline, and the protocol version in the metadata.
func (c *Client) callContext(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(parent, c.opts.Timeout)
	stop := context.AfterFunc(c.base, cancel)
	return topicv1.WithVersion(ctx, c.opts.Version), func() {
		stop()
		cancel()
	}
}
