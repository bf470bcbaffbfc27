package trace

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The canonical line is what a run hashes: its format is a contract with
// every recorded trace hash, so each part of it is pinned here.
func TestStepLine(t *testing.T) {
	st := Step{N: 7, Name: "sync", Text: "sync bob/1 g0", Actor: "bob/1", Group: "g0", Outcome: "ok", Events: []Event{
		{Installation: "bob/1", Kind: "commit_accepted", Group: "g0", Seq: 3, Epoch: 2, Detail: "sender=alice/1"},
		{Installation: "bob/1", Kind: "welcome_skipped", Seq: 4, Detail: "malformed"},
		{Installation: "bob/1", Kind: "store_busy", Fault: true},
		{Kind: "query_error", Fault: true},
		{Installation: "bob/1", Kind: "welcome_withheld", Group: "welcome/carol/1", Fault: true},
	}}
	require.Equal(t, "7 sync bob/1 g0 -> ok | commit_accepted g0 seq=3 epoch=2 sender=alice/1; welcome_skipped  seq=4 malformed; store_busy; query_error; welcome_withheld welcome/carol/1", st.String())
	require.Equal(t, "ok | commit_accepted g0 seq=3 epoch=2 sender=alice/1; welcome_skipped  seq=4 malformed; store_busy; query_error; welcome_withheld welcome/carol/1", st.Output())
	require.Equal(t, "3 heal delayed_pending=0", Step{N: 3, Name: "heal", Text: "heal delayed_pending=0"}.String())
	require.Equal(t, "4 swarm off=garbage -> ", Step{N: 4, Name: "swarm", Text: "swarm off=garbage"}.String())
	require.Equal(t, []string{"3 heal delayed_pending=0"}, Lines([]Step{{N: 3, Name: "heal", Text: "heal delayed_pending=0"}}))
}

func TestStepMentions(t *testing.T) {
	st := Step{Actor: "alice/1", Group: "g0", Involves: []string{"bob/1"}, Events: []Event{{Installation: "dave/1", Kind: "commit_accepted", Group: "g1"}}}
	require.True(t, st.Mentions("", []string{"alice/1"}))
	require.True(t, st.Mentions("", []string{"bob/1"}))
	require.True(t, st.Mentions("g0", nil))
	require.True(t, st.Mentions("g1", nil), "an event's group counts")
	require.True(t, st.Mentions("", []string{"dave/1"}), "an event's installation counts")
	require.False(t, st.Mentions("g2", []string{"carol/1"}))
	require.False(t, st.Mentions("", nil))
}
