package naiveclient

import (
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// The append-only changes: each changes the stored state and records it
// in the same step, so the records say what the state file says.

// enterEpoch records the group's current epoch, entered by via.
func (in *installation) enterEpoch(g *group, commitSeq uint64, commitHash []byte, via pb.EpochVia) {
	var auth []byte
	if gs := in.states[g.ID]; gs != nil {
		auth = gs.Authenticator()
	}
	in.record(serialEpoch, &pb.Observation{Record: &pb.Observation_Epoch{Epoch: &pb.EpochEntered{
		Group: g.ID, Epoch: g.Epoch, CommitSeq: commitSeq, CommitHash: commitHash, Authenticator: auth, Via: via}}})
}

// storeMessage stores a message once per id; it reports whether it was
// new.
func (in *installation) storeMessage(g *group, m *pb.MessageStored) bool {
	if g.hasMessage(m.Id) {
		return false
	}
	g.Messages = append(g.Messages, m.Id)
	m.Group = g.ID
	in.record(serialMessage, &pb.Observation{Record: &pb.Observation_Message{Message: m}})
	return true
}

// newIntent records a user's intent, TO_SEND.
func (in *installation) newIntent(group string, kind pb.IntentKind, data []byte) *intentSt {
	var id int64 = 1
	if n := len(in.st.Intents); n > 0 {
		id = in.st.Intents[n-1].ID + 1
	}
	it := &intentSt{ID: id, Group: group, Kind: kind, Data: data, State: pb.IntentStateCode_INTENT_STATE_TO_SEND}
	in.st.Intents = append(in.st.Intents, it)
	in.record(serialCreated, &pb.Observation{Record: &pb.Observation_IntentCreated{IntentCreated: &pb.IntentCreated{
		Id: id, Group: group, Kind: kind, Data: data}}})
	return it
}

// move changes an intent's state; hash, on a move to PUBLISHED, is the
// new attempt's.
func (in *installation) move(it *intentSt, to pb.IntentStateCode, reason string, hash []byte, skipped []string) {
	var epoch uint64
	if g := in.st.group(it.Group); g != nil {
		epoch = g.Epoch
	}
	in.record(serialTransition, &pb.Observation{Record: &pb.Observation_Transition{Transition: &pb.IntentTransition{
		Intent: it.ID, Group: it.Group, From: it.State, To: to, Reason: reason, Epoch: epoch, Hash: hash, Skipped: skipped}}})
	it.State, it.Reason = to, reason
	if hash != nil {
		it.Attempts = append(it.Attempts, hash)
	}
}

func open(it *intentSt) bool {
	return it.State == pb.IntentStateCode_INTENT_STATE_TO_SEND || it.State == pb.IntentStateCode_INTENT_STATE_PUBLISHED
}
