package wire

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// Version is the only envelope version.
const Version = 1

// Kind says what an envelope carries.
type Kind uint8

const (
	// KindCommit carries proposals, the commit and a membership manifest.
	KindCommit Kind = 1
	// KindApplication carries an encrypted application message.
	KindApplication Kind = 2
	// KindProposal is a standalone proposal; v1 discards them.
	KindProposal Kind = 3
)

func (k Kind) String() string {
	switch k {
	case KindCommit:
		return "commit"
	case KindApplication:
		return "application"
	case KindProposal:
		return "proposal"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Envelope is one payload on a group topic. Everything but MLS is readable
// without keys.
type Envelope struct {
	Kind    Kind
	GroupID string
	Epoch   uint64 // the epoch it was built for
	Sender  string // installation id

	// Commit: the proposals and the commit, and what they change.
	Proposals [][]byte
	Added     []string
	Removed   []string
	// Creator is set iff Epoch == 0, on commits and messages alike: epoch
	// 0 has one member, the creator, and no earlier commit names it.
	Creator string
	// Policy (commit): the group's policy in the epoch the commit leads
	// into. Every receiver checks it against the policy of the commit's
	// epoch (a change needs its permission); a joiner takes it from the
	// commit that added it. MLS does not authenticate it (docs/DECISIONS.md).
	Policy Policy

	// Application: the per-(sender, epoch) counter and the message id.
	Counter   uint64
	MessageID string

	MLS []byte // the commit, or the ciphertext
}

// Encode returns the canonical encoding.
func (e *Envelope) Encode() []byte {
	size := 24*binary.MaxVarintLen64 + len(e.Policy.SuperAdmin) + len(e.GroupID) + len(e.Sender) + len(e.MessageID) + len(e.Creator) + len(e.MLS)
	for _, p := range e.Proposals {
		size += binary.MaxVarintLen64 + len(p)
	}
	for _, list := range [][]string{e.Added, e.Removed, e.Policy.Admins} {
		for _, s := range list {
			size += binary.MaxVarintLen64 + len(s)
		}
	}
	w := &writer{buf: make([]byte, 0, size)}
	w.uint(Version)
	w.uint(uint64(e.Kind))
	w.string(e.GroupID)
	w.uint(e.Epoch)
	w.string(e.Sender)
	switch e.Kind {
	case KindCommit:
		w.list(e.Proposals)
		w.strings(e.Added)
		w.strings(e.Removed)
		w.string(e.Creator)
		w.policy(e.Policy)
	case KindApplication:
		w.uint(e.Counter)
		w.string(e.MessageID)
		w.string(e.Creator)
	}
	w.bytes(e.MLS)
	return w.buf
}

// Hash is the message hash: SHA-256 of the whole envelope.
func Hash(payload []byte) [32]byte { return sha256.Sum256(payload) }

// Decode parses a payload and checks that it is canonical and that its
// header is self-consistent.
func Decode(payload []byte) (*Envelope, error) {
	r := &reader{buf: payload}
	if v := r.uint(); r.err == nil && v != Version {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, v)
	}
	e := &Envelope{Kind: Kind(r.uint())}
	e.GroupID = r.string()
	e.Epoch = r.uint()
	e.Sender = r.string()
	switch e.Kind {
	case KindCommit:
		e.Proposals = r.list()
		e.Added = r.strings()
		e.Removed = r.strings()
		e.Creator = r.string()
		e.Policy = r.policy()
	case KindApplication:
		e.Counter = r.uint()
		e.MessageID = r.string()
		e.Creator = r.string()
	case KindProposal:
	default:
		r.fail("unknown kind")
	}
	e.MLS = r.bytes()
	r.done()
	if r.err != nil {
		return nil, r.err
	}
	if !bytes.Equal(e.Encode(), payload) {
		return nil, fmt.Errorf("%w: not canonical", ErrMalformed)
	}
	if err := e.check(); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Envelope) check() error {
	switch {
	case e.GroupID == "" || e.Sender == "":
		return fmt.Errorf("%w: missing group or sender", ErrMalformed)
	case e.Kind != KindProposal && (e.Epoch == 0) != (e.Creator != ""):
		return fmt.Errorf("%w: creator named iff epoch 0", ErrMalformed)
	case e.Kind == KindApplication && e.Counter == 0:
		return fmt.Errorf("%w: counter starts at 1", ErrMalformed)
	case e.Kind == KindApplication && !strings.HasPrefix(e.MessageID, e.Sender+"#"):
		return fmt.Errorf("%w: message id is not the sender's", ErrMalformed)
	case len(e.MLS) == 0:
		return fmt.Errorf("%w: no MLS content", ErrMalformed)
	case e.Kind == KindCommit:
		return e.Policy.Check()
	}
	return nil
}

// MessageID is the id of an installation's application message: the
// installation and its intent id.
func MessageID(installation string, intentID int64) string {
	return fmt.Sprintf("%s#%d", installation, intentID)
}

// GroupTopic is the topic of a group.
func GroupTopic(groupID string) string { return "group/" + groupID }

// WelcomeTopic is an installation's welcome topic.
func WelcomeTopic(installation string) string { return "welcome/" + installation }
