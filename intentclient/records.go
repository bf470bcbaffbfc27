package intentclient

import (
	"encoding/hex"
	"fmt"

	"github.com/mlsim/mlsim/checker"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// Observation records between the checker's plain values and the wire.
// The enums' numbers are the schema's codes (checker/schema.go), so a
// value crosses as itself; hashes and authenticators are hex in the
// checker and bytes on the wire.

var vias = map[string]pb.EpochVia{
	"create": pb.EpochVia_EPOCH_VIA_CREATE, "commit": pb.EpochVia_EPOCH_VIA_COMMIT, "welcome": pb.EpochVia_EPOCH_VIA_WELCOME,
}

// ObservationToProto is a record as sent on the Observe stream. The
// checker's hashes come from its own hex encoding, so one that is not
// hex is a programming error and panics. A record carrying no kind gives
// an Observation with no record, which ObservationFromProto refuses.
func ObservationToProto(o checker.Observation) *pb.Observation {
	out := &pb.Observation{Seq: o.Seq, Serial: o.Serial}
	switch {
	case o.Epoch != nil:
		e := o.Epoch
		out.Record = &pb.Observation_Epoch{Epoch: &pb.EpochEntered{Group: e.Group, Epoch: e.Epoch, CommitSeq: e.CommitSeq,
			CommitHash: unhex(e.CommitHash), Authenticator: unhex(e.Authenticator), Via: vias[e.Via]}}
	case o.Message != nil:
		m := o.Message
		out.Record = &pb.Observation_Message{Message: &pb.MessageStored{Group: m.Group, Id: m.ID,
			Kind: pb.MessageKind(m.Kind), Sender: m.Sender, Seq: m.Seq, Epoch: m.Epoch, Body: m.Body}}
	case o.IntentCreated != nil:
		in := o.IntentCreated
		out.Record = &pb.Observation_IntentCreated{IntentCreated: &pb.IntentCreated{Id: in.ID, Group: in.Group,
			Kind: pb.IntentKind(in.Kind), Data: in.Data}}
	case o.Transition != nil:
		tr := o.Transition
		out.Record = &pb.Observation_Transition{Transition: &pb.IntentTransition{Intent: tr.Intent, Group: tr.Group,
			From: pb.IntentStateCode(tr.From), To: pb.IntentStateCode(tr.To), Reason: tr.Reason, Epoch: tr.Epoch,
			Hash: unhex(tr.Hash), Skipped: tr.Skipped}}
	case o.Position != nil:
		p := o.Position
		out.Record = &pb.Observation_Position{Position: &pb.Position{Group: p.Group, Epoch: p.Epoch,
			JoinedEpoch: p.JoinedEpoch, RemovedAtSeq: p.RemovedAtSeq, Broken: p.Broken, Cursor: p.Cursor,
			Consent: pb.Consent(p.Consent)}}
	case o.Members != nil:
		out.Record = &pb.Observation_Members{Members: &pb.Members{Group: o.Members.Group,
			Installations: o.Members.Installations}}
	case o.Policy != nil:
		out.Record = &pb.Observation_Policy{Policy: &pb.PolicyHeld{Group: o.Policy.Group, Policy: o.Policy.Policy}}
	case o.Intent != nil:
		in := o.Intent
		hashes := make([][]byte, len(in.Hashes))
		for i, h := range in.Hashes {
			hashes[i] = unhex(h)
		}
		out.Record = &pb.Observation_Intent{Intent: &pb.IntentState{Id: in.ID, Group: in.Group,
			Kind: pb.IntentKind(in.Kind), State: pb.IntentStateCode(in.State), Reason: in.Reason, AttemptHashes: hashes}}
	case o.Welcome != nil:
		w := o.Welcome
		out.Record = &pb.Observation_Welcome{Welcome: &pb.WelcomeOutbound{Id: w.ID, Intent: w.Intent, Group: w.Group,
			To: w.To, Epoch: w.Epoch, CommitSeq: w.CommitSeq, State: pb.WelcomeState(w.State)}}
	}
	return out
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("intentclient: a checker hash that is not hex (%q): %v", s, err))
	}
	return b
}

// ObservationFromProto is a record received on the Observe stream, as the
// checker holds it. It refuses a record of no kind and an enum value the
// protocol does not define, or leaves unspecified where a value is
// required (consent may be unspecified: no property reads it).
func ObservationFromProto(o *pb.Observation) (checker.Observation, error) {
	out := checker.Observation{Seq: o.GetSeq(), Serial: o.GetSerial()}
	var err error
	switch r := o.GetRecord().(type) {
	case *pb.Observation_Epoch:
		e := r.Epoch
		var via string
		if via, err = viaName(e.GetVia()); err == nil {
			out.Epoch = &checker.EpochEntered{Group: e.GetGroup(), Epoch: e.GetEpoch(), CommitSeq: e.GetCommitSeq(),
				CommitHash: hex.EncodeToString(e.GetCommitHash()), Authenticator: hex.EncodeToString(e.GetAuthenticator()), Via: via}
		}
	case *pb.Observation_Message:
		m := r.Message
		var kind checker.MessageKind
		if kind, err = messageKind(m.GetKind()); err == nil {
			out.Message = &checker.StoredMessage{Group: m.GetGroup(), ID: m.GetId(), Kind: kind, Sender: m.GetSender(),
				Seq: m.GetSeq(), Epoch: m.GetEpoch(), Body: m.GetBody()}
		}
	case *pb.Observation_IntentCreated:
		in := r.IntentCreated
		var kind checker.IntentKind
		if kind, err = intentKind(in.GetKind()); err == nil {
			out.IntentCreated = &checker.IntentCreated{ID: in.GetId(), Group: in.GetGroup(), Kind: kind, Data: in.GetData()}
		}
	case *pb.Observation_Transition:
		out.Transition, err = transitionFromProto(r.Transition)
	case *pb.Observation_Position:
		p := r.Position
		var consent checker.Consent
		if consent, err = consentOf(p.GetConsent()); err == nil {
			out.Position = &checker.Position{Group: p.GetGroup(), Epoch: p.GetEpoch(), JoinedEpoch: p.GetJoinedEpoch(),
				RemovedAtSeq: p.GetRemovedAtSeq(), Broken: p.GetBroken(), Cursor: p.GetCursor(), Consent: consent}
		}
	case *pb.Observation_Members:
		out.Members = &checker.MembersHeld{Group: r.Members.GetGroup(), Installations: r.Members.GetInstallations()}
	case *pb.Observation_Policy:
		out.Policy = &checker.PolicyHeld{Group: r.Policy.GetGroup(), Policy: r.Policy.GetPolicy()}
	case *pb.Observation_Intent:
		out.Intent, err = intentFromProto(r.Intent)
	case *pb.Observation_Welcome:
		w := r.Welcome
		var state checker.WelcomeState
		if state, err = welcomeState(w.GetState()); err == nil {
			out.Welcome = &checker.WelcomeOwed{ID: w.GetId(), Intent: w.GetIntent(), Group: w.GetGroup(), To: w.GetTo(),
				Epoch: w.GetEpoch(), CommitSeq: w.GetCommitSeq(), State: state}
		}
	default:
		err = fmt.Errorf("carries no record (or one this driver does not know)")
	}
	if err != nil {
		return checker.Observation{}, fmt.Errorf("intentclient: observation %d: %w", o.GetSeq(), err)
	}
	return out, nil
}

func transitionFromProto(t *pb.IntentTransition) (*checker.Transition, error) {
	from, err := intentState(t.GetFrom())
	if err != nil {
		return nil, fmt.Errorf("transition from: %w", err)
	}
	to, err := intentState(t.GetTo())
	if err != nil {
		return nil, fmt.Errorf("transition to: %w", err)
	}
	return &checker.Transition{Intent: t.GetIntent(), Group: t.GetGroup(), From: from, To: to, Reason: t.GetReason(),
		Epoch: t.GetEpoch(), Hash: hex.EncodeToString(t.GetHash()), Skipped: t.GetSkipped()}, nil
}

func intentFromProto(in *pb.IntentState) (*checker.IntentEnd, error) {
	kind, err := intentKind(in.GetKind())
	if err != nil {
		return nil, err
	}
	state, err := intentState(in.GetState())
	if err != nil {
		return nil, err
	}
	var hashes []string
	for _, h := range in.GetAttemptHashes() {
		hashes = append(hashes, hex.EncodeToString(h))
	}
	return &checker.IntentEnd{ID: in.GetId(), Group: in.GetGroup(), Kind: kind, State: state, Reason: in.GetReason(),
		Hashes: hashes}, nil
}

// The enum checks: a value the protocol defines, and not UNSPECIFIED.

func viaName(v pb.EpochVia) (string, error) {
	for name, code := range vias {
		if code == v {
			return name, nil
		}
	}
	return "", fmt.Errorf("epoch via %v is not a way to enter an epoch", v)
}

func messageKind(k pb.MessageKind) (checker.MessageKind, error) {
	if k < pb.MessageKind_MESSAGE_KIND_APPLICATION || k > pb.MessageKind_MESSAGE_KIND_MEMBER_REMOVED {
		return 0, fmt.Errorf("message kind %v is not a kind of message", k)
	}
	return checker.MessageKind(k), nil
}

func intentKind(k pb.IntentKind) (checker.IntentKind, error) {
	if k < pb.IntentKind_INTENT_KIND_SEND_MESSAGE || k > pb.IntentKind_INTENT_KIND_UPDATE_POLICY {
		return 0, fmt.Errorf("intent kind %v is not a kind of intent", k)
	}
	return checker.IntentKind(k), nil
}

func intentState(s pb.IntentStateCode) (checker.IntentState, error) {
	if s < pb.IntentStateCode_INTENT_STATE_TO_SEND || s > pb.IntentStateCode_INTENT_STATE_FAILED {
		return 0, fmt.Errorf("intent state %v is not a state", s)
	}
	return checker.IntentState(s), nil
}

func consentOf(c pb.Consent) (checker.Consent, error) {
	if c < pb.Consent_CONSENT_UNSPECIFIED || c > pb.Consent_CONSENT_PENDING {
		return 0, fmt.Errorf("consent %v is not a consent", c)
	}
	return checker.Consent(c), nil
}

func welcomeState(s pb.WelcomeState) (checker.WelcomeState, error) {
	if s < pb.WelcomeState_WELCOME_STATE_PENDING || s > pb.WelcomeState_WELCOME_STATE_SENT {
		return 0, fmt.Errorf("welcome state %v is not a state", s)
	}
	return checker.WelcomeState(s), nil
}
