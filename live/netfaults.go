package live

import (
	"context"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

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
	// FaultStreamDrop: a subscription's next delivery is lost.
	FaultStreamDrop = "stream-drop"
	// FaultStreamDuplicate: a subscription's next delivery comes twice.
	FaultStreamDuplicate = "stream-duplicate"
	// FaultStreamBreak: a subscription fails (UNAVAILABLE) at its next
	// receive.
	FaultStreamBreak = "stream-break"
)

// FaultKinds lists the network faults, in a fixed order.
var FaultKinds = []string{FaultDropPublish, FaultDropResponse, FaultDelayPublish, FaultDropQuery, FaultPartition,
	FaultStreamDrop, FaultStreamDuplicate, FaultStreamBreak}

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

// streamInterceptor applies the armed stream faults to Subscribe streams'
// deliveries.
func (f *netFaults) streamInterceptor() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		cs, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil || method != topicv1.TopicService_Subscribe_FullMethodName {
			return cs, err
		}
		return &faultyStream{ClientStream: cs, f: f}, nil
	}
}

// faultyStream is a subscription the armed stream faults act on. Its
// RecvMsg runs on the subscription's own receiving goroutine.
type faultyStream struct {
	grpc.ClientStream
	f     *netFaults
	again *topicv1.Envelope // a delivery to give twice
}

func (s *faultyStream) RecvMsg(m any) error {
	e, ok := m.(*topicv1.Envelope)
	if !ok {
		return s.ClientStream.RecvMsg(m)
	}
	if s.again != nil {
		proto.Reset(e)
		proto.Merge(e, s.again)
		s.again = nil
		return nil
	}
	if s.f.take(FaultStreamBreak) {
		return status.Error(codes.Unavailable, "live fault: stream broken")
	}
	if err := s.ClientStream.RecvMsg(m); err != nil {
		return err
	}
	switch {
	case s.f.take(FaultStreamDrop):
		return s.ClientStream.RecvMsg(m) // the one received is lost
	case s.f.take(FaultStreamDuplicate):
		s.again = proto.Clone(e).(*topicv1.Envelope)
	}
	return nil
}

// dialOptions are the faults' interceptors as dial options, chained after
// any others.
func (f *netFaults) dialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithChainUnaryInterceptor(f.interceptor()), grpc.WithChainStreamInterceptor(f.streamInterceptor())}
}
