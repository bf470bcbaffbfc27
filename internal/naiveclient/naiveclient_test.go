package naiveclient

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/mlsim/mlsim/internal/topictest"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// driver talks to a naive client over gRPC, as the conformance kit
// would, and remembers each installation's last observed_through.
type driver struct {
	t       *testing.T
	api     pb.IntentClientServiceClient
	topic   string
	dir     string
	through map[string]uint64
}

// start runs a topicd (with opts: a test's fault injection) and a naive
// client on loopback, both stopped when the test ends.
func start(t *testing.T, opts ...grpc.ServerOption) *driver {
	t.Helper()
	d, _ := startClient(t, topictest.Serve(t, topictest.SQLite(t), opts...), t.TempDir())
	return d
}

// startClient runs a naive client (a "process") against the topicd at
// topic, keeping its state files in dir. stop ends it (also at the end
// of the test, before the topicd: it holds connections to it).
func startClient(t *testing.T, topic, dir string) (d *driver, stop func()) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := New()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = conn.Close()
			srv.Stop()
			if err := <-served; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &driver{t: t, api: pb.NewIntentClientServiceClient(conn), topic: topic, dir: dir, through: map[string]uint64{}}, stop
}

// ctx is one call's context: bounded, with the protocol version.
func (d *driver) ctx() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	return pb.WithVersion(ctx, pb.Current), cancel
}

// ack checks a call's error and keeps its observed_through.
func (d *driver) ack(inst, what string, a *pb.Ack, err error) {
	d.t.Helper()
	if err != nil {
		d.t.Fatalf("%s %s: %v", inst, what, err)
	}
	if a.GetObservedThrough() < d.through[inst] {
		d.t.Fatalf("%s %s: observed_through went back from %d to %d", inst, what, d.through[inst], a.GetObservedThrough())
	}
	d.through[inst] = a.GetObservedThrough()
}

func (d *driver) open(inst string) *pb.OpenResponse {
	d.t.Helper()
	ctx, cancel := d.ctx()
	defer cancel()
	r, err := d.api.Open(ctx, &pb.OpenRequest{Installation: inst, ServerAddress: d.topic,
		StorePath: filepath.Join(d.dir, strings.ReplaceAll(inst, "/", "_")+".json")})
	d.ack(inst, "open", r.GetAck(), err)
	return r
}

func (d *driver) group(inst, what, g string) {
	d.t.Helper()
	ctx, cancel := d.ctx()
	defer cancel()
	req := &pb.GroupRequest{Installation: inst, Group: g}
	var a *pb.Ack
	var err error
	switch what {
	case "create":
		var r *pb.AckResponse
		r, err = d.api.CreateGroup(ctx, req)
		a = r.GetAck()
	case "sync":
		var r *pb.AckResponse
		r, err = d.api.Sync(ctx, req)
		a = r.GetAck()
	case "keyupdate":
		var r *pb.IntentResponse
		r, err = d.api.KeyUpdate(ctx, req)
		a = r.GetAck()
	case "upkeep":
		var r *pb.UpkeepResponse
		r, err = d.api.Upkeep(ctx, &pb.InstallationRequest{Installation: inst})
		if r.GetFailed() {
			d.t.Fatalf("%s upkeep: %v", inst, r.GetFailures())
		}
		a = r.GetAck()
	case "restart":
		var r *pb.AckResponse
		r, err = d.api.Restart(ctx, &pb.InstallationRequest{Installation: inst})
		a = r.GetAck()
	default:
		d.t.Fatalf("no call %s", what)
	}
	d.ack(inst, what, a, err)
}

func (d *driver) send(inst, g, body string) int64 {
	d.t.Helper()
	ctx, cancel := d.ctx()
	defer cancel()
	r, err := d.api.Send(ctx, &pb.SendRequest{Installation: inst, Group: g, Body: []byte(body)})
	d.ack(inst, "send", r.GetAck(), err)
	return r.GetIntent()
}

func (d *driver) members(inst, what, g string, accounts ...string) int64 {
	d.t.Helper()
	ctx, cancel := d.ctx()
	defer cancel()
	req := &pb.MembersRequest{Installation: inst, Group: g, Accounts: accounts}
	call := d.api.AddMembers
	if what == "remove" {
		call = d.api.RemoveMembers
	}
	r, err := call(ctx, req)
	d.ack(inst, what, r.GetAck(), err)
	return r.GetIntent()
}

// publishAll publishes and returns the actions taken.
func (d *driver) publishAll(inst, g string) []pb.PublishAction {
	d.t.Helper()
	ctx, cancel := d.ctx()
	defer cancel()
	r, err := d.api.PublishAll(ctx, &pb.GroupRequest{Installation: inst, Group: g})
	d.ack(inst, "publish all", r.GetAck(), err)
	var out []pb.PublishAction
	for _, res := range r.GetResults() {
		out = append(out, res.GetAction())
	}
	return out
}

func (d *driver) sendWelcomes(inst string) uint32 {
	d.t.Helper()
	ctx, cancel := d.ctx()
	defer cancel()
	r, err := d.api.SendWelcomes(ctx, &pb.InstallationRequest{Installation: inst})
	d.ack(inst, "send welcomes", r.GetAck(), err)
	return r.GetSent()
}

func (d *driver) processWelcomes(inst string) []string {
	d.t.Helper()
	ctx, cancel := d.ctx()
	defer cancel()
	r, err := d.api.ProcessWelcomes(ctx, &pb.InstallationRequest{Installation: inst})
	d.ack(inst, "process welcomes", r.GetAck(), err)
	return r.GetJoined()
}

// observe reads the installation's records 1 .. observed_through from a
// new Observe stream, then cancels it.
func (d *driver) observe(inst string) []*pb.Observation {
	d.t.Helper()
	want := d.through[inst]
	ctx, cancel := d.ctx()
	defer cancel()
	stream, err := d.api.Observe(ctx, &pb.ObserveRequest{Installation: inst})
	if err != nil {
		d.t.Fatalf("observe %s: %v", inst, err)
	}
	var out []*pb.Observation
	for uint64(len(out)) < want {
		o, err := stream.Recv()
		if err != nil {
			d.t.Fatalf("observe %s: record %d of %d: %v", inst, len(out)+1, want, err)
		}
		if o.GetSeq() != uint64(len(out))+1 {
			d.t.Fatalf("observe %s: seq %d after %d", inst, o.GetSeq(), len(out))
		}
		out = append(out, o)
	}
	return out
}

// view is what an installation's records say about one group.
type view struct {
	epoch     *pb.EpochEntered // the last entered
	position  *pb.Position
	members   []string
	messages  map[string]*pb.MessageStored // by id
	intents   map[int64]*pb.IntentState
	serials   map[string][]int64 // append-only serials by kind
	histEpoch []uint64
}

func viewOf(recs []*pb.Observation, g string) view {
	v := view{messages: map[string]*pb.MessageStored{}, intents: map[int64]*pb.IntentState{}, serials: map[string][]int64{}}
	for _, o := range recs {
		switch r := o.Record.(type) {
		case *pb.Observation_Epoch:
			v.serials["epoch"] = append(v.serials["epoch"], o.GetSerial())
			if r.Epoch.GetGroup() == g {
				v.epoch = r.Epoch
				v.histEpoch = append(v.histEpoch, r.Epoch.GetEpoch())
			}
		case *pb.Observation_Message:
			v.serials["message"] = append(v.serials["message"], o.GetSerial())
			if r.Message.GetGroup() == g {
				v.messages[r.Message.GetId()] = r.Message
			}
		case *pb.Observation_IntentCreated:
			v.serials["created"] = append(v.serials["created"], o.GetSerial())
		case *pb.Observation_Transition:
			v.serials["transition"] = append(v.serials["transition"], o.GetSerial())
		case *pb.Observation_Position:
			if r.Position.GetGroup() == g {
				v.position = r.Position
			}
		case *pb.Observation_Members:
			if r.Members.GetGroup() == g {
				v.members = r.Members.GetInstallations()
			}
		case *pb.Observation_Intent:
			if r.Intent.GetGroup() == g {
				v.intents[r.Intent.GetId()] = r.Intent
			}
		}
	}
	return v
}

// appBodies lists the application messages' bodies, sorted.
func (v view) appBodies() []string {
	var out []string
	for _, m := range v.messages {
		if m.GetKind() == pb.MessageKind_MESSAGE_KIND_APPLICATION {
			out = append(out, string(m.GetBody()))
		}
	}
	slices.Sort(out)
	return out
}

// converge builds the brief's group: alice creates g, adds bob (welcome
// sent and processed), both send one message, publish and sync.
func converge(t *testing.T, d *driver) {
	t.Helper()
	for _, inst := range []string{"alice/1", "bob/1"} {
		if r := d.open(inst); !r.GetCreated() {
			t.Fatalf("open %s: created=false for a new store", inst)
		}
	}
	d.group("alice/1", "create", "g")
	d.members("alice/1", "add", "g", "bob")
	if got := d.publishAll("alice/1", "g"); !slices.Equal(got, []pb.PublishAction{pb.PublishAction_PUBLISH_ACTION_SENT}) {
		t.Fatalf("alice publish all: %v", got)
	}
	d.group("alice/1", "sync", "g")
	if n := d.sendWelcomes("alice/1"); n != 1 {
		t.Fatalf("alice sent %d welcomes, want 1", n)
	}
	if got := d.processWelcomes("bob/1"); !slices.Equal(got, []string{"g"}) {
		t.Fatalf("bob joined %v, want [g]", got)
	}
	d.send("alice/1", "g", "hello from alice")
	d.send("bob/1", "g", "hello from bob")
	for _, inst := range []string{"alice/1", "bob/1"} {
		if got := d.publishAll(inst, "g"); !slices.Equal(got, []pb.PublishAction{pb.PublishAction_PUBLISH_ACTION_SENT}) {
			t.Fatalf("%s publish all: %v", inst, got)
		}
	}
	for _, inst := range []string{"alice/1", "bob/1"} {
		d.group(inst, "sync", "g")
	}
}

func TestTwoInstallationsConverge(t *testing.T) {
	d := start(t)
	converge(t, d)
	alice, bob := viewOf(d.observe("alice/1"), "g"), viewOf(d.observe("bob/1"), "g")
	for name, v := range map[string]view{"alice": alice, "bob": bob} {
		if v.epoch == nil || v.position == nil {
			t.Fatalf("%s: no epoch or position record for g", name)
		}
		if v.epoch.GetEpoch() != 1 || v.position.GetEpoch() != 1 {
			t.Errorf("%s: at epoch %d (position %d), want 1", name, v.epoch.GetEpoch(), v.position.GetEpoch())
		}
		if want := []string{"hello from alice", "hello from bob"}; !slices.Equal(v.appBodies(), want) {
			t.Errorf("%s: stored %q, want %q", name, v.appBodies(), want)
		}
		if want := []string{"alice/1", "bob/1"}; !slices.Equal(v.members, want) {
			t.Errorf("%s: members %v, want %v", name, v.members, want)
		}
		if len(v.messages) != 3 {
			t.Errorf("%s: %d messages stored, want 3 (the add and two)", name, len(v.messages))
		}
		for id, in := range v.intents {
			if in.GetState() != pb.IntentStateCode_INTENT_STATE_COMMITTED || len(in.GetAttemptHashes()) != 1 {
				t.Errorf("%s: intent %d is %s with %d attempts", name, id, in.GetState(), len(in.GetAttemptHashes()))
			}
		}
		if v.position.GetCursor() != 3 {
			t.Errorf("%s: cursor %d, want 3 (commit and two messages)", name, v.position.GetCursor())
		}
	}
	if len(alice.intents) != 2 || len(bob.intents) != 1 {
		t.Errorf("intents: alice %d, bob %d, want 2 and 1", len(alice.intents), len(bob.intents))
	}
	if !bytes.Equal(alice.epoch.GetAuthenticator(), bob.epoch.GetAuthenticator()) || len(alice.epoch.GetAuthenticator()) == 0 {
		t.Errorf("authenticators differ: alice %x, bob %x", alice.epoch.GetAuthenticator(), bob.epoch.GetAuthenticator())
	}
	if alice.epoch.GetVia() != pb.EpochVia_EPOCH_VIA_COMMIT || bob.epoch.GetVia() != pb.EpochVia_EPOCH_VIA_WELCOME {
		t.Errorf("via: alice %s, bob %s", alice.epoch.GetVia(), bob.epoch.GetVia())
	}
	if alice.epoch.GetCommitSeq() != 1 || bob.epoch.GetCommitSeq() != 1 || len(alice.epoch.GetCommitHash()) != 32 {
		t.Errorf("commit: alice seq %d hash %x, bob seq %d", alice.epoch.GetCommitSeq(), alice.epoch.GetCommitHash(), bob.epoch.GetCommitSeq())
	}
	for id, m := range alice.messages {
		if b := bob.messages[id]; b == nil || b.GetSeq() != m.GetSeq() || b.GetKind() != m.GetKind() || !bytes.Equal(b.GetBody(), m.GetBody()) {
			t.Errorf("message %s: alice %v, bob %v", id, m, b)
		}
	}
}

// TestRestartReplaysAndKeepsState: a restarted installation replays its
// append-only records with the same serials and goes on from its file.
func TestRestartReplaysAndKeepsState(t *testing.T) {
	d := start(t)
	converge(t, d)
	before := viewOf(d.observe("bob/1"), "g")
	d.group("bob/1", "restart", "g")
	d.send("alice/1", "g", "after the restart")
	d.publishAll("alice/1", "g")
	d.group("bob/1", "sync", "g")
	after := viewOf(d.observe("bob/1"), "g")
	for kind, serials := range before.serials {
		got := after.serials[kind]
		// Before, replayed (the same serials), then only new ones.
		if len(got) < 2*len(serials) || !slices.Equal(got[len(serials):2*len(serials)], serials) {
			t.Errorf("%s serials: %v before the restart, %v after", kind, serials, got)
		}
	}
	if want := []string{"after the restart", "hello from alice", "hello from bob"}; !slices.Equal(after.appBodies(), want) {
		t.Errorf("bob stored %q, want %q", after.appBodies(), want)
	}
}

// TestRemove: alice removes bob; bob records its removal and is refused
// further intents in the group.
func TestRemove(t *testing.T) {
	d := start(t)
	converge(t, d)
	d.members("alice/1", "remove", "g", "bob")
	d.publishAll("alice/1", "g")
	d.group("bob/1", "sync", "g")
	alice, bob := viewOf(d.observe("alice/1"), "g"), viewOf(d.observe("bob/1"), "g")
	if alice.position.GetEpoch() != 2 || !slices.Equal(alice.members, []string{"alice/1"}) {
		t.Errorf("alice: epoch %d members %v", alice.position.GetEpoch(), alice.members)
	}
	if bob.position.GetRemovedAtSeq() != 4 || bob.position.GetEpoch() != 1 {
		t.Errorf("bob: removed at %d in epoch %d, want 4 in 1", bob.position.GetRemovedAtSeq(), bob.position.GetEpoch())
	}
	var removals int
	for _, m := range bob.messages {
		if m.GetKind() == pb.MessageKind_MESSAGE_KIND_MEMBER_REMOVED {
			removals++
			if a := alice.messages[m.GetId()]; a == nil || !bytes.Equal(a.GetBody(), m.GetBody()) {
				t.Errorf("removal %s: alice %v, bob %v", m.GetId(), a, m)
			}
		}
	}
	if removals != 1 {
		t.Errorf("bob stored %d removals, want 1", removals)
	}
	ctx, cancel := d.ctx()
	defer cancel()
	_, err := d.api.Send(ctx, &pb.SendRequest{Installation: "bob/1", Group: "g", Body: []byte("x")})
	if status.Code(err) != codes.FailedPrecondition || !strings.HasPrefix(status.Convert(err).Message(), "removed: ") {
		t.Errorf("send after removal: %v", err)
	}
	if ack := failedAck(err); ack.GetObservedThrough() != d.through["bob/1"] {
		t.Errorf("send after removal: the failure carries Ack %v, want observed_through %d", ack, d.through["bob/1"])
	}
}

func TestRefusals(t *testing.T) {
	d := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := d.api.Hello(ctx, &pb.HelloRequest{}); status.Code(err) != codes.FailedPrecondition ||
		!strings.HasPrefix(status.Convert(err).Message(), "version: ") {
		t.Errorf("hello without a version: %v", err)
	}
	vctx, vcancel := d.ctx()
	defer vcancel()
	h, err := d.api.Hello(vctx, &pb.HelloRequest{Version: pb.Current})
	if err != nil || h.GetImplementation() != "naive 0.1" {
		t.Errorf("hello: %v %v", h, err)
	}
	for _, c := range []struct {
		name string
		err  error
		code codes.Code
		word string
	}{
		{"unknown installation", second(d.api.Sync(vctx, &pb.GroupRequest{Installation: "nobody/1", Group: "g"})), codes.NotFound, "unknown_installation: "},
		{"bad installation", second(d.api.Open(vctx, &pb.OpenRequest{Installation: "nobody", ServerAddress: d.topic, StorePath: d.dir + "/x"})), codes.InvalidArgument, "invalid: "},
		{"unimplemented", second(d.api.SyncBegin(vctx, &pb.SyncBeginRequest{Installation: "nobody/1"})), codes.Unimplemented, ""},
	} {
		if status.Code(c.err) != c.code || !strings.HasPrefix(status.Convert(c.err).Message(), c.word) {
			t.Errorf("%s: %v, want %s %q", c.name, c.err, c.code, c.word)
		}
	}
	d.open("carol/1")
	_, err = d.api.Sync(vctx, &pb.GroupRequest{Installation: "carol/1", Group: "g"})
	if status.Code(err) != codes.NotFound || !strings.HasPrefix(status.Convert(err).Message(), "unknown_group: ") {
		t.Errorf("unknown group: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

// failedAck is the Ack a failed call's status carries in its response.
func failedAck(err error) *pb.Ack {
	for _, det := range status.Convert(err).Details() {
		if r, ok := det.(interface{ GetAck() *pb.Ack }); ok {
			return r.GetAck()
		}
	}
	return nil
}
