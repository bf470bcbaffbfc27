package nettransport

import (
	"fmt"
	"math"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mlsim/mlsim/engine"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// transport is one installation's engine.Transport: each method is one
// gRPC call with its own deadline, made once.
type transport struct {
	c   *Client
	who string
}

var _ engine.Transport = (*transport)(nil)

func (t *transport) Publish(topic string, payload []byte) error {
	ctx, done := t.c.callContext(t.c.base)
	defer done()
	_, err := t.c.api.Publish(ctx, &topicv1.PublishRequest{Topic: topic, Payload: payload, Publisher: t.who})
	if err != nil {
		return classify(fmt.Sprintf("publish %s for %s", topic, t.who), err)
	}
	return nil
}

func (t *transport) Query(topic string, afterSeq uint64, limit int) (engine.Page, error) {
	ctx, done := t.c.callContext(t.c.base)
	defer done()
	if limit < 0 {
		limit = 0 // as many as the server gives
	}
	r, err := t.c.api.Query(ctx, &topicv1.QueryRequest{Topic: topic, AfterSeq: afterSeq, Limit: uint32(min(limit, math.MaxUint32))})
	what := fmt.Sprintf("query %s after %d for %s", topic, afterSeq, t.who)
	if err != nil {
		return engine.Page{}, classify(what, err)
	}
	page := engine.Page{Head: r.GetHead(), Envelopes: make([]engine.TopicEnvelope, 0, len(r.GetEnvelopes()))}
	for _, e := range r.GetEnvelopes() {
		page.Envelopes = append(page.Envelopes, engine.TopicEnvelope{Seq: e.GetSeq(), TimestampNs: e.GetTimestampNs(), Payload: e.GetPayload()})
	}
	if err := checkPage(page, afterSeq, limit); err != nil {
		return engine.Page{}, fmt.Errorf("%s: %w", what, err)
	}
	return page, nil
}

// checkPage refuses an answer that breaks the protocol's promises, so
// that a broken server shows as an error rather than as envelopes the
// engine would take for the topic's order: ascending consecutive sequence
// ids right after afterSeq, none beyond the head, no more than asked.
func checkPage(p engine.Page, afterSeq uint64, limit int) error {
	if limit > 0 && len(p.Envelopes) > limit {
		return fmt.Errorf("%d envelopes for a limit of %d: %w", len(p.Envelopes), limit, ErrNetwork)
	}
	want := afterSeq + 1
	for _, e := range p.Envelopes {
		if e.Seq != want || e.Seq > p.Head {
			return fmt.Errorf("envelope seq %d where %d (head %d) was due: %w", e.Seq, want, p.Head, ErrNetwork)
		}
		want++
	}
	return nil
}

func (t *transport) UploadKeyPackages(account, installation string, kps [][]byte) error {
	ctx, done := t.c.callContext(t.c.base)
	defer done()
	_, err := t.c.api.UploadKeyPackages(ctx, &topicv1.UploadKeyPackagesRequest{Account: account, Installation: installation, KeyPackages: kps})
	if status.Code(err) == codes.PermissionDenied {
		return fmt.Errorf("upload key packages for %s: %w: %w", installation, engine.ErrRevoked, err)
	}
	if err != nil {
		return classify(fmt.Sprintf("upload %d key packages for %s", len(kps), installation), err)
	}
	return nil
}

func (t *transport) KeyPackageCount(installation string) (int, error) {
	ctx, done := t.c.callContext(t.c.base)
	defer done()
	r, err := t.c.api.KeyPackageCount(ctx, &topicv1.KeyPackageCountRequest{Installation: installation})
	if err != nil {
		return 0, classify(fmt.Sprintf("key package count of %s", installation), err)
	}
	return int(r.GetCount()), nil
}

func (t *transport) Installations(account string) ([]string, error) {
	ctx, done := t.c.callContext(t.c.base)
	defer done()
	r, err := t.c.api.ListInstallations(ctx, &topicv1.ListInstallationsRequest{Account: account})
	if err != nil {
		return nil, classify(fmt.Sprintf("installations of %s", account), err)
	}
	return r.GetInstallations(), nil
}

func (t *transport) DirectoryVersion() (uint64, error) {
	ctx, done := t.c.callContext(t.c.base)
	defer done()
	r, err := t.c.api.DirectoryVersion(ctx, &topicv1.DirectoryVersionRequest{})
	if err != nil {
		return 0, classify(fmt.Sprintf("directory version for %s", t.who), err)
	}
	return r.GetVersion(), nil
}

func (t *transport) FetchKeyPackage(installation string) ([]byte, error) {
	ctx, done := t.c.callContext(t.c.base)
	defer done()
	r, err := t.c.api.FetchKeyPackage(ctx, &topicv1.FetchKeyPackageRequest{Installation: installation})
	if status.Code(err) == codes.NotFound {
		return nil, fmt.Errorf("fetch key package of %s: %w", installation, engine.ErrNoKeyPackage)
	}
	if err != nil {
		return nil, classify(fmt.Sprintf("fetch key package of %s", installation), err)
	}
	return r.GetKeyPackage(), nil
}
