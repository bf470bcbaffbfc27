package naiveclient

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// callTimeout bounds every call to the topic server: a server that does
// not answer becomes a network error, never a hang.
const callTimeout = 5 * time.Second

// pageSize is how many envelopes one Query asks for.
const pageSize = 100

// errNoKeyPackage: the directory holds no key package for an installation
// (the add skips it). Every other error of this file is a network error.
var errNoKeyPackage = errors.New("no key package left")

// topicClient is one installation's connection to the topic server (one
// connection each: simple, and a Restart drops it with the rest).
type topicClient struct {
	conn *grpc.ClientConn
	api  topicv1.TopicServiceClient
	self string
}

func dialTopic(addr, self string) (*topicClient, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	t := &topicClient{conn: conn, api: topicv1.NewTopicServiceClient(conn), self: self}
	ctx, cancel := t.ctx()
	defer cancel()
	// The handshake waits for the connection (within the deadline), so a
	// server that is not there fails Open rather than the first intent.
	hello, err := t.api.Hello(ctx, &topicv1.HelloRequest{}, grpc.WaitForReady(true))
	if err == nil && hello.GetProtocolVersion() != topicv1.Current {
		err = errors.New("the topic server speaks another protocol version")
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return t, nil
}

func (t *topicClient) ctx() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	return topicv1.WithVersion(ctx, topicv1.Current), cancel
}

func (t *topicClient) close() {
	if t != nil {
		_ = t.conn.Close()
	}
}

// publish returns the sequence id the payload got.
func (t *topicClient) publish(topic string, payload []byte) (uint64, error) {
	ctx, cancel := t.ctx()
	defer cancel()
	r, err := t.api.Publish(ctx, &topicv1.PublishRequest{Topic: topic, Payload: payload, Publisher: t.self})
	if err != nil {
		return 0, err
	}
	return r.GetSeq(), nil
}

func (t *topicClient) query(topic string, after uint64, limit uint32) (*topicv1.QueryResponse, error) {
	ctx, cancel := t.ctx()
	defer cancel()
	return t.api.Query(ctx, &topicv1.QueryRequest{Topic: topic, AfterSeq: after, Limit: limit})
}

func (t *topicClient) upload(account string, kps [][]byte) error {
	ctx, cancel := t.ctx()
	defer cancel()
	_, err := t.api.UploadKeyPackages(ctx, &topicv1.UploadKeyPackagesRequest{Account: account, Installation: t.self, KeyPackages: kps})
	return err
}

func (t *topicClient) count() (int, error) {
	ctx, cancel := t.ctx()
	defer cancel()
	r, err := t.api.KeyPackageCount(ctx, &topicv1.KeyPackageCountRequest{Installation: t.self})
	if err != nil {
		return 0, err
	}
	return int(r.GetCount()), nil
}

func (t *topicClient) installations(account string) ([]string, error) {
	ctx, cancel := t.ctx()
	defer cancel()
	r, err := t.api.ListInstallations(ctx, &topicv1.ListInstallationsRequest{Account: account})
	if err != nil {
		return nil, err
	}
	return r.GetInstallations(), nil
}

func (t *topicClient) fetchKeyPackage(installation string) ([]byte, error) {
	ctx, cancel := t.ctx()
	defer cancel()
	r, err := t.api.FetchKeyPackage(ctx, &topicv1.FetchKeyPackageRequest{Installation: installation})
	if status.Code(err) == codes.NotFound {
		return nil, errNoKeyPackage
	}
	if err != nil {
		return nil, err
	}
	return r.GetKeyPackage(), nil
}
