package naiveclient

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
	"github.com/mlsim/mlsim/wire"
)

// Sync reads the group's topic from the cursor to the head.
func (s *Server) Sync(_ context.Context, req *pb.GroupRequest) (*pb.AckResponse, error) {
	ack, err := s.call(req.GetInstallation(), func(in *installation) error {
		g, err := in.usable(req.GetGroup())
		if err != nil {
			return err
		}
		return in.sync(g)
	})
	return reply(&pb.AckResponse{Ack: ack}, err)
}

// sync processes every envelope after the cursor, page by page, until
// the head. It stops at a network error (the cursor stays at the last
// envelope processed), at its removal and when the group breaks.
func (in *installation) sync(g *group) error {
	for {
		page, err := in.topic.query(wire.GroupTopic(g.ID), g.Cursor, pageSize)
		if err != nil {
			return networkErr("sync %s: %v", g.ID, err)
		}
		for _, env := range page.GetEnvelopes() {
			if env.GetSeq() <= g.Cursor {
				continue
			}
			in.process(g, env)
			g.Cursor = env.GetSeq()
			if g.RemovedAtSeq != 0 || g.Broken != "" {
				return nil
			}
		}
		if len(page.GetEnvelopes()) == 0 || g.Cursor >= page.GetHead() {
			return nil
		}
	}
}

// process handles one envelope of the group's topic. Whatever it decides
// is final: the cursor moves past it.
func (in *installation) process(g *group, env *topicv1.Envelope) {
	e, err := wire.Decode(env.GetPayload())
	if err != nil || e.GroupID != g.ID {
		return
	}
	h := wire.Hash(env.GetPayload())
	if own := in.ownAttempt(h[:]); own != nil {
		in.readOwn(g, env, e, own, h)
		return
	}
	switch e.Kind {
	case wire.KindCommit:
		in.processCommit(g, env, e, h)
	case wire.KindApplication:
		in.processMessage(g, env, e)
	}
	// Standalone proposals are discarded.
}

// ownAttempt finds the intent one of whose attempts has this hash.
func (in *installation) ownAttempt(h []byte) *intentSt {
	for _, it := range in.st.Intents {
		for _, a := range it.Attempts {
			if bytes.Equal(a, h) {
				return it
			}
		}
	}
	return nil
}

// readOwn handles a payload of ours read back. A commit was merged when
// it was sent (naive shortcut 1): nothing to do. A message is stored with
// the body we sent, whatever epoch it is now (go-mls cannot decrypt one's
// own messages), and ends its intent if it is the current attempt.
func (in *installation) readOwn(g *group, env *topicv1.Envelope, e *wire.Envelope, it *intentSt, h [32]byte) {
	if e.Kind != wire.KindApplication {
		return
	}
	in.storeMessage(g, &pb.MessageStored{Id: e.MessageID, Kind: pb.MessageKind_MESSAGE_KIND_APPLICATION,
		Sender: in.id, Seq: env.GetSeq(), Epoch: e.Epoch, Body: it.Data})
	current := bytes.Equal(it.Attempts[len(it.Attempts)-1], h[:])
	if current && it.State == pb.IntentStateCode_INTENT_STATE_PUBLISHED {
		in.move(it, pb.IntentStateCode_INTENT_STATE_COMMITTED, "", nil, nil)
	}
}

// processCommit judges another member's commit: built for our epoch by a
// member, its header matching its content. The first one of an epoch
// moves us; a later one of that epoch is for an epoch we left.
func (in *installation) processCommit(g *group, env *topicv1.Envelope, e *wire.Envelope, h [32]byte) {
	if e.Epoch != g.Epoch || !slices.Contains(g.Members, e.Sender) {
		return
	}
	gs := in.states[g.ID]
	info, err := gs.Inspect(e.Proposals, e.MLS)
	if err != nil || info.Epoch != e.Epoch || info.Sender != e.Sender ||
		!slices.Equal(info.Added, e.Added) || !slices.Equal(info.Removed, e.Removed) {
		return
	}
	if slices.Contains(e.Removed, in.id) {
		in.removed(g, env.GetSeq(), e, h)
		return
	}
	next, err := gs.Process(e.Proposals, e.MLS)
	if err != nil || next.Epoch() != g.Epoch+1 {
		// An accepted commit we cannot follow: stop the group, say why.
		g.Broken = fmt.Sprintf("cannot process the accepted commit at seq %d (epoch %d): %v", env.GetSeq(), g.Epoch, err)
		return
	}
	old := g.Epoch
	in.states[g.ID] = next
	g.Epoch, g.SendCounter = next.Epoch(), 0
	g.Members = membersOf(next)
	g.Policy = wire.EncodePolicy(e.Policy)
	in.enterEpoch(g, env.GetSeq(), h[:], pb.EpochVia_EPOCH_VIA_COMMIT)
	in.storeMembership(g, env.GetSeq(), e, h, old)
}

// removed: go-mls cannot process the commit that removes us. We record
// the removal at its seq, keep the epoch we had, store the membership
// message, fail what we still meant to do in the group and stop syncing.
func (in *installation) removed(g *group, seq uint64, e *wire.Envelope, h [32]byte) {
	g.RemovedAtSeq = seq
	in.storeMembership(g, seq, e, h, e.Epoch)
	for _, it := range in.st.Intents {
		if it.Group == g.ID && open(it) {
			in.move(it, pb.IntentStateCode_INTENT_STATE_FAILED, "removed", nil, nil)
		}
	}
	delete(in.states, g.ID)
}

// processMessage decrypts another member's message. Naive shortcut 4:
// only messages of the epoch we are at are read (no past epochs kept),
// and there is no counter rule: whatever decrypts is stored.
func (in *installation) processMessage(g *group, env *topicv1.Envelope, e *wire.Envelope) {
	if e.Epoch != g.Epoch || g.hasMessage(e.MessageID) {
		return
	}
	sender, pt, err := in.states[g.ID].Unprotect(e.MLS)
	if err != nil {
		return
	}
	counter, msgID, body, err := unframePlaintext(pt)
	if err != nil || sender != e.Sender || counter != e.Counter || msgID != e.MessageID {
		return
	}
	in.storeMessage(g, &pb.MessageStored{Id: msgID, Kind: pb.MessageKind_MESSAGE_KIND_APPLICATION,
		Sender: sender, Seq: env.GetSeq(), Epoch: e.Epoch, Body: body})
}

// storeMembership stores a commit that adds or removes installations as
// one message, with an id derived from the commit's hash, so that every
// member, the removed and the added store the same one.
func (in *installation) storeMembership(g *group, seq uint64, e *wire.Envelope, h [32]byte, epoch uint64) {
	var parts []string
	kind := pb.MessageKind_MESSAGE_KIND_MEMBER_REMOVED
	if len(e.Added) > 0 {
		kind = pb.MessageKind_MESSAGE_KIND_MEMBER_ADDED
		parts = append(parts, "added "+strings.Join(e.Added, ","))
	}
	if len(e.Removed) > 0 {
		parts = append(parts, "removed "+strings.Join(e.Removed, ","))
	}
	if len(parts) == 0 {
		return // a key update changes nobody: no message
	}
	in.storeMessage(g, &pb.MessageStored{Id: "commit:" + hex.EncodeToString(h[:8]), Kind: kind, Sender: e.Sender,
		Seq: seq, Epoch: epoch, Body: []byte(strings.Join(parts, "; "))})
}
