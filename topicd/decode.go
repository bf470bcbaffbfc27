package topicd

import (
	"sync"

	"google.golang.org/grpc/encoding"
	_ "google.golang.org/grpc/encoding/proto" // registers the "proto" codec requestCodec wraps
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
)

// requestCodec is gRPC's protobuf codec, except for one case: a
// TopicService request that does not decode is not failed here. grpc-go
// answers a codec error with INTERNAL, blaming the server for what the
// client sent, and sends that status before any handler runs. Instead the
// codec keeps the error for the method's guard (guardedDesc), which
// answers INVALID_ARGUMENT; the handler is never called.
type requestCodec struct {
	base    encoding.CodecV2
	pending *undecoded
}

// undecoded holds decode errors by request message, from the codec until
// the guard of the same call takes them (right after decoding).
type undecoded struct{ m sync.Map }

func (u *undecoded) take(req any) error {
	if err, ok := u.m.LoadAndDelete(req); ok {
		return err.(error)
	}
	return nil
}

func newRequestCodec(pending *undecoded) requestCodec {
	return requestCodec{base: encoding.GetCodecV2("proto"), pending: pending}
}

func (c requestCodec) Name() string { return c.base.Name() }

func (c requestCodec) Marshal(v any) (mem.BufferSlice, error) { return c.base.Marshal(v) }

func (c requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.base.Unmarshal(data, v)
	if err != nil && isTopicMessage(v) {
		c.pending.m.Store(v, err)
		return nil
	}
	return err
}

// isTopicMessage: only TopicService's requests are deferred; they are
// decoded by guarded handlers alone, so every deferred error is taken.
func isTopicMessage(v any) bool {
	m, ok := v.(proto.Message)
	return ok && m.ProtoReflect().Descriptor().ParentFile().Package() == "mlsim.topic.v1"
}
