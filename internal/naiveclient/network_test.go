package naiveclient

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// ambiguous makes the topicd store the next publish to a group topic and
// answer it with an error, as a connection lost after sending would.
type ambiguous struct{ armed atomic.Bool }

func (a *ambiguous) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	if p, ok := req.(*topicv1.PublishRequest); ok && err == nil && strings.HasPrefix(p.GetTopic(), "group/") && a.armed.CompareAndSwap(true, false) {
		return nil, status.Error(codes.Unavailable, "connection lost after the publish")
	}
	return resp, err
}

// TestShortcutFreshAttempt keeps naive shortcut 2 honest: after an
// ambiguous publish the intent goes back to TO_SEND and the next publish
// sends a fresh attempt, so the message lands twice; every reader stores
// it once.
func TestShortcutFreshAttempt(t *testing.T) {
	fault := &ambiguous{}
	d := start(t, grpc.UnaryInterceptor(fault.intercept))
	converge(t, d)
	id := d.send("alice/1", "g", "twice on the topic")
	fault.armed.Store(true)
	ctx, cancel := d.ctx()
	defer cancel()
	_, err := d.api.PublishAll(ctx, &pb.GroupRequest{Installation: "alice/1", Group: "g"})
	if status.Code(err) != codes.Unavailable || !strings.HasPrefix(status.Convert(err).Message(), "network: ") {
		t.Fatalf("ambiguous publish: %v", err)
	}
	ack := failedAck(err)
	if ack == nil || ack.GetObservedThrough() <= d.through["alice/1"] {
		t.Fatalf("ambiguous publish: Ack %v, want past %d", ack, d.through["alice/1"])
	}
	d.through["alice/1"] = ack.GetObservedThrough()
	if got := d.publishAll("alice/1", "g"); !slices.Equal(got, []pb.PublishAction{pb.PublishAction_PUBLISH_ACTION_SENT}) {
		t.Fatalf("publish after the error: %v", got)
	}
	d.group("alice/1", "sync", "g")
	d.group("bob/1", "sync", "g")
	recs := d.observe("alice/1")
	alice, bob := viewOf(recs, "g"), viewOf(d.observe("bob/1"), "g")
	in := alice.intents[id]
	if in.GetState() != pb.IntentStateCode_INTENT_STATE_COMMITTED || len(in.GetAttemptHashes()) != 2 ||
		bytes.Equal(in.GetAttemptHashes()[0], in.GetAttemptHashes()[1]) {
		t.Errorf("intent %d: %v, want COMMITTED with two different attempts", id, in)
	}
	var moves []string
	for _, o := range recs {
		if tr := o.GetTransition(); tr.GetIntent() == id {
			moves = append(moves, tr.GetFrom().String()+">"+tr.GetTo().String())
		}
	}
	want := []string{"INTENT_STATE_TO_SEND>INTENT_STATE_PUBLISHED", "INTENT_STATE_PUBLISHED>INTENT_STATE_TO_SEND",
		"INTENT_STATE_TO_SEND>INTENT_STATE_PUBLISHED", "INTENT_STATE_PUBLISHED>INTENT_STATE_COMMITTED"}
	if !slices.Equal(moves, want) {
		t.Errorf("transitions of intent %d: %v, want %v", id, moves, want)
	}
	for name, v := range map[string]view{"alice": alice, "bob": bob} {
		if want := []string{"hello from alice", "hello from bob", "twice on the topic"}; !slices.Equal(v.appBodies(), want) {
			t.Errorf("%s stored %q, want %q", name, v.appBodies(), want)
		}
		if v.position.GetCursor() != 5 {
			t.Errorf("%s: cursor %d, want 5 (both copies read)", name, v.position.GetCursor())
		}
	}
}
