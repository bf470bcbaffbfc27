package checker

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/mlsim/mlsim/wire"
)

// Oracle is the agreed history of every group, from the topic logs alone.
type Oracle struct {
	maxPast uint64
	groups  map[string]*Group
	order   []string // group ids in the order first seen
	records uint64   // the log's record count as of the last Fold
}

// Group is one group's agreed history.
type Group struct {
	ID      string
	Creator string   // epoch 0's only member, once a payload named it
	Epoch   uint64   // the epoch after the last accepted commit
	Commit  []Commit // Commit[e] led from epoch e to e+1
	// Members are the current members; spans record every membership.
	Members  map[string]bool
	spans    map[string][]span
	Messages []Message
	byID     map[string]int // message id -> index in Messages
	counters map[senderEpoch]uint64
	Verdicts []Verdict // one per record folded
	Accepted map[string]bool
	Added    []Addition
	// Copies lists, per payload hash, the positions of every copy on the
	// topic, accepted or not (S9 judges the second and later ones).
	Copies map[string][]uint64
	// policies[e] is the policy of epoch e (docs/SCHEMA.md, permissions).
	policies  []wire.Policy
	publisher map[string]string // hash -> who published its first copy
	newCopies []string          // hashes that gained a second or later copy since S9 last looked
	folded    uint64            // the last sequence id folded
}

// Commit is an accepted commit.
type Commit struct {
	Seq     uint64
	Hash    string // hex
	Epoch   uint64 // built for
	Sender  string
	Added   []string
	Removed []string
}

// Message is an accepted application message.
type Message struct {
	Seq     uint64
	ID      string
	Epoch   uint64 // built for
	At      uint64 // the group's epoch at its position
	Sender  string
	Counter uint64
	Hash    string
}

// Addition is an installation added by an accepted commit.
type Addition struct {
	Installation string
	Seq          uint64 // the commit
	Adder        string
	Epoch        uint64 // the epoch it enters
}

// Verdict is the oracle's decision on one record.
type Verdict struct {
	Seq      uint64
	Accepted bool
	Why      string
	// Forbidden: a commit for the right epoch from a member, rejected
	// because the policy of its epoch does not permit what it does.
	Forbidden bool
}

type span struct{ from, to uint64 } // member for epochs [from, to); to == 0: still a member

type senderEpoch struct {
	sender string
	epoch  uint64
}

// NewOracle returns an oracle with the given past-epoch window (SPEC §5,
// max_past_epochs).
func NewOracle(maxPastEpochs int) *Oracle {
	return &Oracle{maxPast: uint64(maxPastEpochs), groups: map[string]*Group{}}
}

// Group returns a group's history, or nil if no record of it was folded.
func (o *Oracle) Group(id string) *Group { return o.groups[id] }

// Groups lists the groups in the order their topics were first seen.
func (o *Oracle) Groups() []*Group {
	out := make([]*Group, 0, len(o.order))
	for _, id := range o.order {
		out = append(out, o.groups[id])
	}
	return out
}

// Fold reads every group topic's records it has not read yet.
func (o *Oracle) Fold(l Log) {
	// Most simulated steps append nothing: skip the walk over every topic.
	n := l.Count()
	if n == o.records {
		return
	}
	o.records = n
	for _, topic := range l.Topics() {
		id, ok := strings.CutPrefix(topic, wire.GroupTopic(""))
		if !ok {
			continue
		}
		g := o.groups[id]
		if g == nil {
			g = &Group{ID: id, Members: map[string]bool{}, spans: map[string][]span{}, byID: map[string]int{},
				counters: map[senderEpoch]uint64{}, Accepted: map[string]bool{}, Copies: map[string][]uint64{},
				publisher: map[string]string{}}
			o.groups[id] = g
			o.order = append(o.order, id)
		}
		for _, r := range l.Records(topic, g.folded) {
			g.Verdicts = append(g.Verdicts, o.judge(g, r))
			g.folded = r.Seq
		}
	}
}

func (o *Oracle) judge(g *Group, r Record) Verdict {
	v := Verdict{Seq: r.Seq}
	if r.Injected {
		v.Why = "injected"
		return v
	}
	sum := wire.Hash(r.Payload)
	hash := hex.EncodeToString(sum[:])
	g.Copies[hash] = append(g.Copies[hash], r.Seq)
	if len(g.Copies[hash]) == 1 {
		g.publisher[hash] = r.Publisher
	} else {
		g.newCopies = append(g.newCopies, hash)
	}
	e, err := wire.Decode(r.Payload)
	if err != nil {
		v.Why = "malformed"
		return v
	}
	if e.GroupID != g.ID {
		v.Why = "other group"
		return v
	}
	switch e.Kind {
	case wire.KindCommit:
		v.Why, v.Forbidden = o.commit(g, r.Seq, e, hash)
	case wire.KindApplication:
		v.Why = o.message(g, r.Seq, e, hash)
	default:
		v.Why = "standalone proposal"
	}
	v.Accepted = v.Why == ""
	if v.Accepted {
		g.Accepted[hash] = true
	}
	return v
}

// commit: built for the current epoch by a current member (epoch 0: by
// the creator it names), doing only what the policy of that epoch lets
// its sender do; the first such commit of an epoch wins. forbidden: it
// failed on the policy alone.
func (o *Oracle) commit(g *Group, seq uint64, e *wire.Envelope, hash string) (why string, forbidden bool) {
	if e.Epoch != g.Epoch {
		return fmt.Sprintf("commit for epoch %d at epoch %d", e.Epoch, g.Epoch), false
	}
	if g.Epoch == 0 && !g.learnCreator(e) {
		return "epoch 0 commit not by its creator", false
	}
	if !g.Members[e.Sender] {
		return "commit from non-member " + e.Sender, false
	}
	if why := g.forbidden(e); why != "" {
		return "not permitted: " + why, true
	}
	g.policies = append(g.policies, e.Policy)
	next := g.Epoch + 1
	for _, id := range e.Removed {
		if g.Members[id] {
			delete(g.Members, id)
			s := g.spans[id]
			s[len(s)-1].to = next
		}
	}
	for _, id := range e.Added {
		if !g.Members[id] {
			g.Members[id] = true
			g.spans[id] = append(g.spans[id], span{from: next})
			g.Added = append(g.Added, Addition{Installation: id, Seq: seq, Adder: e.Sender, Epoch: next})
		}
	}
	g.Commit = append(g.Commit, Commit{Seq: seq, Hash: hash, Epoch: e.Epoch, Sender: e.Sender,
		Added: append([]string(nil), e.Added...), Removed: append([]string(nil), e.Removed...)})
	g.Epoch = next
	return "", false
}

// message: in the window, from a member throughout, a higher counter than
// any accepted from the sender in that epoch, and a new message id.
func (o *Oracle) message(g *Group, seq uint64, e *wire.Envelope, hash string) string {
	if e.Epoch == 0 && g.Epoch == 0 && !g.learnCreator(e) {
		return "epoch 0 message not by its creator"
	}
	if e.Epoch > g.Epoch || e.Epoch+o.maxPast < g.Epoch {
		return fmt.Sprintf("message of epoch %d at epoch %d", e.Epoch, g.Epoch)
	}
	if !g.Continuous(e.Sender, e.Epoch, g.Epoch) {
		return fmt.Sprintf("%s not a member from epoch %d to %d", e.Sender, e.Epoch, g.Epoch)
	}
	key := senderEpoch{e.Sender, e.Epoch}
	if e.Counter <= g.counters[key] {
		return fmt.Sprintf("counter %d <= %d", e.Counter, g.counters[key])
	}
	if _, dup := g.byID[e.MessageID]; dup {
		return "duplicate message id " + e.MessageID
	}
	g.counters[key] = e.Counter
	g.byID[e.MessageID] = len(g.Messages)
	g.Messages = append(g.Messages, Message{Seq: seq, ID: e.MessageID, Epoch: e.Epoch, At: g.Epoch,
		Sender: e.Sender, Counter: e.Counter, Hash: hash})
	return ""
}

// learnCreator: epoch 0's only member is the creator, which epoch-0
// payloads name. The first one seen fixes it; later ones must agree, and
// the sender must be the creator.
func (g *Group) learnCreator(e *wire.Envelope) bool {
	if e.Creator != e.Sender {
		return false
	}
	if g.Creator == "" {
		g.Creator = e.Creator
		g.Members[e.Creator] = true
		g.spans[e.Creator] = []span{{from: 0}}
		g.policies = []wire.Policy{defaultPolicy(accountOf(e.Creator))}
	}
	return g.Creator == e.Creator
}

// Continuous reports whether an installation was a member in every epoch
// from..to (one membership, no removal in between).
func (g *Group) Continuous(installation string, from, to uint64) bool {
	for _, s := range g.spans[installation] {
		if s.from <= from && (s.to == 0 || s.to > to) {
			return true
		}
	}
	return false
}

// JoinedAt reports whether a membership of the installation began at the
// epoch (the commit into it added it).
func (g *Group) JoinedAt(installation string, epoch uint64) bool {
	for _, s := range g.spans[installation] {
		if s.from == epoch {
			return true
		}
	}
	return false
}

// MemberAt reports whether an installation was a member in an epoch.
func (g *Group) MemberAt(installation string, epoch uint64) bool {
	return g.Continuous(installation, epoch, epoch)
}

// MemberList is the current members, sorted.
func (g *Group) MemberList() []string {
	out := make([]string, 0, len(g.Members))
	for id := range g.Members {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// MessageByID finds an accepted message.
func (g *Group) MessageByID(id string) (Message, bool) {
	i, ok := g.byID[id]
	if !ok {
		return Message{}, false
	}
	return g.Messages[i], true
}

// CommitInto is the accepted commit that led into an epoch (epoch >= 1).
func (g *Group) CommitInto(epoch uint64) (Commit, bool) {
	if epoch == 0 || epoch > uint64(len(g.Commit)) {
		return Commit{}, false
	}
	return g.Commit[epoch-1], true
}

// CommitAt finds the accepted commit at a position.
func (g *Group) CommitAt(seq uint64) (Commit, bool) {
	i := sort.Search(len(g.Commit), func(i int) bool { return g.Commit[i].Seq >= seq })
	if i < len(g.Commit) && g.Commit[i].Seq == seq {
		return g.Commit[i], true
	}
	return Commit{}, false
}
