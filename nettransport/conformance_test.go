package nettransport_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/topiclog"
)

// answer renders one call's result, timestamps left out (the server's
// clock is its own).
func answer(v any, err error) string {
	if errors.Is(err, engine.ErrNoKeyPackage) {
		return "ErrNoKeyPackage"
	}
	if err != nil {
		return "error: " + err.Error()
	}
	if p, ok := v.(engine.Page); ok {
		s := fmt.Sprintf("head=%d", p.Head)
		for _, e := range p.Envelopes {
			s += fmt.Sprintf(" %d:%s", e.Seq, e.Payload)
		}
		return s
	}
	return fmt.Sprint(v)
}

// script is a run of calls through one installation's transport (and the
// directory's revocation); each returns its answer.
func script(tr engine.Transport, revoke func(installation string)) []string {
	var out []string
	say := func(v any, err error) { out = append(out, answer(v, err)) }
	for i, topic := range []string{"group/g", "welcome/b/1", "group/g", "group/h", "group/g", "group/g"} {
		say(nil, tr.Publish(topic, []byte(fmt.Sprintf("p%d", i))))
	}
	for _, q := range []struct {
		topic string
		after uint64
		limit int
	}{{"group/g", 0, 2}, {"group/g", 2, 2}, {"group/g", 3, 10}, {"group/g", 4, 10}, {"group/g", 9, 10},
		{"group/none", 0, 10}, {"welcome/b/1", 0, 32}, {"group/h", 0, 1}} {
		say(tr.Query(q.topic, q.after, q.limit))
	}
	say(nil, tr.UploadKeyPackages("b", "b/2", [][]byte{[]byte("k1"), []byte("k2")}))
	say(nil, tr.UploadKeyPackages("a", "a/1", nil))
	say(nil, tr.UploadKeyPackages("b", "b/1", [][]byte{[]byte("k3")}))
	say(nil, tr.UploadKeyPackages("b", "b/2", [][]byte{[]byte("k4")}))
	say(tr.Installations("b"))
	say(tr.Installations("a"))
	say(tr.Installations("nobody"))
	for range 4 {
		say(tr.KeyPackageCount("b/2"))
		kp, err := tr.FetchKeyPackage("b/2")
		say(string(kp), err)
	}
	say(tr.FetchKeyPackage("a/1"))
	say(tr.DirectoryVersion())
	revoke("b/1")
	revoke("b/1")
	say(tr.DirectoryVersion())
	say(tr.Installations("b"))
	say(tr.KeyPackageCount("b/1"))
	say(nil, tr.UploadKeyPackages("b", "b/1", [][]byte{[]byte("k5")}))
	return out
}

// topicd answers every call as memnet does (the simulator's server, whose
// semantics the engine was proved against), and topiclog reads back from
// topicd's database the log and directory that memnet's own view
// (internal/observe) shows the checker.
func TestSameAnswersAsMemnet(t *testing.T) {
	net := memnet.New(1, 1)
	want := script(net.For("a/1"), net.Revoke)
	addr, db := server(t)
	c := dial(t, addr, 0)
	got := script(c.For("a/1"), func(id string) { require.NoError(t, c.Revoke(context.Background(), id)) })
	require.Equal(t, want[:len(want)-1], got[:len(got)-1])
	// Both refuse a revoked installation's upload with engine.ErrRevoked;
	// the messages around it differ.
	require.Contains(t, want[len(want)-1], engine.ErrRevoked.Error())
	require.Contains(t, got[len(got)-1], engine.ErrRevoked.Error())

	r, err := topiclog.Open(context.Background(), db)
	require.NoError(t, err)
	defer r.Close()
	require.NoError(t, r.Refresh(context.Background()))
	requireSameLog(t, observe.Log(net), r)
	mem := observe.Directory(net)
	for _, account := range []string{"a", "b", "nobody"} {
		require.Equal(t, mem.Installations(account), r.Installations(account), account)
	}
	for _, id := range []string{"a/1", "b/1", "b/2", "c/1"} {
		require.Equal(t, mem.KeyPackages(id), r.KeyPackages(id), id)
		require.Equal(t, mem.Revoked(id), r.Revoked(id), id)
	}
}

// requireSameLog compares two checker logs, timestamps left out.
func requireSameLog(t *testing.T, want, got checker.Log) {
	t.Helper()
	require.Equal(t, want.Topics(), got.Topics())
	require.Equal(t, want.Count(), got.Count())
	for _, topic := range want.Topics() {
		for _, after := range []uint64{0, 1, 3} {
			w, g := slices.Clone(want.Records(topic, after)), slices.Clone(got.Records(topic, after))
			require.Len(t, g, len(w), "%s after %d", topic, after)
			for i := range w {
				w[i].TimestampNs, g[i].TimestampNs = 0, 0
			}
			require.Equal(t, w, g)
		}
	}
}
