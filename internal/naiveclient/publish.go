package naiveclient

import (
	"context"
	"errors"
	"slices"
	"sort"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"github.com/mlsim/mlsim/wire"
)

// PublishNext publishes the group's oldest intent still TO_SEND.
func (s *Server) PublishNext(_ context.Context, req *pb.GroupRequest) (*pb.PublishResponse, error) {
	var res *pb.PublishResult
	ack, err := s.call(req.GetInstallation(), func(in *installation) error {
		g, err := in.usable(req.GetGroup())
		if err != nil {
			return err
		}
		res, err = in.publishNext(g)
		return err
	})
	return reply(&pb.PublishResponse{Ack: ack, Result: res}, err)
}

// PublishAll publishes until nothing is left. A naive commit is never in
// flight (it is merged when sent), so nothing ever waits.
func (s *Server) PublishAll(_ context.Context, req *pb.GroupRequest) (*pb.PublishAllResponse, error) {
	var results []*pb.PublishResult
	ack, err := s.call(req.GetInstallation(), func(in *installation) error {
		g, err := in.usable(req.GetGroup())
		if err != nil {
			return err
		}
		results, err = in.publishAll(g)
		return err
	})
	return reply(&pb.PublishAllResponse{Ack: ack, Results: results}, err)
}

func (in *installation) publishAll(g *group) ([]*pb.PublishResult, error) {
	var results []*pb.PublishResult
	// Each round ends one intent or returns: the bound is a guard only.
	for range len(in.st.Intents) + 1 {
		res, err := in.publishNext(g)
		if err != nil {
			return results, err
		}
		if res.Action == pb.PublishAction_PUBLISH_ACTION_NONE {
			break
		}
		results = append(results, res)
	}
	return results, nil
}

func (in *installation) publishNext(g *group) (*pb.PublishResult, error) {
	for _, it := range in.st.Intents {
		if it.Group != g.ID || it.State != pb.IntentStateCode_INTENT_STATE_TO_SEND {
			continue
		}
		if it.Kind == pb.IntentKind_INTENT_KIND_SEND_MESSAGE {
			return in.publishMessage(g, it)
		}
		return in.publishCommit(g, it)
	}
	return &pb.PublishResult{Action: pb.PublishAction_PUBLISH_ACTION_NONE}, nil
}

// send publishes a new attempt: PUBLISHED with its hash, then the
// publish. On a network error the intent goes back to TO_SEND, and the
// next PublishNext builds a fresh attempt (naive: the same bytes are
// never sent again, whether the first landed or not).
func (in *installation) send(g *group, it *intentSt, payload []byte) (uint64, error) {
	h := wire.Hash(payload)
	in.move(it, pb.IntentStateCode_INTENT_STATE_PUBLISHED, "", h[:], nil)
	seq, err := in.topic.publish(wire.GroupTopic(g.ID), payload)
	if err != nil {
		in.move(it, pb.IntentStateCode_INTENT_STATE_TO_SEND, "", nil, nil)
		return 0, networkErr("publish intent %d: %v", it.ID, err)
	}
	return seq, nil
}

func (in *installation) publishMessage(g *group, it *intentSt) (*pb.PublishResult, error) {
	counter := g.SendCounter + 1
	msgID := wire.MessageID(in.id, it.ID)
	ct, err := in.states[g.ID].Protect(framePlaintext(counter, msgID, it.Data))
	if err != nil {
		return nil, internalErr("encrypt intent %d: %v", it.ID, err)
	}
	g.SendCounter = counter
	env := wire.Envelope{Kind: wire.KindApplication, GroupID: g.ID, Epoch: g.Epoch, Sender: in.id,
		Counter: counter, MessageID: msgID, MLS: ct}
	if g.Epoch == 0 {
		env.Creator = in.id // epoch 0's only member is its creator
	}
	if _, err := in.send(g, it, env.Encode()); err != nil {
		return nil, err
	}
	return &pb.PublishResult{Action: pb.PublishAction_PUBLISH_ACTION_SENT, Intent: it.ID}, nil
}

// plan is what a commit intent does at the current epoch.
type plan struct {
	addIDs, removes, skipped []string
	addKPs                   [][]byte
}

// planCommit asks the directory who to add (one key package each) and
// reads the members to remove.
func (in *installation) planCommit(g *group, it *intentSt) (plan, error) {
	var p plan
	var adds []string
	switch it.Kind {
	case pb.IntentKind_INTENT_KIND_ADD_MEMBERS:
		adds = splitAccounts(it.Data)
	case pb.IntentKind_INTENT_KIND_REMOVE_MEMBERS:
		gone := splitAccounts(it.Data)
		for _, m := range g.Members {
			if a, _ := accountOf(m); m != in.id && slices.Contains(gone, a) {
				p.removes = append(p.removes, m)
			}
		}
		sort.Strings(p.removes)
	}
	if g.Epoch == 0 {
		// The creator's other installations come in with its first commit.
		adds = append(adds, in.account)
	}
	seen := map[string]bool{}
	for _, account := range adds {
		ids, err := in.topic.installations(account)
		if err != nil {
			return p, networkErr("installations of %s: %v", account, err)
		}
		for _, id := range ids {
			if seen[id] || slices.Contains(g.Members, id) {
				continue
			}
			seen[id] = true
			kp, err := in.topic.fetchKeyPackage(id)
			if errors.Is(err, errNoKeyPackage) {
				p.skipped = append(p.skipped, id)
				continue
			}
			if err != nil {
				return p, networkErr("key package of %s: %v", id, err)
			}
			if owner, err := in.mls.KeyPackageOwner(kp); err != nil || owner != id {
				p.skipped = append(p.skipped, id)
				continue
			}
			p.addIDs = append(p.addIDs, id)
			p.addKPs = append(p.addKPs, kp)
		}
	}
	return p, nil
}

func (in *installation) publishCommit(g *group, it *intentSt) (*pb.PublishResult, error) {
	res := &pb.PublishResult{Intent: it.ID}
	p, err := in.planCommit(g, it)
	if err != nil {
		return nil, err
	}
	res.Skipped = p.skipped
	nothing := false
	switch it.Kind {
	case pb.IntentKind_INTENT_KIND_ADD_MEMBERS:
		nothing = len(p.addIDs) == 0
	case pb.IntentKind_INTENT_KIND_REMOVE_MEMBERS:
		nothing = len(p.removes) == 0
	}
	if nothing {
		in.move(it, pb.IntentStateCode_INTENT_STATE_COMMITTED, "noop", nil, p.skipped)
		res.Action = pb.PublishAction_PUBLISH_ACTION_NOOP
		return res, nil
	}
	gs := in.states[g.ID]
	if limit := int(in.st.Options.WidthCap); limit > 0 && widthAfter(gs, len(p.addIDs)) > limit {
		in.move(it, pb.IntentStateCode_INTENT_STATE_FAILED, "group_cap", nil, nil)
		res.Action = pb.PublishAction_PUBLISH_ACTION_FAILED
		return res, nil
	}
	built, err := gs.Commit(p.addKPs, p.removes)
	if err != nil {
		in.move(it, pb.IntentStateCode_INTENT_STATE_FAILED, "invalid", nil, nil)
		res.Action = pb.PublishAction_PUBLISH_ACTION_FAILED
		return res, nil
	}
	policy, err := wire.DecodePolicy(g.Policy)
	if err != nil {
		return nil, internalErr("policy of %s: %v", g.ID, err)
	}
	env := &wire.Envelope{Kind: wire.KindCommit, GroupID: g.ID, Epoch: g.Epoch, Sender: in.id,
		Proposals: built.Proposals, Added: p.addIDs, Removed: p.removes, Policy: policy, MLS: built.Commit}
	if g.Epoch == 0 {
		env.Creator = in.id
	}
	payload := env.Encode()
	seq, err := in.send(g, it, payload)
	if err != nil {
		return nil, err
	}
	// Naive shortcut 1: the commit is taken as won the moment the server
	// stored it, without reading the topic to see whether another commit
	// of this epoch landed first.
	old := g.Epoch
	in.states[g.ID] = built.Next
	g.Epoch, g.SendCounter = built.Next.Epoch(), 0
	g.Members = membersOf(built.Next)
	h := wire.Hash(payload)
	in.enterEpoch(g, seq, h[:], pb.EpochVia_EPOCH_VIA_COMMIT)
	in.storeMembership(g, seq, env, h, old)
	in.move(it, pb.IntentStateCode_INTENT_STATE_COMMITTED, "", nil, nil)
	for _, id := range p.addIDs {
		in.st.Welcomes = append(in.st.Welcomes, &welcome{ID: int64(len(in.st.Welcomes)) + 1, Intent: it.ID, Group: g.ID,
			To: id, Epoch: g.Epoch, CommitSeq: seq, State: pb.WelcomeState_WELCOME_STATE_READY_TO_SEND, MLS: built.Welcome})
	}
	res.Action = pb.PublishAction_PUBLISH_ACTION_SENT
	return res, nil
}

// widthAfter is the tree's width once n installations are added: go-mls
// fills blank leaves before it grows the tree, and never shrinks it.
func widthAfter(gs mlsGroup, n int) int {
	return max(gs.Width(), len(gs.Members())+n)
}

func membersOf(gs mlsGroup) []string {
	var ids []string
	for _, m := range gs.Members() {
		ids = append(ids, m.InstallationID)
	}
	sort.Strings(ids)
	return ids
}
