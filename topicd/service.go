package topicd

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// service answers TopicService's calls from a Storage: each call checks
// its request (limits.go), then makes one storage call.
type service struct {
	topicv1.UnimplementedTopicServiceServer
	store    Storage
	nowNs    func() int64
	log      *slog.Logger
	landings landings
	stopping <-chan struct{} // closed when the server begins to stop: subscriptions end
}

func (s *service) Hello(context.Context, *topicv1.HelloRequest) (*topicv1.HelloResponse, error) {
	return &topicv1.HelloResponse{ProtocolVersion: topicv1.Current, MaxPage: MaxPage, MaxPayloadBytes: MaxPayloadBytes}, nil
}

func (s *service) Publish(ctx context.Context, r *topicv1.PublishRequest) (*topicv1.PublishResponse, error) {
	if err := checkName("topic", r.GetTopic()); err != nil {
		return nil, err
	}
	if err := checkName("publisher", r.GetPublisher()); err != nil {
		return nil, err
	}
	if err := checkBlob("payload", r.GetPayload()); err != nil {
		return nil, err
	}
	ts := s.nowNs()
	seq, err := s.store.Publish(ctx, r.GetTopic(), r.GetPublisher(), r.GetPayload(), ts)
	if err != nil {
		return nil, s.failed(ctx, "publish", err)
	}
	s.landings.landed(r.GetTopic())
	s.log.DebugContext(ctx, "published", "topic", r.GetTopic(), "seq", seq, "publisher", r.GetPublisher(), "bytes", len(r.GetPayload()))
	return &topicv1.PublishResponse{Seq: seq, TimestampNs: ts}, nil
}

func (s *service) Query(ctx context.Context, r *topicv1.QueryRequest) (*topicv1.QueryResponse, error) {
	if err := checkName("topic", r.GetTopic()); err != nil {
		return nil, err
	}
	limit := int(r.GetLimit())
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	p, err := s.store.Query(ctx, r.GetTopic(), r.GetAfterSeq(), limit)
	if err != nil {
		return nil, s.failed(ctx, "query", err)
	}
	out := &topicv1.QueryResponse{Head: p.Head, Envelopes: make([]*topicv1.Envelope, 0, len(p.Envelopes))}
	for _, e := range p.Envelopes {
		out.Envelopes = append(out.Envelopes, &topicv1.Envelope{Seq: e.Seq, TimestampNs: e.TimestampNs, Payload: e.Payload})
	}
	return out, nil
}

func (s *service) UploadKeyPackages(ctx context.Context, r *topicv1.UploadKeyPackagesRequest) (*topicv1.UploadKeyPackagesResponse, error) {
	if err := checkUpload(r.GetAccount(), r.GetInstallation(), r.GetKeyPackages()); err != nil {
		return nil, err
	}
	err := s.store.UploadKeyPackages(ctx, r.GetAccount(), r.GetInstallation(), r.GetKeyPackages())
	if errors.Is(err, ErrRevoked) {
		return nil, status.Errorf(codes.PermissionDenied, "installation %s is revoked", r.GetInstallation())
	}
	if err != nil {
		return nil, s.failed(ctx, "upload key packages", err)
	}
	return &topicv1.UploadKeyPackagesResponse{}, nil
}

func (s *service) FetchKeyPackage(ctx context.Context, r *topicv1.FetchKeyPackageRequest) (*topicv1.FetchKeyPackageResponse, error) {
	if err := checkName("installation", r.GetInstallation()); err != nil {
		return nil, err
	}
	kp, err := s.store.FetchKeyPackage(ctx, r.GetInstallation())
	if errors.Is(err, ErrNoKeyPackage) {
		return nil, status.Errorf(codes.NotFound, "no key package left for %s", r.GetInstallation())
	}
	if err != nil {
		return nil, s.failed(ctx, "fetch key package", err)
	}
	return &topicv1.FetchKeyPackageResponse{KeyPackage: kp}, nil
}

func (s *service) KeyPackageCount(ctx context.Context, r *topicv1.KeyPackageCountRequest) (*topicv1.KeyPackageCountResponse, error) {
	if err := checkName("installation", r.GetInstallation()); err != nil {
		return nil, err
	}
	n, err := s.store.KeyPackageCount(ctx, r.GetInstallation())
	if err != nil {
		return nil, s.failed(ctx, "key package count", err)
	}
	return &topicv1.KeyPackageCountResponse{Count: uint32(n)}, nil
}

func (s *service) ListInstallations(ctx context.Context, r *topicv1.ListInstallationsRequest) (*topicv1.ListInstallationsResponse, error) {
	if err := checkName("account", r.GetAccount()); err != nil {
		return nil, err
	}
	ids, err := s.store.Installations(ctx, r.GetAccount())
	if err != nil {
		return nil, s.failed(ctx, "list installations", err)
	}
	return &topicv1.ListInstallationsResponse{Installations: ids}, nil
}

func (s *service) DirectoryVersion(ctx context.Context, _ *topicv1.DirectoryVersionRequest) (*topicv1.DirectoryVersionResponse, error) {
	v, err := s.store.DirectoryVersion(ctx)
	if err != nil {
		return nil, s.failed(ctx, "directory version", err)
	}
	return &topicv1.DirectoryVersionResponse{Version: v}, nil
}

func (s *service) RevokeInstallation(ctx context.Context, r *topicv1.RevokeInstallationRequest) (*topicv1.RevokeInstallationResponse, error) {
	if err := checkName("installation", r.GetInstallation()); err != nil {
		return nil, err
	}
	if err := s.store.Revoke(ctx, r.GetInstallation()); err != nil {
		return nil, s.failed(ctx, "revoke", err)
	}
	s.log.InfoContext(ctx, "revoked", "installation", r.GetInstallation())
	return &topicv1.RevokeInstallationResponse{}, nil
}

// failed turns a storage error into a status: the caller's own deadline
// or cancellation as such, anything else UNAVAILABLE (the outcome of a
// write is then unknown to the client, which is what the engine assumes
// of every failed publish). The cause is logged here, not sent.
func (s *service) failed(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return status.FromContextError(ctx.Err()).Err()
	}
	s.log.ErrorContext(ctx, "storage failed", "call", what, "err", err)
	return status.Errorf(codes.Unavailable, "%s: storage failed", what)
}
