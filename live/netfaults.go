package live

import (
	"context"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// Network faults a client process injects into its own calls, on the
// harness's command, with a gRPC client interceptor under the order
// recorder (so the recorder, like the engine, sees what a real client
// would: an error of unknown outcome).
const (
	// FaultDropPublish: the next publish is never sent; the caller gets
	// UNAVAILABLE (a request lost on the way).
	FaultDropPublish = "drop-publish"
	// FaultDropResponse: the next publish is sent and stored, then its
	// response is lost; the caller gets DEADLINE_EXCEEDED.
	FaultDropResponse = "drop-response"
	// FaultDelayPublish: the next publish is held for the fault's
	// duration and then sent (it lands late); the caller gets
	// DEADLINE_EXCEEDED at once.
	FaultDelayPublish = "delay-publish"
	// FaultDropQuery: the next query fails with UNAVAILABLE.
	FaultDropQuery = "drop-query"
	// FaultPartition: every call fails with UNAVAILABLE for the fault's
	// duration.
	FaultPartition = "partition"
)

// FaultKinds lists the network faults, in a fixed order.
var FaultKinds = []string{FaultDropPublish, FaultDropResponse, FaultDelayPublish, FaultDropQuery, FaultPartition}

// netFaults is a client process's armed faults.
type netFaults struct {
	mu        sync.Mutex
	armed     map[string]int // kind -> calls it still affects
	delay     time.Duration
	partition time.Time // calls fail until then
	late      sync.WaitGroup
	fired     map[string]int // kind -> times it fired
}

func newNetFaults() *netFaults {
	return &netFaults{armed: map[string]int{}, fired: map[string]int{}}
}

// arm sets a fault up.
func (f *netFaults) arm(kind string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch kind {
	case FaultPartition:
		f.partition = time.Now().Add(d)
	case FaultDelayPublish:
		f.delay = d
		f.armed[kind]++
	default:
		f.armed[kind]++
	}
}

// heal clears every fault (a publish already held still lands: wait
// for late).
func (f *netFaults) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.armed)
	f.partition = time.Time{}
}

// take reports whether a fault of kind fires for this call, consuming it.
func (f *netFaults) take(kind string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.armed[kind] == 0 {
		return false
	}
	f.armed[kind]--
	f.fired[kind]++
	return true
}

func (f *netFaults) partitioned() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if time.Now().Before(f.partition) {
		f.fired[FaultPartition]++
		return true
	}
	return false
}

// interceptor applies the armed faults to Publish and Query calls.
func (f *netFaults) interceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if f.partitioned() {
			return status.Error(codes.Unavailable, "live fault: partitioned")
		}
		switch method {
		case topicv1.TopicService_Publish_FullMethodName:
			switch {
			case f.take(FaultDropPublish):
				return status.Error(codes.Unavailable, "live fault: request dropped")
			case f.take(FaultDropResponse):
				if err := invoker(ctx, method, req, reply, cc, opts...); err != nil {
					return err
				}
				return status.Error(codes.DeadlineExceeded, "live fault: response dropped")
			case f.take(FaultDelayPublish):
				f.sendLate(ctx, method, req, cc, invoker, opts)
				return status.Error(codes.DeadlineExceeded, "live fault: request delayed")
			}
		case topicv1.TopicService_Query_FullMethodName:
			if f.take(FaultDropQuery) {
				return status.Error(codes.Unavailable, "live fault: query dropped")
			}
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// sendLate sends a held publish after the delay through the rest of the
// chain (not again through the recorder: the call was made once), with
// the call's metadata (the protocol version) and a deadline of its own.
func (f *netFaults) sendLate(ctx context.Context, method string, req any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts []grpc.CallOption) {
	f.mu.Lock()
	d := f.delay
	f.mu.Unlock()
	md, _ := metadata.FromOutgoingContext(ctx)
	f.late.Add(1)
	go func() {
		defer f.late.Done()
		time.Sleep(d)
		lctx, cancel := context.WithTimeout(metadata.NewOutgoingContext(context.Background(), md), 5*time.Second)
		defer cancel()
		_ = invoker(lctx, method, req, new(topicv1.PublishResponse), cc, opts...)
	}()
}

// grpcChain makes interceptors dial options, chained after any others.
func grpcChain(i grpc.UnaryClientInterceptor) []grpc.DialOption {
	return []grpc.DialOption{grpc.WithChainUnaryInterceptor(i)}
}
