package intentclient_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/intentclient"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// Every kind of record crosses the wire and comes back as it was.
func TestObservationRoundTrip(t *testing.T) {
	hash := "87afe6bfa8e64a3c20c17c7e0c89cff798a741e2e6cab51198f339afd7b7e375"
	all := []checker.Observation{
		{Seq: 1, Serial: 1, Epoch: &checker.EpochEntered{Group: "g", Epoch: 0, Authenticator: "a0", Via: "create"}},
		{Seq: 2, Serial: 2, Epoch: &checker.EpochEntered{Group: "g", Epoch: 1, CommitSeq: 2, CommitHash: hash, Authenticator: "a1", Via: "commit"}},
		{Seq: 3, Serial: 3, Epoch: &checker.EpochEntered{Group: "h", Epoch: 4, CommitSeq: 7, Authenticator: "a4", Via: "welcome"}},
		{Seq: 4, Serial: 5, Message: &checker.StoredMessage{Group: "g", ID: "b/1#1", Kind: checker.MessageApplication,
			Sender: "b/1", Seq: 3, Epoch: 1, Body: []byte("hi")}},
		{Seq: 5, Serial: 6, Message: &checker.StoredMessage{Group: "g", ID: "commit:0011", Kind: checker.MessageMemberRemoved,
			Sender: "a/1", Seq: 4, Epoch: 2}},
		{Seq: 6, Serial: 9, IntentCreated: &checker.IntentCreated{ID: 9, Group: "g", Kind: checker.KindAddMembers, Data: []byte("b\nc")}},
		{Seq: 7, Serial: 10, IntentCreated: &checker.IntentCreated{ID: 10, Group: "g", Kind: checker.KindKeyUpdate}},
		{Seq: 8, Serial: 11, Transition: &checker.Transition{Intent: 9, Group: "g", From: checker.StateToSend,
			To: checker.StatePublished, Epoch: 1, Hash: hash}},
		{Seq: 9, Serial: 12, Transition: &checker.Transition{Intent: 9, Group: "g", From: checker.StatePublished,
			To: checker.StateCommitted, Reason: checker.ReasonNoop, Epoch: 2, Skipped: []string{"d/1", "e/1"}}},
		{Seq: 10, Position: &checker.Position{Group: "g", Epoch: 2, JoinedEpoch: 1, RemovedAtSeq: 9, Broken: "why",
			Cursor: 9, Consent: checker.ConsentPending}},
		{Seq: 11, Position: &checker.Position{Group: "h"}},
		{Seq: 12, Members: &checker.MembersHeld{Group: "g", Installations: []string{"a/1", "b/1"}}},
		{Seq: 13, Members: &checker.MembersHeld{Group: "h"}},
		{Seq: 14, Policy: &checker.PolicyHeld{Group: "g", Policy: "super=a admins= add=everyone"}},
		{Seq: 15, Intent: &checker.IntentEnd{ID: 9, Group: "g", Kind: checker.KindUpdatePolicy, State: checker.StateFailed,
			Reason: checker.ReasonPermission, Hashes: []string{hash, "00ff"}}},
		{Seq: 16, Intent: &checker.IntentEnd{ID: 10, Group: "g", Kind: checker.KindSendMessage, State: checker.StateToSend}},
		{Seq: 17, Welcome: &checker.WelcomeOwed{ID: 3, Intent: 9, Group: "g", To: "c/1", Epoch: 1, CommitSeq: 2,
			State: checker.WelcomeReadyToSend}},
	}
	kinds := map[string]bool{}
	for _, o := range all {
		k, err := o.Kind()
		require.NoError(t, err)
		kinds[k] = true
		bytes, err := proto.Marshal(intentclient.ObservationToProto(o))
		require.NoError(t, err)
		var wire pb.Observation
		require.NoError(t, proto.Unmarshal(bytes, &wire))
		back, err := intentclient.ObservationFromProto(&wire)
		require.NoError(t, err)
		if diff := cmp.Diff(o, back); diff != "" {
			t.Errorf("record %d changed on the wire (-sent +received):\n%s", o.Seq, diff)
		}
	}
	require.Len(t, kinds, 9, "every kind of record: %v", kinds)
}

// A record of no kind, or with a value the protocol does not define, is
// refused with what was wrong.
func TestObservationFromProtoRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		o    *pb.Observation
		says string
	}{
		"empty": {&pb.Observation{Seq: 4}, "observation 4: carries no record"},
		"via": {&pb.Observation{Record: &pb.Observation_Epoch{Epoch: &pb.EpochEntered{}}},
			"EPOCH_VIA_UNSPECIFIED is not a way"},
		"message kind": {&pb.Observation{Record: &pb.Observation_Message{Message: &pb.MessageStored{Kind: 9}}},
			"message kind 9"},
		"intent kind": {&pb.Observation{Record: &pb.Observation_IntentCreated{IntentCreated: &pb.IntentCreated{}}},
			"INTENT_KIND_UNSPECIFIED is not a kind"},
		"transition": {&pb.Observation{Record: &pb.Observation_Transition{Transition: &pb.IntentTransition{
			From: pb.IntentStateCode_INTENT_STATE_TO_SEND, To: 7}}}, "transition to: intent state 7"},
		"consent": {&pb.Observation{Record: &pb.Observation_Position{Position: &pb.Position{Consent: 5}}},
			"consent 5"},
		"intent state": {&pb.Observation{Record: &pb.Observation_Intent{Intent: &pb.IntentState{
			Kind: pb.IntentKind_INTENT_KIND_KEY_UPDATE}}}, "INTENT_STATE_UNSPECIFIED is not a state"},
		"welcome": {&pb.Observation{Record: &pb.Observation_Welcome{Welcome: &pb.WelcomeOutbound{}}},
			"WELCOME_STATE_UNSPECIFIED is not a state"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := intentclient.ObservationFromProto(tc.o)
			require.ErrorContains(t, err, tc.says)
		})
	}
}
