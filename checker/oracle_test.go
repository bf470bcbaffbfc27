package checker_test

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/wire"
)

// fakeLog is a hand-written server log.
type fakeLog map[string][]checker.Record

func (f fakeLog) Topics() []string {
	var out []string
	for t := range f {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func (f fakeLog) Count() uint64 {
	n := 0
	for _, records := range f {
		n += len(records)
	}
	return uint64(n)
}

func (f fakeLog) Records(topic string, after uint64) []checker.Record {
	if after >= uint64(len(f[topic])) {
		return nil
	}
	return f[topic][after:]
}

func (f fakeLog) add(group string, e wire.Envelope) {
	topic := wire.GroupTopic(group)
	seq := uint64(len(f[topic]) + 1)
	f[topic] = append(f[topic], checker.Record{Seq: seq, Payload: e.Encode(), Publisher: e.Sender})
}

func (f fakeLog) garbage(group string, payload []byte) {
	topic := wire.GroupTopic(group)
	seq := uint64(len(f[topic]) + 1)
	f[topic] = append(f[topic], checker.Record{Seq: seq, Payload: payload, Injected: true})
}

func commit(epoch uint64, sender string, added, removed []string) wire.Envelope {
	e := wire.Envelope{Kind: wire.KindCommit, GroupID: "g", Epoch: epoch, Sender: sender, Added: added, Removed: removed,
		Policy: wire.Policy{SuperAdmin: "a", AddAccount: wire.Everyone, RemoveAccount: wire.Everyone,
			ChangeAdmins: wire.SuperAdmins, ChangePolicy: wire.SuperAdmins}, MLS: []byte{1}}
	if epoch == 0 {
		e.Creator = sender
	}
	return e
}

func msg(epoch uint64, sender string, counter uint64, id int64) wire.Envelope {
	e := wire.Envelope{Kind: wire.KindApplication, GroupID: "g", Epoch: epoch, Sender: sender, Counter: counter,
		MessageID: wire.MessageID(sender, id), MLS: []byte{1}}
	if epoch == 0 {
		e.Creator = sender
	}
	return e
}

// The oracle applies SPEC §5 by position, from headers alone.
func TestOracleAcceptance(t *testing.T) {
	l := fakeLog{}
	l.add("g", msg(0, "a/1", 1, 1))                           // 1 creator's epoch-0 message
	l.add("g", commit(0, "a/1", []string{"b/1", "c/1"}, nil)) // 2 epoch 0 -> 1
	l.add("g", commit(0, "b/1", []string{"d/1"}, nil))        // 3 lost the race
	l.add("g", commit(1, "d/1", nil, nil))                    // 4 non-member
	l.add("g", msg(1, "b/1", 2, 2))                           // 5
	l.add("g", msg(1, "b/1", 1, 3))                           // 6 counter not higher
	l.add("g", msg(1, "b/1", 3, 2))                           // 7 duplicate message id
	l.add("g", commit(1, "b/1", nil, []string{"c/1"}))        // 8 epoch 1 -> 2, removes c/1
	l.add("g", msg(1, "c/1", 1, 4))                           // 9 sender removed since epoch 1
	l.add("g", commit(2, "a/1", []string{"c/1"}, nil))        // 10 epoch 2 -> 3, re-adds c/1
	l.add("g", msg(1, "c/1", 2, 5))                           // 11 not a member throughout
	l.add("g", msg(3, "c/1", 1, 6))                           // 12 fresh membership
	injected := msg(3, "a/1", 1, 7)
	l.garbage("g", injected.Encode())      // 13 injected
	l.add("g", commit(3, "a/1", nil, nil)) // 14 -> 4
	l.add("g", commit(4, "a/1", nil, nil)) // 15 -> 5
	l.add("g", commit(5, "a/1", nil, nil)) // 16 -> 6
	l.add("g", msg(3, "b/1", 1, 8))        // 17 epoch 3 at 6: in the window
	l.add("g", commit(6, "a/1", nil, nil)) // 18 -> 7
	l.add("g", msg(3, "b/1", 2, 9))        // 19 epoch 3 at 7: outside
	o := checker.NewOracle(3)
	o.Fold(l)
	g := o.Group("g")
	var accepted []uint64
	for _, v := range g.Verdicts {
		if v.Accepted {
			accepted = append(accepted, v.Seq)
		}
	}
	require.Equal(t, []uint64{1, 2, 5, 8, 10, 12, 14, 15, 16, 17, 18}, accepted)
	require.Equal(t, uint64(7), g.Epoch)
	require.Equal(t, []string{"a/1", "b/1", "c/1"}, g.MemberList())
	require.True(t, g.MemberAt("c/1", 1))
	require.False(t, g.MemberAt("c/1", 2))
	require.False(t, g.Continuous("c/1", 1, 3))
	require.Len(t, g.Added, 3)
	m, ok := g.MessageByID("b/1#2")
	require.True(t, ok)
	require.Equal(t, uint64(5), m.Seq)

	// Folding again reads nothing twice; new records extend the history.
	l.add("g", commit(7, "b/1", nil, nil))
	o.Fold(l)
	require.Equal(t, uint64(8), g.Epoch)
	require.Len(t, g.Verdicts, 20)
}

// An epoch-0 payload must come from the creator it names.
func TestOracleCreator(t *testing.T) {
	l := fakeLog{}
	forged := msg(0, "b/1", 1, 1)
	forged.Creator = "a/1"
	l.add("g", forged)
	l.add("g", commit(0, "a/1", nil, nil))
	l.add("g", commit(0, "b/1", nil, nil))
	o := checker.NewOracle(3)
	o.Fold(l)
	g := o.Group("g")
	require.False(t, g.Verdicts[0].Accepted)
	require.True(t, g.Verdicts[1].Accepted)
	require.False(t, g.Verdicts[2].Accepted)
}
