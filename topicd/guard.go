package topicd

import (
	"context"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// guardedDesc is TopicService's descriptor with two checks in front of
// every method and stream, made before the request reaches the service (or any
// interceptor):
//   - the caller's protocol version, read from the metadata before the
//     request is decoded, so a client of another version gets
//     FAILED_PRECONDITION naming both versions even when its messages
//     would not decode;
//   - a request that does not decode is INVALID_ARGUMENT (requestCodec
//     leaves the error in pending for this check).
func guardedDesc(pending *undecoded) *grpc.ServiceDesc {
	d := topicv1.TopicService_ServiceDesc
	d.Methods = make([]grpc.MethodDesc, 0, len(topicv1.TopicService_ServiceDesc.Methods))
	for _, m := range topicv1.TopicService_ServiceDesc.Methods {
		handler := m.Handler
		d.Methods = append(d.Methods, grpc.MethodDesc{
			MethodName: m.MethodName,
			Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
				if err := CheckVersion(ctx); err != nil {
					return nil, err
				}
				return handler(srv, ctx, func(req any) error {
					if err := dec(req); err != nil {
						return err
					}
					if err := pending.take(req); err != nil {
						return status.Errorf(codes.InvalidArgument, "the request does not decode: %v", err)
					}
					return nil
				}, ic)
			},
		})
	}
	d.Streams = make([]grpc.StreamDesc, 0, len(topicv1.TopicService_ServiceDesc.Streams))
	for _, sd := range topicv1.TopicService_ServiceDesc.Streams {
		handler := sd.Handler
		sd.Handler = func(srv any, stream grpc.ServerStream) error {
			if err := CheckVersion(stream.Context()); err != nil {
				return err
			}
			return handler(srv, guardedStream{ServerStream: stream, pending: pending})
		}
		d.Streams = append(d.Streams, sd)
	}
	return &d
}

// guardedStream is a server stream whose requests that do not decode are
// INVALID_ARGUMENT, as for the unary methods.
type guardedStream struct {
	grpc.ServerStream
	pending *undecoded
}

func (g guardedStream) RecvMsg(m any) error {
	if err := g.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if err := g.pending.take(m); err != nil {
		return status.Errorf(codes.InvalidArgument, "the request does not decode: %v", err)
	}
	return nil
}

// CheckVersion refuses a caller that did not send this server's protocol
// version (FAILED_PRECONDITION), as the guard does before every call; a
// harness that serves a call itself (the conformance kit's Subscribe)
// checks it the same way.
func CheckVersion(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	got := md.Get(topicv1.VersionKey)
	want := strconv.Itoa(int(topicv1.Current))
	switch {
	case len(got) == 0:
		return status.Errorf(codes.FailedPrecondition,
			"protocol version mismatch: the client sent no version (metadata %q); the server speaks version %s",
			topicv1.VersionKey, want)
	case len(got) > 1 || got[0] != want:
		return status.Errorf(codes.FailedPrecondition,
			"protocol version mismatch: the client speaks version %s, the server speaks version %s",
			strings.Join(got, ","), want)
	}
	return nil
}
