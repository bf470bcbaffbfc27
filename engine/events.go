package engine

import "fmt"

// EventKind names something the engine did that a harness wants to count.
type EventKind string

// The events the engine reports.
const (
	EvCommitWon             EventKind = "commit_won"
	EvCommitLost            EventKind = "commit_lost"
	EvRebuilt               EventKind = "rebuilt"
	EvResentSameBytes       EventKind = "resent_same_bytes"
	EvNoopIntent            EventKind = "noop_intent"
	EvDuplicateSkipped      EventKind = "duplicate_skipped"
	EvCounterRejected       EventKind = "counter_rejected"
	EvPastEpochAccepted     EventKind = "past_epoch_accepted"
	EvPastEpochRejected     EventKind = "past_epoch_rejected"
	EvMemberRemoved         EventKind = "member_removed"
	EvRemovedSenderRejected EventKind = "removed_sender_rejected"
	EvPayloadRejected       EventKind = "payload_rejected"
	EvCommitAccepted        EventKind = "commit_accepted"
	EvMessageStored         EventKind = "message_stored"
	EvWelcomeSent           EventKind = "welcome_sent"
	EvWelcomeApplied        EventKind = "welcome_applied"
	EvWelcomeSkipped        EventKind = "welcome_skipped"
	EvWelcomeDeferred       EventKind = "welcome_deferred"
	EvIntentFailed          EventKind = "intent_failed"
	EvGroupBroken           EventKind = "group_broken"
	EvWidthCapped           EventKind = "width_capped"
	EvInstallationSkipped   EventKind = "installation_skipped"
	// EvInstallationsDiffer: a group's installations differ from the
	// directory's (a member account's new or revoked installation); an
	// UPDATE_INSTALLATIONS intent was recorded.
	EvInstallationsDiffer EventKind = "installations_differ"
	// EvPermissionRefused: an intent the group's policy does not let the
	// sender perform ended FAILED permission, unpublished.
	EvPermissionRefused EventKind = "permission_refused"
	// EvPermissionRejected: a receiver rejected a commit that violates the
	// policy of its epoch.
	EvPermissionRejected EventKind = "permission_rejected"
	// EvUnauthorizedPublished: a Byzantine client (Config.Byzantine, the
	// simulator only) published a commit its own check refuses.
	EvUnauthorizedPublished EventKind = "unauthorized_commit_published"
)

// Event is one thing that happened.
type Event struct {
	Installation string // who it happened to
	Kind         EventKind
	Group        string
	Seq          uint64 // topic position involved, 0 if none
	Intent       int64  // intent involved, 0 if none
	Epoch        uint64 // the epoch entered (commit_accepted, welcome_applied), 0 otherwise
	Detail       string
}

type events struct{ list []Event }

func (ev *events) add(kind EventKind, group string, seq uint64, intent int64, format string, args ...any) {
	ev.list = append(ev.list, Event{Kind: kind, Group: group, Seq: seq, Intent: intent, Detail: fmt.Sprintf(format, args...)})
}

// entered records that the client entered an epoch (by a commit at seq,
// or a welcome for the commit at seq).
func (ev *events) entered(kind EventKind, group string, seq, epoch uint64, format string, args ...any) {
	ev.list = append(ev.list, Event{Kind: kind, Group: group, Seq: seq, Epoch: epoch, Detail: fmt.Sprintf(format, args...)})
}
