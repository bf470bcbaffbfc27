package intent

import "fmt"

// Kind is what the user asked for.
type Kind int

const (
	SendMessage   Kind = 1
	AddMembers    Kind = 2
	RemoveMembers Kind = 3
	KeyUpdate     Kind = 4
	// UpdateInstallations brings the group's installations in line with
	// the directory: it adds the missing installations of member accounts
	// and removes revoked ones. A client records it when it sees a
	// difference; every other commit carries the same changes too.
	UpdateInstallations Kind = 5
	// UpdateAdmins changes the group's admin list (publish data: lines
	// "+account" or "-account"); it needs the policy's change-admins level.
	UpdateAdmins Kind = 6
	// UpdatePolicy changes the group policy's levels (publish data: lines
	// "action=level", docs/SCHEMA.md); it needs the change-policy level.
	UpdatePolicy Kind = 7
)

var kindNames = map[Kind]string{
	SendMessage: "SEND_MESSAGE", AddMembers: "ADD_MEMBERS",
	RemoveMembers: "REMOVE_MEMBERS", KeyUpdate: "KEY_UPDATE", UpdateInstallations: "UPDATE_INSTALLATIONS",
	UpdateAdmins: "UPDATE_ADMINS", UpdatePolicy: "UPDATE_POLICY",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("KIND(%d)", int(k))
}

// IsCommit says whether the kind is published as a commit.
func (k Kind) IsCommit() bool { return k != SendMessage }

// State is where an intent is in its life.
type State int

const (
	ToSend    State = 1
	Published State = 2
	Committed State = 3
	Failed    State = 4
)

var stateNames = map[State]string{
	ToSend: "TO_SEND", Published: "PUBLISHED", Committed: "COMMITTED", Failed: "FAILED",
}

func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("STATE(%d)", int(s))
}

// Final says whether no transition leaves the state.
func (s State) Final() bool { return s == Committed || s == Failed }

// Reason qualifies a final state.
type Reason string

const (
	ReasonNone Reason = ""
	// ReasonNoop: COMMITTED with nothing to do.
	ReasonNoop Reason = "noop"
	// ReasonGroupCap: FAILED, the add would make the tree wider than the cap.
	ReasonGroupCap Reason = "group_cap"
	// ReasonRemoved: FAILED, the sender is no longer in the group.
	ReasonRemoved Reason = "removed"
	// ReasonInvalid: FAILED, rejected as invalid too many times (rule 8).
	ReasonInvalid Reason = "invalid"
	// ReasonPermission: FAILED before publishing, the group's policy does
	// not let the sender's account do what the intent would.
	ReasonPermission Reason = "permission"
)

// Permitted says whether a FAILED intent with this reason is allowed at the
// end of a correct run (L2).
func (r Reason) Permitted() bool {
	return r == ReasonGroupCap || r == ReasonRemoved || r == ReasonPermission
}

// Legal reports whether an intent may move from one state to another
// (with the reason it ends with). A state may always stay where it is.
func Legal(from, to State, reason Reason) bool {
	if from == to {
		return true
	}
	switch from {
	case ToSend:
		switch to {
		case Published:
			return true
		case Committed:
			return reason == ReasonNoop
		case Failed:
			return reason != ReasonNone && reason != ReasonNoop
		}
	case Published:
		switch to {
		case ToSend:
			return true
		case Committed:
			return reason == ReasonNone
		case Failed:
			return reason == ReasonRemoved
		}
	}
	return false
}

// Intent is the durable record; the engine's store holds it.
type Intent struct {
	ID       int64
	Kind     Kind
	GroupID  string
	State    State
	Reason   Reason
	Attempts int // how many payloads were built
	Invalid  int // how many of them were rejected as invalid
	// Epoch the current attempt was built for, its counter (messages) and
	// hash. Hash is empty in TO_SEND.
	Epoch   uint64
	Counter uint64
	Hash    []byte
	Data    []byte // publish data: the message, or the accounts
	Payload []byte // the current attempt's envelope, kept to re-send it
}

func (in Intent) String() string {
	s := fmt.Sprintf("#%d %s %s", in.ID, in.Kind, in.State)
	if in.Reason != ReasonNone {
		s += "(" + string(in.Reason) + ")"
	}
	return s
}
