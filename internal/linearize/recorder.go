package linearize

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// Recorder records one client's publishes and queries. It is safe for
// concurrent use.
type Recorder struct {
	name string
	base time.Time

	mu   sync.Mutex
	ops  []Op
	at   map[uint64]int // ID → index in ops
	next uint64
	sink io.Writer
	err  error
}

// NewRecorder records for a client of this name (distinct per recorder
// in a merged history).
func NewRecorder(name string) *Recorder {
	return &Recorder{name: name, base: time.Now(), at: map[uint64]int{}}
}

// Sink makes the recorder also write each operation to w as a JSON
// line when it is called (pending) and again when it returns, so that a
// process killed during a call leaves a history ReadHistory completes. Each
// line is one Write; w should be a file opened for appending.
func (r *Recorder) Sink(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sink = w
}

// Err is the first error writing to the sink.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Now is the recorder's clock, in nanoseconds: the machine's monotonic
// clock (CLOCK_MONOTONIC), which never runs backwards and is one clock for
// every process on the machine, so the histories of a run's processes
// merge.
func (r *Recorder) Now() int64 { return machineClock(r.base) }

// History is what was recorded so far, in call order; calls still in
// progress are left out.
func (r *Recorder) History() History {
	r.mu.Lock()
	defer r.mu.Unlock()
	var h History
	for _, op := range r.ops {
		if !op.Pending {
			h = append(h, op)
		}
	}
	return Merge(h)
}

// Begin records a call (op's Kind, Topic and inputs) made now, and returns
// its ID for End or Fail.
func (r *Recorder) Begin(op Op) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	op.Client, op.ID, op.Pending, op.Call = r.name, r.next, true, r.Now()
	r.at[op.ID] = len(r.ops)
	r.ops = append(r.ops, op)
	r.write(op)
	return op.ID
}

// delivered records a delivery that arrived now.
func (r *Recorder) delivered(topic string, rec Record) {
	now := r.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	op := Op{Client: r.name, ID: r.next, Kind: Delivery, Topic: topic, Call: now, Return: now, Records: []Record{rec}}
	r.at[op.ID] = len(r.ops)
	r.ops = append(r.ops, op)
	r.write(op)
}

// End records the answer to call id: a publish's Seq and TimestampNs, a
// query's Head and Records.
func (r *Recorder) End(id uint64, answer Op) {
	now := r.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	op := &r.ops[r.at[id]]
	op.Pending, op.Return = false, now
	op.Seq, op.TimestampNs, op.Head, op.Records = answer.Seq, answer.TimestampNs, answer.Head, answer.Records
	r.write(*op)
}

// Fail records that call id failed. stored says whether the call may have
// taken effect: a publish that may have been stored has an unknown
// outcome; anything else is left out of the history.
func (r *Recorder) Fail(id uint64, stored bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := r.at[id]
	op := &r.ops[i]
	if stored && op.Kind == Publish {
		op.Pending, op.Unknown = false, true
		r.write(*op)
		return
	}
	gone := *op
	gone.Pending, gone.Failed = false, true
	r.ops = append(r.ops[:i], r.ops[i+1:]...)
	delete(r.at, id)
	for j := i; j < len(r.ops); j++ {
		r.at[r.ops[j].ID] = j
	}
	r.write(gone)
}

func (r *Recorder) write(op Op) {
	if r.sink == nil || r.err != nil {
		return
	}
	b, err := json.Marshal(op)
	if err == nil {
		_, err = r.sink.Write(append(b, '\n'))
	}
	r.err = err
}

// DialOptions record the client's Publish and Query calls and its
// subscriptions' deliveries (for nettransport.Options.DialOptions or
// grpc.NewClient).
func (r *Recorder) DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(r.Interceptor()),
		grpc.WithChainStreamInterceptor(r.StreamInterceptor()),
	}
}

// StreamInterceptor records each envelope a Subscribe stream delivers as
// a Delivery: the record was stored when it arrived (a record, once
// stored, stays, so the instant of arrival is as good as any since the
// subscription opened).
func (r *Recorder) StreamInterceptor() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		cs, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil || method != topicv1.TopicService_Subscribe_FullMethodName {
			return cs, err
		}
		return &recordedStream{ClientStream: cs, r: r}, nil
	}
}

type recordedStream struct {
	grpc.ClientStream
	r     *Recorder
	topic string
}

func (s *recordedStream) SendMsg(m any) error {
	if q, ok := m.(*topicv1.SubscribeRequest); ok {
		s.topic = q.GetTopic()
	}
	return s.ClientStream.SendMsg(m)
}

func (s *recordedStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if e, ok := m.(*topicv1.Envelope); ok && err == nil {
		s.r.delivered(s.topic, Record{Seq: e.GetSeq(), TimestampNs: e.GetTimestampNs(), Payload: DigestOf(e.GetPayload())})
	}
	return err
}

// Interceptor records Publish and Query calls and passes every call on.
func (r *Recorder) Interceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		var id uint64
		switch q := req.(type) {
		case *topicv1.PublishRequest:
			if method != topicv1.TopicService_Publish_FullMethodName {
				break
			}
			id = r.Begin(Op{Kind: Publish, Topic: q.GetTopic(), Payload: DigestOf(q.GetPayload())})
		case *topicv1.QueryRequest:
			if method != topicv1.TopicService_Query_FullMethodName {
				break
			}
			id = r.Begin(Op{Kind: Query, Topic: q.GetTopic(), After: q.GetAfterSeq(), Limit: int(q.GetLimit())})
		}
		err := invoker(ctx, method, req, reply, cc, opts...)
		if id == 0 {
			return err
		}
		if err != nil {
			r.Fail(id, mayHaveStored(err))
			return err
		}
		switch a := reply.(type) {
		case *topicv1.PublishResponse:
			r.End(id, Op{Seq: a.GetSeq(), TimestampNs: a.GetTimestampNs()})
		case *topicv1.QueryResponse:
			recs := make([]Record, 0, len(a.GetEnvelopes()))
			for _, e := range a.GetEnvelopes() {
				recs = append(recs, Record{Seq: e.GetSeq(), TimestampNs: e.GetTimestampNs(), Payload: DigestOf(e.GetPayload())})
			}
			r.End(id, Op{Head: a.GetHead(), Records: recs})
		}
		return nil
	}
}

// mayHaveStored: topicd stores nothing for a request it refuses
// (INVALID_ARGUMENT, FAILED_PRECONDITION); any other failure (a deadline,
// a lost connection, an internal error) leaves the outcome unknown.
func mayHaveStored(err error) bool {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.FailedPrecondition:
		return false
	}
	return true
}
