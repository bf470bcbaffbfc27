//go:debug randseednop=0
package nettransport_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intent"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
	"github.com/mlsim/mlsim/wire"
)

// The engine runs over the network as over memnet: alice/1 creates a
// group and adds bob (both installations) and alice's second one; every
// member sends; after Upkeep rounds every member is at the same epoch
// with the same authenticator and members and holds every message, and
// the checker — reading topicd's database — finds no violation at any
// step nor at the end.
func TestEngineOverNetwork(t *testing.T) {
	w := newLiveWorld(t, 5*time.Second)
	w.add(1, "alice/1", "alice/2", "bob/1", "bob/2")
	w.settle(5) // key packages uploaded
	require.NoError(t, w.c("alice/1").CreateGroup("g"))
	_, err := w.c("alice/1").AddMembers("g", "bob")
	require.NoError(t, err)
	w.settle(20)
	for _, id := range w.names {
		_, err := w.c(id).Send("g", []byte("hello from "+id))
		require.NoError(t, err)
	}
	w.settle(20)
	w.final()

	var first engine.GroupSnapshot
	for i, id := range w.names {
		snap, err := w.c(id).Snapshot()
		require.NoError(t, err)
		require.Len(t, snap.Groups, 1, id)
		g := snap.Groups[0]
		if i == 0 {
			first = g
			require.Equal(t, []string{"alice/1", "alice/2", "bob/1", "bob/2"}, g.Members)
		}
		require.Equal(t, first.Epoch, g.Epoch, id)
		require.Equal(t, first.Authenticator, g.Authenticator, id)
		require.Equal(t, first.Members, g.Members, id)
		var bodies []string
		for _, m := range snap.Messages {
			if m.Kind == engine.MessageApplication {
				bodies = append(bodies, m.Body)
			}
		}
		require.ElementsMatch(t, []string{"hello from alice/1", "hello from alice/2", "hello from bob/1", "hello from bob/2"}, bodies, id)
	}
}

// publishFault is a server interceptor for one armed Publish to a group
// topic: "ambiguous" stores it and then holds the answer past the
// client's deadline; "lost" holds it without storing it. Either way the
// client's call ends in DeadlineExceeded and it cannot know which
// happened. It counts the publishes of each payload that reached it.
type publishFault struct {
	mu     sync.Mutex
	mode   string // "ambiguous" or "lost"
	armed  bool
	faulty [sha256.Size]byte // the payload the fault hit
	copies map[[sha256.Size]byte]int
}

func (f *publishFault) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	p, ok := req.(*topicv1.PublishRequest)
	if !ok || info.FullMethod != topicv1.TopicService_Publish_FullMethodName {
		return h(ctx, req)
	}
	sum := sha256.Sum256(p.GetPayload())
	f.mu.Lock()
	f.copies[sum]++
	hit := f.armed && strings.HasPrefix(p.GetTopic(), wire.GroupTopic(""))
	if hit {
		f.armed, f.faulty = false, sum
	}
	f.mu.Unlock()
	if !hit {
		return h(ctx, req)
	}
	var resp any
	var err error
	if f.mode == "ambiguous" {
		resp, err = h(ctx, req)
	}
	<-ctx.Done() // the client gives up: its deadline
	if f.mode == "lost" {
		return nil, status.Error(codes.DeadlineExceeded, "dropped")
	}
	return resp, err
}

func (f *publishFault) sent(sum [sha256.Size]byte) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.copies[sum]
}

// A publish whose outcome the client cannot know — its deadline expired
// after the server stored it (ambiguous) or without the server storing it
// (lost) — is handled by the engine's rules over the real network as over
// memnet (SPEC §4 rule 6): the client syncs to the head and re-sends the
// same bytes only if they are not there. So the ambiguous payload was sent
// once, the lost one twice, each lands exactly once, the intent is
// COMMITTED, and the checker (S9 among the rest) finds no violation. It
// holds for an application message and for a commit (an add).
func TestUnknownOutcomePublishes(t *testing.T) {
	for _, tc := range []struct {
		mode   string
		commit bool
		sends  int
	}{
		{"ambiguous", false, 1},
		{"lost", false, 2},
		{"ambiguous", true, 1},
		{"lost", true, 2},
	} {
		name := tc.mode + map[bool]string{false: "-message", true: "-commit"}[tc.commit]
		t.Run(name, func(t *testing.T) {
			fault := &publishFault{mode: tc.mode, copies: map[[sha256.Size]byte]int{}}
			w := newLiveWorld(t, time.Second, grpc.UnaryInterceptor(fault.intercept))
			w.add(2, "alice/1", "bob/1", "carol/1")
			w.settle(5)
			require.NoError(t, w.c("alice/1").CreateGroup("g"))
			_, err := w.c("alice/1").AddMembers("g", "bob")
			require.NoError(t, err)
			w.settle(20)

			fault.mu.Lock()
			fault.armed = true
			fault.mu.Unlock()
			var id int64
			if tc.commit {
				id, err = w.c("alice/1").AddMembers("g", "carol")
			} else {
				id, err = w.c("alice/1").Send("g", []byte("through the fault"))
			}
			require.NoError(t, err)
			w.settle(20)
			w.final()

			require.False(t, fault.armed, "the fault hit a publish")
			require.Equal(t, tc.sends, fault.sent(fault.faulty), "publishes of the faulted payload")
			require.Equal(t, tc.sends-1, w.count(engine.EvResentSameBytes))
			copies := 0
			for _, r := range w.log.Records(wire.GroupTopic("g"), 0) {
				if sha256.Sum256(r.Payload) == fault.faulty {
					copies++
				}
			}
			require.Equal(t, 1, copies, "the payload is on the topic once")
			snap, err := w.c("alice/1").Snapshot()
			require.NoError(t, err)
			for _, in := range snap.Intents {
				if in.ID == id {
					require.Equal(t, intent.Committed, in.State, in.String())
				}
			}
			require.Empty(t, w.check.Copies())
		})
	}
}
