package checker

import "fmt"

// The client store's tables are the contract between an engine and the
// checker (SPEC §3, the migrations under store/migrations and
// docs/SCHEMA.md). These are the codes those tables hold, written here
// from the schema rather than imported from the engine.

// IntentState is group_intents.state.
type IntentState int

const (
	StateToSend    IntentState = 1
	StatePublished IntentState = 2
	StateCommitted IntentState = 3
	StateFailed    IntentState = 4
)

func (s IntentState) String() string {
	switch s {
	case StateToSend:
		return "TO_SEND"
	case StatePublished:
		return "PUBLISHED"
	case StateCommitted:
		return "COMMITTED"
	case StateFailed:
		return "FAILED"
	}
	return fmt.Sprintf("STATE(%d)", int(s))
}

// IntentKind is group_intents.kind.
type IntentKind int

const (
	KindSendMessage   IntentKind = 1
	KindAddMembers    IntentKind = 2
	KindRemoveMembers IntentKind = 3
	KindKeyUpdate     IntentKind = 4
	// KindUpdateInstallations adds member accounts' missing installations
	// and removes revoked ones.
	KindUpdateInstallations IntentKind = 5
	// KindUpdateAdmins changes the admin list ("+account" / "-account"
	// lines); KindUpdatePolicy the levels ("action=level" lines).
	KindUpdateAdmins IntentKind = 6
	KindUpdatePolicy IntentKind = 7
)

func (k IntentKind) String() string {
	switch k {
	case KindSendMessage:
		return "SEND_MESSAGE"
	case KindAddMembers:
		return "ADD_MEMBERS"
	case KindRemoveMembers:
		return "REMOVE_MEMBERS"
	case KindKeyUpdate:
		return "KEY_UPDATE"
	case KindUpdateInstallations:
		return "UPDATE_INSTALLATIONS"
	case KindUpdateAdmins:
		return "UPDATE_ADMINS"
	case KindUpdatePolicy:
		return "UPDATE_POLICY"
	}
	return fmt.Sprintf("KIND(%d)", int(k))
}

// Reasons in group_intents.reason and intent_transitions.reason.
const (
	ReasonNone     = ""
	ReasonNoop     = "noop"
	ReasonGroupCap = "group_cap"
	ReasonRemoved  = "removed"
	ReasonInvalid  = "invalid"
	// ReasonPermission: FAILED before publishing, the group's policy
	// forbids it (S13 judges the refusal, L2 permits it).
	ReasonPermission = "permission"
)

// MessageKind is group_messages.kind.
type MessageKind int

const (
	MessageApplication   MessageKind = 1
	MessageMemberAdded   MessageKind = 2
	MessageMemberRemoved MessageKind = 3
)

func (k MessageKind) String() string {
	switch k {
	case MessageApplication:
		return "APPLICATION"
	case MessageMemberAdded:
		return "MEMBER_ADDED"
	case MessageMemberRemoved:
		return "MEMBER_REMOVED"
	}
	return fmt.Sprintf("KIND(%d)", int(k))
}

// Consent is groups.membership_state, the user's answer to a group. No
// property judges it (consent changes what the user is shown, not what
// the client syncs); positions carry it so a report can show it.
type Consent int

const (
	ConsentAllowed  Consent = 1
	ConsentRejected Consent = 2
	ConsentPending  Consent = 3
)

func (c Consent) String() string {
	switch c {
	case ConsentAllowed:
		return "ALLOWED"
	case ConsentRejected:
		return "REJECTED"
	case ConsentPending:
		return "PENDING"
	}
	return fmt.Sprintf("CONSENT(%d)", int(c))
}

// WelcomeState is outbound_welcomes.state.
type WelcomeState int

const (
	WelcomePending     WelcomeState = 1 // its commit has not won yet
	WelcomeReadyToSend WelcomeState = 2 // its commit won; not sent yet
	WelcomeSent        WelcomeState = 3
)

func (s WelcomeState) String() string {
	switch s {
	case WelcomePending:
		return "PENDING"
	case WelcomeReadyToSend:
		return "READY_TO_SEND"
	case WelcomeSent:
		return "SENT"
	}
	return fmt.Sprintf("WELCOME(%d)", int(s))
}
