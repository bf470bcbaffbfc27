package engine_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intent"
)

var errCrash = errors.New("simulated crash")

// crashingTransport panics (a crash) on the next Publish once armed.
type crashingTransport struct {
	engine.Transport
	armed *bool
}

func (c crashingTransport) Publish(topic string, payload []byte) error {
	if *c.armed {
		*c.armed = false
		panic(errCrash)
	}
	return c.Transport.Publish(topic, payload)
}

func crashes(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		require.Equal(t, errCrash, r)
	}()
	f()
}

// 6. A crash after the write-ahead and before the send, and after an add
// commit was accepted but before its welcomes were sent: both recovered,
// nothing lost.
func TestCrashRecovery(t *testing.T) {
	armed := false
	w := newGroupWith(t, 31, func(wt *worldTweaks) {
		wt.wrapTransport = func(id string, tr engine.Transport) engine.Transport {
			if id == "bob/1" {
				return crashingTransport{tr, &armed}
			}
			return tr
		}
	})
	need(t).intent(w.C("bob/1").KeyUpdate("g"))
	need(t).intent(w.C("bob/1").Send("g", []byte("survives")))
	armed = true
	crashes(t, func() { _, _ = w.C("bob/1").PublishNext("g") })
	require.NoError(t, w.Restart("bob/1"))
	requireIntents(t, w, "bob/1", intentView{intent.KeyUpdate, intent.Published, ""}, intentView{intent.SendMessage, intent.ToSend, ""})
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 2, groupG...)
	requireIntents(t, w, "bob/1", committed(intent.KeyUpdate), committed(intent.SendMessage))
	requireMessages(t, w, "g", []string{"bob/1#2:survives"}, groupG...)

	// Crash after the add commit is accepted, before the welcome is sent.
	need(t).intent(w.C("alice/1").AddMembers("g", "dave"))
	_, err := w.C("alice/1").PublishNext("g")
	require.NoError(t, err)
	require.NoError(t, w.C("alice/1").Sync("g"))
	require.NoError(t, w.Restart("alice/1"))
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 3, append([]string{"dave/1"}, groupG...)...)
}

// 7. A removed member cannot decrypt anything after its removal, and its
// late messages are rejected by everyone.
func TestRemovedMemberLateMessagesRejected(t *testing.T) {
	w := newGroup(t, 32)
	need(t).intent(w.C("bob/1").RemoveMembers("g", "carol"))
	require.NoError(t, w.Round("bob/1")) // the removal lands; carol has not synced
	need(t).intent(w.C("carol/1").Send("g", []byte("too late")))
	_, err := w.C("carol/1").PublishNext("g") // built for epoch 1, lands after the removal
	require.NoError(t, err)
	need(t).intent(w.C("alice/1").Send("g", []byte("after removal")))
	require.NoError(t, w.Stabilize(20))
	remaining := []string{"alice/1", "alice/2", "bob/1", "bob/2"}
	requireGroup(t, w, "g", 2, remaining...)
	requireMessages(t, w, "g", []string{"alice/1#2:after removal"}, remaining...)
	requireMessages(t, w, "g", nil, "carol/1")
	requireIntents(t, w, "carol/1", intentView{intent.SendMessage, intent.Failed, intent.ReasonRemoved})
	require.Positive(t, countEvents(w, engine.EvRemovedSenderRejected))
}

// 8. Two syncs of one client interleaved: every payload processed once.
func TestInterleavedSyncsExactlyOnce(t *testing.T) {
	w := newGroup(t, 33)
	for _, body := range []string{"a", "b", "c"} {
		need(t).intent(w.C("alice/1").Send("g", []byte(body)))
		_, err := w.C("alice/1").PublishNext("g")
		require.NoError(t, err)
	}
	before := countEvents(w, engine.EvMessageStored)
	b1, err := w.C("bob/1").BeginSync("g", 0)
	require.NoError(t, err)
	b2, err := w.C("bob/1").BeginSync("g", 2)
	require.NoError(t, err)
	for done1, done2 := false, false; !done1 || !done2; {
		if !done2 {
			done2, err = b2.Step()
			require.NoError(t, err)
		}
		if !done1 {
			done1, err = b1.Step()
			require.NoError(t, err)
		}
	}
	require.NoError(t, w.C("bob/1").Sync("g"))
	require.Equal(t, 3, countEvents(w, engine.EvMessageStored)-before, "bob/1 stored each message once")
	requireMessages(t, w, "g", []string{"alice/1#2:a", "alice/1#3:b", "alice/1#4:c"}, "bob/1")
}

// flakyStore fails the next Update after running it (as if the commit
// failed), once armed.
type flakyStore struct {
	engine.Store
	armed *bool
}

var errBusy = errors.New("database is locked (simulated)")

func (f flakyStore) Update(fn func(engine.Tx) error) error {
	if !*f.armed {
		return f.Store.Update(fn)
	}
	*f.armed = false
	return f.Store.Update(func(tx engine.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errBusy
	})
}

// 9. A transient store error right after a decrypt: the retry succeeds
// (the state is reloaded), nothing is skipped.
func TestTransientStoreErrorAfterDecrypt(t *testing.T) {
	armed := false
	w := newGroupWith(t, 34, func(wt *worldTweaks) {
		wt.wrapStore = func(id string, s engine.Store) engine.Store {
			if id == "bob/1" {
				return flakyStore{s, &armed}
			}
			return s
		}
	})
	for _, body := range []string{"one", "two"} {
		need(t).intent(w.C("alice/1").Send("g", []byte(body)))
		_, err := w.C("alice/1").PublishNext("g")
		require.NoError(t, err)
	}
	armed = true
	err := w.C("bob/1").Sync("g")
	require.ErrorIs(t, err, errBusy)
	requireMessages(t, w, "g", nil, "bob/1")
	require.NoError(t, w.C("bob/1").Sync("g"))
	require.NoError(t, w.Stabilize(20))
	requireMessages(t, w, "g", []string{"alice/1#2:one", "alice/1#3:two"}, groupG...)
}

// 9b. A transient store error after a commit was applied: the group row
// and the cursor that transaction wrote are forgotten with it (the engine
// caches both), so the retry applies the commit again from the stored
// epoch and bob ends where everyone else does.
func TestTransientStoreErrorAfterCommit(t *testing.T) {
	armed := false
	w := newGroupWith(t, 35, func(wt *worldTweaks) {
		wt.wrapStore = func(id string, s engine.Store) engine.Store {
			if id == "bob/1" {
				return flakyStore{s, &armed}
			}
			return s
		}
	})
	need(t).intent(w.C("alice/1").KeyUpdate("g"))
	_, err := w.C("alice/1").PublishNext("g")
	require.NoError(t, err)
	armed = true
	require.ErrorIs(t, w.C("bob/1").Sync("g"), errBusy)
	g, _ := groupOf(snap(t, w, "bob/1"), "g")
	require.Equal(t, uint64(1), g.Epoch, "the failed transaction committed nothing")
	require.NoError(t, w.C("bob/1").Sync("g"))
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 2, "alice/1", "alice/2", "bob/1", "bob/2", "carol/1")
}
