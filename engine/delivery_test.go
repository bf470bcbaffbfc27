package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/memnet"
)

var groupG = []string{"alice/1", "alice/2", "bob/1", "bob/2", "carol/1"}

// 3. A message whose epoch a commit then supersedes: accepted inside the
// window; rebuilt and accepted outside it; stored once either way.
func TestPastEpochWindow(t *testing.T) {
	w := newGroup(t, 21)
	need(t).intent(w.C("bob/1").Send("g", []byte("inside")))
	need(t).intent(w.C("carol/1").KeyUpdate("g"))
	_, err := w.C("carol/1").PublishNext("g")
	require.NoError(t, err)
	res, err := w.C("bob/1").PublishNext("g") // bob has not synced: epoch 1
	require.NoError(t, err)
	require.Equal(t, engine.PublishedSent, res.Action)
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 2, groupG...)
	requireMessages(t, w, "g", []string{"bob/1#1:inside"}, groupG...)
	require.Positive(t, countEvents(w, engine.EvPastEpochAccepted))
	require.Equal(t, 1, snap(t, w, "bob/1").Intents[0].Attempts)

	// Outside the window: four commits land before bob's epoch-2 message.
	need(t).intent(w.C("bob/1").Send("g", []byte("outside")))
	for i := 0; i < 4; i++ {
		need(t).intent(w.C("carol/1").KeyUpdate("g"))
		for _, id := range []string{"alice/1", "alice/2", "bob/2", "carol/1"} {
			require.NoError(t, w.Round(id))
		}
	}
	res, err = w.C("bob/1").PublishNext("g")
	require.NoError(t, err)
	require.Equal(t, engine.PublishedSent, res.Action)
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 6, groupG...)
	requireMessages(t, w, "g", []string{"bob/1#1:inside", "bob/1#2:outside"}, groupG...)
	require.Positive(t, countEvents(w, engine.EvPastEpochRejected))
	require.Equal(t, 2, snap(t, w, "bob/1").Intents[1].Attempts, "rebuilt once")
}

// 4. One sender's message delayed until after its next one lands: rejected
// by everyone by the counter rule, rebuilt by the sender, stored once.
func TestCounterRuleRebuildsLateMessage(t *testing.T) {
	w := newGroup(t, 22)
	need(t).intent(w.C("bob/1").Send("g", []byte("first")))
	need(t).intent(w.C("bob/1").Send("g", []byte("second")))
	w.Net.Arm("bob/1", memnet.PublishDelayed)
	_, err := w.C("bob/1").PublishNext("g")
	require.ErrorIs(t, err, memnet.ErrNetwork)
	res, err := w.C("bob/1").PublishNext("g")
	require.NoError(t, err)
	require.Equal(t, engine.PublishedSent, res.Action)
	require.NoError(t, w.Stabilize(20)) // "first" is rebuilt after "second" is accepted
	w.Net.Heal()                        // the original "first" lands last
	require.NoError(t, w.Stabilize(20))
	requireMessages(t, w, "g", []string{"bob/1#2:second", "bob/1#1:first"}, groupG...)
	require.Positive(t, countEvents(w, engine.EvCounterRejected))
	requireIntents(t, w, "bob/1", committed(intent.SendMessage), committed(intent.SendMessage))
	require.Equal(t, 2, snap(t, w, "bob/1").Intents[0].Attempts)
}

// 5a. Lost publishes, for a commit and for a message: the intent stays
// PUBLISHED and the same bytes are re-sent.
func TestLostPublishResendsSameBytes(t *testing.T) {
	w := newGroup(t, 23)
	need(t).intent(w.C("bob/1").KeyUpdate("g"))
	need(t).intent(w.C("bob/1").Send("g", []byte("m")))
	w.Net.Arm("bob/1", memnet.PublishLost)
	w.Net.Arm("bob/1", memnet.PublishLost)
	_, err := w.C("bob/1").PublishNext("g")
	require.ErrorIs(t, err, memnet.ErrNetwork)
	_, err = w.C("bob/1").PublishNext("g") // the message goes beside the commit
	require.ErrorIs(t, err, memnet.ErrNetwork)
	requireIntents(t, w, "bob/1", intentView{intent.KeyUpdate, intent.Published, ""}, intentView{intent.SendMessage, intent.Published, ""})
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 2, groupG...)
	requireIntents(t, w, "bob/1", committed(intent.KeyUpdate), committed(intent.SendMessage))
	for _, in := range snap(t, w, "bob/1").Intents {
		require.Equal(t, 1, in.Attempts, "same bytes, no rebuild")
	}
	require.Equal(t, 2, countEvents(w, engine.EvResentSameBytes))
	requireMessages(t, w, "g", []string{"bob/1#2:m"}, groupG...)
}

// 5b. An ambiguous publish whose bytes are also delayed: re-sent, both
// copies land, the second is skipped by everyone; the committer is not
// stranded.
func TestDelayedCopyLandsTwice(t *testing.T) {
	w := newGroup(t, 24)
	need(t).intent(w.C("bob/1").KeyUpdate("g"))
	need(t).intent(w.C("bob/1").Send("g", []byte("m")))
	w.Net.Arm("bob/1", memnet.PublishDelayed)
	w.Net.Arm("bob/1", memnet.PublishDelayed)
	for i := 0; i < 2; i++ {
		_, err := w.C("bob/1").PublishNext("g")
		require.ErrorIs(t, err, memnet.ErrNetwork)
	}
	require.NoError(t, w.Stabilize(20)) // re-sent copies land and are accepted
	w.Net.Heal()                        // the first copies land late
	require.Equal(t, 0, w.Net.PendingDelayed())
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 2, groupG...)
	requireIntents(t, w, "bob/1", committed(intent.KeyUpdate), committed(intent.SendMessage))
	requireMessages(t, w, "g", []string{"bob/1#2:m"}, groupG...)
	require.Equal(t, 2, countEvents(w, engine.EvResentSameBytes))
}

// 5c. A commit attempt delayed until after its rebuilt successor was
// built, landing just before it: the late copy changes nothing.
func TestOldAttemptLandsBeforeSuccessor(t *testing.T) {
	w := newGroup(t, 25)
	need(t).intent(w.C("bob/1").KeyUpdate("g"))
	w.Net.Arm("bob/1", memnet.PublishDelayed)
	_, err := w.C("bob/1").PublishNext("g")
	require.ErrorIs(t, err, memnet.ErrNetwork)
	need(t).intent(w.C("carol/1").KeyUpdate("g"))
	require.NoError(t, w.Round("carol/1")) // carol wins epoch 1
	require.NoError(t, w.C("bob/1").Sync("g"))
	requireIntents(t, w, "bob/1", intentView{intent.KeyUpdate, intent.ToSend, ""})
	w.Net.Arm("bob/1", memnet.PublishDelayed)
	_, err = w.C("bob/1").PublishNext("g") // attempt 2, for epoch 2
	require.ErrorIs(t, err, memnet.ErrNetwork)
	w.Net.Heal() // attempt 1 lands, then attempt 2
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 3, groupG...)
	requireIntents(t, w, "bob/1", committed(intent.KeyUpdate))
	require.Len(t, snap(t, w, "bob/1").Intents[0].Hashes, 2)
}
