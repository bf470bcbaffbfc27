package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/mlsadapter"
)

func stepNames(r engine.UpkeepReport) []string {
	var out []string
	for _, s := range r.Steps {
		out = append(out, s.String())
	}
	return out
}

// Upkeep runs every step in order and reports each; a failed step does
// not stop the round, and Err names the steps that failed. The groups
// joined from welcomes are reported.
func TestUpkeepReport(t *testing.T) {
	w := newGroup(t, 96)
	all := []string{"key-packages", "process-welcomes", "streams", "sync", "groups", "installations", "publish g", "send-welcomes", "sync"}

	need(t).intent(w.c("bob/1").Send("g", []byte("hi")))
	w.net.Arm("bob/1", memnet.PublishLost)
	rep, err := w.c("bob/1").Upkeep()
	require.Equal(t, all, stepNames(rep))
	require.ErrorIs(t, err, memnet.ErrNetwork)
	require.ErrorContains(t, err, "publish g: ")
	for _, s := range rep.Steps {
		require.Equal(t, s.Name == engine.UpkeepPublish, s.Err != nil, s.String())
	}

	rep, err = w.c("bob/1").Upkeep() // the same bytes again, and read back
	require.NoError(t, err)
	require.Equal(t, all, stepNames(rep))
	require.Equal(t, []string{"bob/1#1:hi"}, appMessages(t, w, "bob/1", "g"))

	need(t).intent(w.c("alice/1").AddMembers("g", "dave"))
	for i := 0; i < 2; i++ { // publish the add and read it back; then send the welcome
		_, err = w.c("alice/1").Upkeep()
		require.NoError(t, err)
	}
	rep, err = w.c("dave/1").Upkeep()
	require.NoError(t, err)
	require.Equal(t, []string{"g"}, rep.Joined)
}

// panicOnPublish stands for a process that dies in a network call.
type panicOnPublish struct{ engine.Transport }

func (panicOnPublish) Publish(string, []byte) error { panic("died") }

// Upkeep recovers no panic, and UpkeepInto has recorded every step that
// ended before it.
func TestUpkeepIntoKeepsStepsBeforeAPanic(t *testing.T) {
	w := newGroup(t, 97)
	need(t).intent(w.c("bob/1").Send("g", []byte("hi")))
	c, err := engine.Open(engine.Config{InstallationID: "bob/1", Store: w.stores["bob/1"],
		Transport: panicOnPublish{w.net.For("bob/1")}, MLS: mlsadapter.New(detrand.New(97, "crypto/bob/1")), Clock: w.clock})
	require.NoError(t, err)
	var rep engine.UpkeepReport
	require.PanicsWithValue(t, "died", func() { c.UpkeepInto(&rep) })
	require.Equal(t, []string{"key-packages", "process-welcomes", "streams", "sync", "groups", "installations"}, stepNames(rep))
	require.NoError(t, rep.Err())
}
