package naiveclient

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mlsim/mlsim/internal/topictest"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// TestUpkeepConverges: rounds of Upkeep alone bring a joiner in and
// deliver the message sent with the add.
func TestUpkeepConverges(t *testing.T) {
	d := start(t)
	d.open("alice/1")
	d.open("bob/1")
	d.group("alice/1", "create", "g")
	d.members("alice/1", "add", "g", "bob")
	d.send("alice/1", "g", "welcome, bob")
	for range 2 {
		d.group("alice/1", "upkeep", "")
		d.group("bob/1", "upkeep", "")
	}
	alice, bob := viewOf(d.observe("alice/1"), "g"), viewOf(d.observe("bob/1"), "g")
	if bob.epoch == nil || !bytes.Equal(bob.epoch.GetAuthenticator(), alice.epoch.GetAuthenticator()) {
		t.Fatalf("bob's epoch %v, alice's %v", bob.epoch, alice.epoch)
	}
	for name, v := range map[string]view{"alice": alice, "bob": bob} {
		if got := v.appBodies(); !slices.Equal(got, []string{"welcome, bob"}) {
			t.Errorf("%s stored %q", name, got)
		}
	}
}

// TestObserveFollows: a stream opened at the log's end delivers the
// records of a later call.
func TestObserveFollows(t *testing.T) {
	d := start(t)
	d.open("alice/1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := d.api.Observe(pb.WithVersion(ctx, pb.Current), &pb.ObserveRequest{Installation: "alice/1", AfterSeq: d.through["alice/1"]})
	if err != nil {
		t.Fatal(err)
	}
	d.group("alice/1", "create", "g")
	o, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if o.GetEpoch().GetVia() != pb.EpochVia_EPOCH_VIA_CREATE || o.GetSerial() != 1 {
		t.Errorf("want the creation's EpochEntered, serial 1: %v", o)
	}
}

// TestReopenInNewProcess: a new process opens the state files, replays
// the append-only records with their serials, and carries on.
func TestReopenInNewProcess(t *testing.T) {
	topic, dir := topictest.Serve(t, topictest.SQLite(t)), t.TempDir()
	d1, stop := startClient(t, topic, dir)
	converge(t, d1)
	before := map[string]view{"alice/1": viewOf(d1.observe("alice/1"), "g"), "bob/1": viewOf(d1.observe("bob/1"), "g")}
	stop()
	d2, _ := startClient(t, topic, dir)
	for _, inst := range []string{"alice/1", "bob/1"} {
		if r := d2.open(inst); r.GetCreated() {
			t.Fatalf("reopen %s: created", inst)
		}
	}
	d2.send("alice/1", "g", "from the new process")
	d2.publishAll("alice/1", "g")
	d2.group("alice/1", "sync", "g")
	d2.group("bob/1", "sync", "g")
	for inst, b := range before {
		after := viewOf(d2.observe(inst), "g")
		for kind, serials := range b.serials {
			if got := after.serials[kind]; len(got) < len(serials) || !slices.Equal(got[:len(serials)], serials) {
				t.Errorf("%s %s serials: %v, then %v", inst, kind, serials, got)
			}
		}
		if after.position.GetEpoch() != 1 || !bytes.Equal(after.epoch.GetAuthenticator(), b.epoch.GetAuthenticator()) {
			t.Errorf("%s: position %v, epoch %v", inst, after.position, after.epoch)
		}
		if want := []string{"from the new process", "hello from alice", "hello from bob"}; !slices.Equal(after.appBodies(), want) {
			t.Errorf("%s stored %q", inst, after.appBodies())
		}
	}
}

// TestShortcutMergeForks keeps naive shortcut 1 honest: two commits of
// one epoch, each committer merges its own at once, and they fork (same
// epoch, different authenticators) — what the kit must name.
func TestShortcutMergeForks(t *testing.T) {
	d := start(t)
	converge(t, d)
	d.group("alice/1", "keyupdate", "g")
	d.group("bob/1", "keyupdate", "g")
	d.publishAll("alice/1", "g")
	d.publishAll("bob/1", "g")
	d.group("alice/1", "sync", "g")
	d.group("bob/1", "sync", "g")
	alice, bob := viewOf(d.observe("alice/1"), "g"), viewOf(d.observe("bob/1"), "g")
	if alice.epoch.GetEpoch() != 2 || bob.epoch.GetEpoch() != 2 {
		t.Fatalf("epochs: alice %d, bob %d, want both 2", alice.epoch.GetEpoch(), bob.epoch.GetEpoch())
	}
	if alice.epoch.GetCommitSeq() == bob.epoch.GetCommitSeq() || bytes.Equal(alice.epoch.GetAuthenticator(), bob.epoch.GetAuthenticator()) {
		t.Errorf("no fork: alice %v, bob %v", alice.epoch, bob.epoch)
	}
}
