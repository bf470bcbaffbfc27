package checker

// Observations: what the checker learns of a client from its store. They
// are plain values, so a fixture can hand-write them and another source
// (a client speaking a protocol) can produce them.

// Position is where a client stands in a group.
type Position struct {
	Group        string
	Epoch        uint64
	JoinedEpoch  uint64
	RemovedAtSeq uint64 // the commit that removed it; 0 while a member
	Broken       string // why processing stopped; "" while healthy
	Cursor       uint64 // the last processed sequence id of the group topic
	// Consent is the user's answer (groups.membership_state), 0 when the
	// source does not say. No property reads it: S2 compares epochs and
	// cursors only.
	Consent Consent
}

// EpochEntered is one epoch a membership entered.
type EpochEntered struct {
	Group         string
	Epoch         uint64
	CommitSeq     uint64 // the commit that led here (welcome: the one that added it; 0 at creation)
	CommitHash    string // hex; "" when entered by welcome or creation
	Authenticator string // hex
	Via           string // create, commit, welcome
}

// StoredMessage is one row of group_messages.
type StoredMessage struct {
	Group  string
	ID     string
	Kind   MessageKind
	Sender string
	Seq    uint64
	Epoch  uint64
	Body   []byte
}

// IntentCreated is an intent as the user recorded it.
type IntentCreated struct {
	ID    int64
	Group string
	Kind  IntentKind
	Data  []byte // the message, or the accounts (one per line)
}

// Transition is one intent state change.
type Transition struct {
	Intent  int64
	Group   string
	From    IntentState
	To      IntentState
	Reason  string
	Epoch   uint64   // the group's epoch as the client held it then
	Hash    string   // on a move to PUBLISHED: the new attempt's hash (hex)
	Skipped []string // on a NOOP: installations skipped for want of a key package
}

// MembersHeld is a group's member installations as a client holds them
// (group_members), sorted.
type MembersHeld struct {
	Group         string
	Installations []string
}

// PolicyHeld is the group policy a client holds for its current epoch,
// as GroupState.Policy has it.
type PolicyHeld struct {
	Group  string
	Policy string
}

// WelcomeOwed is one outbound welcome (outbound_welcomes). No property
// judges it (the joiner's epoch entered by welcome does); it is observed
// so that a report can show what a client still owes.
type WelcomeOwed struct {
	ID        int64
	Intent    int64
	Group     string
	To        string // the joining installation
	Epoch     uint64
	CommitSeq uint64 // the commit that added the joiner; 0 until it won
	State     WelcomeState
}

// Delta is what one read of a client's store found new since the last.
type Delta struct {
	Positions   []Position // every group's, not only changed ones
	Epochs      []EpochEntered
	Messages    []StoredMessage
	Intents     []IntentCreated
	Transitions []Transition
}

// GroupState is a group as a client holds it at the end.
type GroupState struct {
	Position
	Members       []string // sorted
	Authenticator string   // of the last epoch entered
	// Policy is the group policy it holds for its current epoch
	// (group_policy, as wire.Policy's line), "" if it holds none.
	Policy string
}

// IntentEnd is an intent at the end.
type IntentEnd struct {
	ID     int64
	Group  string
	Kind   IntentKind
	State  IntentState
	Reason string
	Hashes []string // every attempt's hash (hex), in attempt order
}

// ClientState is everything the final (liveness) checks read of a client.
type ClientState struct {
	Installation string
	Groups       []GroupState
	Intents      []IntentEnd
	Messages     []StoredMessage // Body not read
}

// Group returns the client's group, if it holds it.
func (s *ClientState) Group(id string) (GroupState, bool) {
	if s == nil {
		return GroupState{}, false
	}
	for _, g := range s.Groups {
		if g.Group == id {
			return g, true
		}
	}
	return GroupState{}, false
}
