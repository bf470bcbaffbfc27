package trace

import (
	"fmt"
	"strings"
)

// Step is one step of a run: a command, or one step of the liveness
// phase (heal, restart, a round of upkeep).
type Step struct {
	N int `json:"n"`
	// Name is the command's name ("send", "sync", …) or the liveness
	// phase's ("heal", "restart", "round").
	Name string `json:"name"`
	// Text is the command as a script writes it ("send alice/1 g0 hi"),
	// or the liveness phase step's ("round 3 alice/1").
	Text string `json:"text"`
	// Actor is the installation that acted, "" when none did (a network
	// fault, the clock, the whole liveness phase).
	Actor string `json:"actor,omitempty"`
	// Group is the group the command names, "" when it names none.
	Group string `json:"group,omitempty"`
	// Involves are other installations the command names (an added or
	// removed member's installations are named by account, so not here).
	Involves []string `json:"involves,omitempty"`
	// Outcome is what the step returned ("ok", "intent=3 ok",
	// "err=network", "client crashed at …"); "" for a step that returns
	// nothing (heal).
	Outcome string `json:"outcome,omitempty"`
	// Crashed is true when the actor crashed during the step.
	Crashed bool `json:"crashed,omitempty"`
	// Events are what the engine reported and the faults that fired
	// during the step, in the order they happened.
	Events []Event `json:"events,omitempty"`
}

// Event is one thing the engine reported during a step, or one fault the
// harness injected (Fault; its kind names it: publish_lost, store_busy, …).
type Event struct {
	Installation string `json:"installation"` // who it happened to
	Kind         string `json:"kind"`
	Group        string `json:"group,omitempty"`
	Seq          uint64 `json:"seq,omitempty"`    // topic position involved
	Intent       int64  `json:"intent,omitempty"` // intent involved
	// Epoch is the epoch entered, for commit_accepted and welcome_applied
	// (other events that name an epoch say so in Detail).
	Epoch  uint64 `json:"epoch,omitempty"`
	Detail string `json:"detail,omitempty"`
	Fault  bool   `json:"fault,omitempty"`
}

// String is the event as a trace line shows it: kind, group, then the
// fields that are set (the installation is the step's to read); a fault
// with nothing but its kind is its kind.
func (e Event) String() string {
	if e.Fault && e.Group == "" && e.Seq == 0 && e.Intent == 0 && e.Epoch == 0 && e.Detail == "" {
		return e.Kind
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Kind, e.Group)
	if e.Seq != 0 {
		fmt.Fprintf(&b, " seq=%d", e.Seq)
	}
	if e.Intent != 0 {
		fmt.Fprintf(&b, " intent=%d", e.Intent)
	}
	if e.Epoch != 0 {
		fmt.Fprintf(&b, " epoch=%d", e.Epoch)
	}
	if e.Detail != "" {
		b.WriteString(" " + e.Detail)
	}
	return b.String()
}

// String is the step's canonical encoding, one line:
//
//	N text -> outcome | event; event; …
//
// (" -> outcome" only when the step returned something, " | …" only when
// something was reported). A run's trace hash is over these lines.
func (s Step) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", s.N, s.Text)
	if s.Outcome != "" || s.returns() {
		b.WriteString(" -> " + s.Outcome)
	}
	b.WriteString(s.reports(" | "))
	return b.String()
}

// Output is what a script records after a command: the outcome, then what
// was reported.
func (s Step) Output() string { return s.Outcome + s.reports(" | ") }

func (s Step) returns() bool { return s.Name != "heal" }

func (s Step) reports(sep string) string {
	if len(s.Events) == 0 {
		return ""
	}
	parts := make([]string, len(s.Events))
	for i, e := range s.Events {
		parts[i] = e.String()
	}
	return sep + strings.Join(parts, "; ")
}

// Mentions reports whether the step names one of the installations (as
// its actor, among those it involves, or as the subject of an event) or
// the group.
func (s Step) Mentions(group string, installations []string) bool {
	for _, id := range installations {
		if s.Actor == id {
			return true
		}
		for _, o := range s.Involves {
			if o == id {
				return true
			}
		}
		for _, e := range s.Events {
			if e.Installation == id {
				return true
			}
		}
	}
	if group == "" {
		return false
	}
	if s.Group == group {
		return true
	}
	for _, e := range s.Events {
		if e.Group == group {
			return true
		}
	}
	return false
}

// Lines renders steps as trace lines.
func Lines(steps []Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.String()
	}
	return out
}
