package naiveclient

import (
	"bytes"
	"context"
	"sort"
	"strconv"
	"sync"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"github.com/mlsim/mlsim/wire"
)

// obsLog is an installation's observation records for the life of the
// process (it outlives Restart). Readers wait on wake, a channel closed
// and replaced on every append: no polling.
type obsLog struct {
	mu   sync.Mutex
	recs []*pb.Observation
	wake chan struct{}
}

func newObsLog() *obsLog { return &obsLog{wake: make(chan struct{})} }

// add numbers the records and wakes every reader.
func (l *obsLog) add(recs []*pb.Observation) {
	if len(recs) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range recs {
		r.Seq = uint64(len(l.recs)) + 1
		l.recs = append(l.recs, r)
	}
	close(l.wake)
	l.wake = make(chan struct{})
}

func (l *obsLog) last() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return uint64(len(l.recs))
}

// since returns the records above seq and the channel closed by the next
// append.
func (l *obsLog) since(seq uint64) ([]*pb.Observation, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*pb.Observation
	if seq < uint64(len(l.recs)) {
		out = append(out, l.recs[seq:]...)
	}
	return out, l.wake
}

// follow sends the records above after, then each new one, until ctx ends.
func (l *obsLog) follow(ctx context.Context, after uint64, send func(*pb.Observation) error) error {
	for {
		recs, wake := l.since(after)
		for _, r := range recs {
			if err := send(r); err != nil {
				return err
			}
			after = r.Seq
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		}
	}
}

// The append-only kinds' serial counters, by name in the JSON file.
const (
	serialEpoch      = "epoch"
	serialMessage    = "message"
	serialCreated    = "intent_created"
	serialTransition = "transition"
)

// record makes an append-only record: the next serial of its kind, kept
// in the journal so a later process replays it, and queued for the log.
func (in *installation) record(kind string, o *pb.Observation) {
	in.st.Serials[kind]++
	o.Serial = in.st.Serials[kind]
	if data, err := protojson.Marshal(o); err == nil {
		in.st.Journal = append(in.st.Journal, data)
	}
	in.pending = append(in.pending, o)
}

// flush ends a call: the append-only records it made, then every state
// record whose value changed since it was last shown.
func (in *installation) flush() {
	recs := in.pending
	in.pending = nil
	for _, o := range in.stateRecords() {
		key := stateKey(o)
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(o)
		if err != nil || bytes.Equal(in.shown[key], b) {
			continue
		}
		in.shown[key] = b
		recs = append(recs, o)
	}
	in.log.add(recs)
}

// replay is what opening a store records first: every append-only record
// it holds, then (through flush) every state record.
func (in *installation) replay() {
	in.shown = map[string][]byte{}
	for _, data := range in.st.Journal {
		o := &pb.Observation{}
		if protojson.Unmarshal(data, o) == nil {
			in.pending = append(in.pending, o)
		}
	}
	in.flush()
}

func stateKey(o *pb.Observation) string {
	switch r := o.Record.(type) {
	case *pb.Observation_Position:
		return "position/" + r.Position.Group
	case *pb.Observation_Members:
		return "members/" + r.Members.Group
	case *pb.Observation_Policy:
		return "policy/" + r.Policy.Group
	case *pb.Observation_Intent:
		return "intent/" + strconv.FormatInt(r.Intent.Id, 10)
	case *pb.Observation_Welcome:
		return "welcome/" + strconv.FormatInt(r.Welcome.Id, 10)
	}
	return ""
}

// stateRecords are the whole values the installation holds now.
func (in *installation) stateRecords() []*pb.Observation {
	var out []*pb.Observation
	for _, g := range in.st.Groups {
		out = append(out, &pb.Observation{Record: &pb.Observation_Position{Position: &pb.Position{
			Group: g.ID, Epoch: g.Epoch, JoinedEpoch: g.JoinedEpoch, RemovedAtSeq: g.RemovedAtSeq,
			Broken: g.Broken, Cursor: g.Cursor, Consent: g.Consent}}})
		members := append([]string(nil), g.Members...)
		sort.Strings(members)
		out = append(out, &pb.Observation{Record: &pb.Observation_Members{Members: &pb.Members{Group: g.ID, Installations: members}}})
		line := ""
		if p, err := wire.DecodePolicy(g.Policy); err == nil {
			line = p.String()
		}
		out = append(out, &pb.Observation{Record: &pb.Observation_Policy{Policy: &pb.PolicyHeld{Group: g.ID, Policy: line}}})
	}
	for _, it := range in.st.Intents {
		out = append(out, &pb.Observation{Record: &pb.Observation_Intent{Intent: &pb.IntentState{
			Id: it.ID, Group: it.Group, Kind: it.Kind, State: it.State, Reason: it.Reason,
			AttemptHashes: append([][]byte(nil), it.Attempts...)}}})
	}
	for _, w := range in.st.Welcomes {
		out = append(out, &pb.Observation{Record: &pb.Observation_Welcome{Welcome: &pb.WelcomeOutbound{
			Id: w.ID, Intent: w.Intent, Group: w.Group, To: w.To, Epoch: w.Epoch, CommitSeq: w.CommitSeq, State: w.State}}})
	}
	return out
}

// Observe streams the installation's records above after_seq, then each
// new one, until the driver cancels.
func (s *Server) Observe(req *pb.ObserveRequest, stream pb.IntentClientService_ObserveServer) error {
	log := s.logFor(req.GetInstallation(), false)
	if log == nil {
		return unknownInstallationErr(req.GetInstallation())
	}
	return log.follow(stream.Context(), req.GetAfterSeq(), stream.Send)
}
