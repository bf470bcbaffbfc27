package topicd_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/mlsim/mlsim/internal/topictest"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
	"github.com/mlsim/mlsim/topicd"
)

// dial connects to a topicd at addr; calls made with ctx(...) carry a
// protocol version (or none).
func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn
}

func callCtx(t *testing.T, version string) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	if version != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, topicv1.VersionKey, version)
	}
	return ctx
}

// rawCodec sends bytes as they are, to put malformed requests on the wire.
// It is named "proto" so the server decodes them with its protobuf codec.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }
func (rawCodec) Marshal(v any) ([]byte, error) {
	return v.([]byte), nil
}
func (rawCodec) Unmarshal(data []byte, v any) error { return proto.Unmarshal(data, v.(proto.Message)) }

// publishBytes is a PublishRequest encoded by hand, with any topic bytes.
func publishBytes(topic []byte) []byte {
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, topic)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte("payload"))
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	return protowire.AppendBytes(b, []byte("a/1"))
}

// Every malformed request — bytes that do not decode, a string that is not
// UTF-8, an empty or oversized field, too many key packages — is
// INVALID_ARGUMENT, and none of them stores anything: no topic, no
// installation, no key package, the directory version unmoved.
func TestMalformedRequestsAreInvalidArgument(t *testing.T) {
	store := topictest.SQLite(t)
	addr := topictest.Serve(t, store)
	conn := dial(t, addr)
	api := topicv1.NewTopicServiceClient(conn)
	v := fmt.Sprint(int(topicv1.Current))
	ctx := context.Background()
	v0, err := store.DirectoryVersion(ctx)
	require.NoError(t, err)

	raw := map[string][]byte{
		"not protobuf":        {0xff, 0xff, 0xff, 0xff},
		"truncated field":     publishBytes([]byte("group/g"))[:5],
		"topic is not UTF-8":  publishBytes([]byte{'g', 0xff, 0xfe}),
		"wrong wire type":     protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 3)[:1],
		"group topic, no tag": append([]byte{0}, publishBytes([]byte("group/g"))...),
	}
	for name, body := range raw {
		var out topicv1.PublishResponse
		err := conn.Invoke(callCtx(t, v), topicv1.TopicService_Publish_FullMethodName, body, &out, grpc.ForceCodec(rawCodec{}))
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%s: %v", name, err)
	}

	big := bytes.Repeat([]byte{1}, topicd.MaxPayloadBytes+1)
	long := strings.Repeat("x", topicd.MaxNameBytes+1)
	many := make([][]byte, topicd.MaxUploadPackets+1)
	for i := range many {
		many[i] = []byte{1}
	}
	calls := map[string]func(context.Context) error{
		"empty topic": func(c context.Context) error {
			_, err := api.Publish(c, &topicv1.PublishRequest{Payload: []byte("x"), Publisher: "a/1"})
			return err
		},
		"empty payload": func(c context.Context) error {
			_, err := api.Publish(c, &topicv1.PublishRequest{Topic: "group/g", Publisher: "a/1"})
			return err
		},
		"no publisher": func(c context.Context) error {
			_, err := api.Publish(c, &topicv1.PublishRequest{Topic: "group/g", Payload: []byte("x")})
			return err
		},
		"topic too long": func(c context.Context) error {
			_, err := api.Publish(c, &topicv1.PublishRequest{Topic: long, Payload: []byte("x"), Publisher: "a/1"})
			return err
		},
		"control character": func(c context.Context) error {
			_, err := api.Publish(c, &topicv1.PublishRequest{Topic: "group/\n", Payload: []byte("x"), Publisher: "a/1"})
			return err
		},
		"payload too large": func(c context.Context) error {
			_, err := api.Publish(c, &topicv1.PublishRequest{Topic: "group/g", Payload: big, Publisher: "a/1"})
			return err
		},
		"query without topic": func(c context.Context) error {
			_, err := api.Query(c, &topicv1.QueryRequest{AfterSeq: 1})
			return err
		},
		"upload without installation": func(c context.Context) error {
			_, err := api.UploadKeyPackages(c, &topicv1.UploadKeyPackagesRequest{Account: "a", KeyPackages: [][]byte{{1}}})
			return err
		},
		"upload of an empty key package": func(c context.Context) error {
			_, err := api.UploadKeyPackages(c, &topicv1.UploadKeyPackagesRequest{Account: "a", Installation: "a/1", KeyPackages: [][]byte{{1}, {}}})
			return err
		},
		"upload of too many key packages": func(c context.Context) error {
			_, err := api.UploadKeyPackages(c, &topicv1.UploadKeyPackagesRequest{Account: "a", Installation: "a/1", KeyPackages: many})
			return err
		},
		"fetch without installation": func(c context.Context) error {
			_, err := api.FetchKeyPackage(c, &topicv1.FetchKeyPackageRequest{})
			return err
		},
		"revoke without installation": func(c context.Context) error {
			_, err := api.RevokeInstallation(c, &topicv1.RevokeInstallationRequest{})
			return err
		},
	}
	for name, call := range calls {
		err := call(callCtx(t, v))
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%s: %v", name, err)
	}

	for _, topic := range []string{"group/g", "g\xff\xfe", long} {
		p, err := store.Query(ctx, topic, 0, 10)
		require.NoError(t, err)
		require.Equal(t, topicd.Page{}, p, "nothing stored on %q", topic)
	}
	ids, err := store.Installations(ctx, "a")
	require.NoError(t, err)
	require.Empty(t, ids)
	v1, err := store.DirectoryVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, v0, v1, "the directory did not change")
}

// A client of another protocol version, or one that names none, gets
// FAILED_PRECONDITION naming both versions, on every call — even one
// whose request would not decode — and changes nothing.
func TestOtherProtocolVersionIsRefused(t *testing.T) {
	store := topictest.SQLite(t)
	conn := dial(t, topictest.Serve(t, store))
	api := topicv1.NewTopicServiceClient(conn)
	for _, tc := range []struct{ version, names string }{
		{"2", "client speaks version 2, the server speaks version 1"},
		{"0", "client speaks version 0, the server speaks version 1"},
		{"", `client sent no version (metadata "mlsim-topic-protocol"); the server speaks version 1`},
	} {
		_, err := api.Publish(callCtx(t, tc.version), &topicv1.PublishRequest{Topic: "group/g", Payload: []byte("x"), Publisher: "a/1"})
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		require.Contains(t, status.Convert(err).Message(), tc.names)
		_, err = api.Hello(callCtx(t, tc.version), &topicv1.HelloRequest{})
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		var out topicv1.PublishResponse
		err = conn.Invoke(callCtx(t, tc.version), topicv1.TopicService_Publish_FullMethodName, []byte{0xff}, &out, grpc.ForceCodec(rawCodec{}))
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "the version is checked before decoding: %v", err)
	}
	p, err := store.Query(context.Background(), "group/g", 0, 10)
	require.NoError(t, err)
	require.Zero(t, p.Head)

	hello, err := api.Hello(callCtx(t, "1"), &topicv1.HelloRequest{})
	require.NoError(t, err)
	require.Equal(t, topicv1.Current, hello.GetProtocolVersion())
}

// The standard health service answers SERVING, for the server and for
// TopicService, and needs no protocol version.
func TestHealthServing(t *testing.T) {
	conn := dial(t, topictest.Serve(t, topictest.SQLite(t)))
	health := healthpb.NewHealthClient(conn)
	for _, service := range []string{"", topicv1.TopicService_ServiceDesc.ServiceName} {
		r, err := health.Check(callCtx(t, ""), &healthpb.HealthCheckRequest{Service: service})
		require.NoError(t, err)
		require.Equal(t, healthpb.HealthCheckResponse_SERVING, r.GetStatus(), "service %q", service)
	}
}

// A Query limit of 0, or above MaxPage, is cut to MaxPage; the head says
// the page was short.
func TestQueryLimitIsCut(t *testing.T) {
	store := topictest.SQLite(t)
	api := topicv1.NewTopicServiceClient(dial(t, topictest.Serve(t, store)))
	v := fmt.Sprint(int(topicv1.Current))
	for i := 0; i < topicd.MaxPage+1; i++ {
		_, err := store.Publish(context.Background(), "group/g", "a/1", []byte{1}, int64(i))
		require.NoError(t, err)
	}
	for _, limit := range []uint32{0, topicd.MaxPage + 1} {
		r, err := api.Query(callCtx(t, v), &topicv1.QueryRequest{Topic: "group/g", Limit: limit})
		require.NoError(t, err)
		require.Len(t, r.GetEnvelopes(), topicd.MaxPage)
		require.Equal(t, uint64(topicd.MaxPage+1), r.GetHead())
	}
}
