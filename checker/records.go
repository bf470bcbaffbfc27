package checker

import (
	"fmt"
	"slices"
	"sort"
)

// Records is one client as the observation records it sent describe it:
// the checker reads it (Checker.AttachRecords) as it reads a store, and
// gets the same answers a store holding the same rows would give.
//
// It holds every append-only record and the latest value of each state
// record (position, members and policy per group, intent and welcome per
// id). It is Versioned by the number of records added, so the checker
// skips it while nothing arrived.
type Records struct {
	next  uint64 // the seq expected next
	count uint64

	epochs      appended[EpochEntered]
	messages    appended[StoredMessage]
	intents     appended[IntentCreated]
	transitions appended[Transition]
	lastAuth    map[string]string // group -> authenticator of the last epoch entered

	positions map[string]Position
	members   map[string][]string
	policies  map[string]string
	ends      map[int64]IntentEnd
	welcomes  map[int64]WelcomeOwed
}

var _ source = (*Records)(nil)

// NewRecords returns an empty Records expecting seq 1.
func NewRecords() *Records {
	return &Records{next: 1, lastAuth: map[string]string{}, positions: map[string]Position{},
		members: map[string][]string{}, policies: map[string]string{}, ends: map[int64]IntentEnd{},
		welcomes: map[int64]WelcomeOwed{}}
}

// NewStream says the client's process started again: its records are
// numbered from seq 1 again. What is held is kept; the new process
// re-sends its append-only records, and those at or below the serials
// held are ignored.
func (r *Records) NewStream() { r.next = 1 }

// Version is the number of records added so far.
func (r *Records) Version() uint64 { return r.count }

// Add adds records in the order received. Each must carry the next seq
// (a driver that lost a record must not go on as if it had not) and
// exactly one record; an append-only record needs a serial, a state
// record has none. It stops at the first record it refuses, keeping
// those before it.
func (r *Records) Add(obs ...Observation) error {
	for _, o := range obs {
		if err := r.add(o); err != nil {
			return fmt.Errorf("checker: records: %w", err)
		}
	}
	return nil
}

func (r *Records) add(o Observation) error {
	if o.Seq != r.next {
		return fmt.Errorf("observation seq %d where %d was due: a record was lost or repeated", o.Seq, r.next)
	}
	kind, err := o.Kind()
	if err != nil {
		return err
	}
	switch {
	case o.appendOnly() && o.Serial <= 0:
		return fmt.Errorf("observation %d (%s) has serial %d; append-only records need a positive one", o.Seq, kind, o.Serial)
	case !o.appendOnly() && o.Serial != 0:
		return fmt.Errorf("observation %d (%s) has serial %d; state records have none", o.Seq, kind, o.Serial)
	}
	switch {
	case o.Epoch != nil:
		var fresh bool
		if fresh, err = hold(&r.epochs, o.Serial, *o.Epoch, kind); fresh {
			r.lastAuth[o.Epoch.Group] = o.Epoch.Authenticator
		}
	case o.Message != nil:
		_, err = hold(&r.messages, o.Serial, *o.Message, kind)
	case o.IntentCreated != nil:
		_, err = hold(&r.intents, o.Serial, *o.IntentCreated, kind)
	case o.Transition != nil:
		_, err = hold(&r.transitions, o.Serial, *o.Transition, kind)
	case o.Position != nil:
		r.positions[o.Position.Group] = *o.Position
	case o.Members != nil:
		r.members[o.Members.Group] = o.Members.Installations
	case o.Policy != nil:
		r.policies[o.Policy.Group] = o.Policy.Policy
	case o.Intent != nil:
		r.ends[o.Intent.ID] = *o.Intent
	case o.Welcome != nil:
		r.welcomes[o.Welcome.ID] = *o.Welcome
	}
	if err != nil {
		return err
	}
	r.next++
	r.count++
	return nil
}

// hold appends an append-only record with a serial above those held. One
// at or below them is a re-sent copy (a restarted process re-sends what
// its store holds) and is ignored, provided it is one held: a serial
// below the last that was never received means records came out of
// order, and one would be lost.
func hold[T any](a *appended[T], serial int64, row T, kind string) (fresh bool, err error) {
	if serial > a.last(0) {
		a.add(serial, row)
		return true, nil
	}
	if _, found := slices.BinarySearch(a.serials, serial); found {
		return false, nil
	}
	return false, fmt.Errorf("%s serial %d arrives after %d and was never received: records out of order", kind, serial, a.last(0))
}

// after returns the rows with a serial above from, nil when none.
func after[T any](a appended[T], from int64) []T {
	i := sort.Search(len(a.serials), func(i int) bool { return a.serials[i] > from })
	if i == len(a.rows) {
		return nil
	}
	return slices.Clone(a.rows[i:])
}

func (r *Records) delta(m mark) (Delta, mark, error) {
	d := Delta{
		Positions:   r.sortedPositions(),
		Epochs:      after(r.epochs, m.epoch),
		Messages:    after(r.messages, m.message),
		Intents:     after(r.intents, m.intent),
		Transitions: after(r.transitions, m.transition),
	}
	m = mark{epoch: r.epochs.last(m.epoch), message: r.messages.last(m.message),
		transition: r.transitions.last(m.transition), intent: r.intents.last(m.intent)}
	return d, m, nil
}

// sortedPositions is every group's position, by group, nil when none (as
// readPositions).
func (r *Records) sortedPositions() []Position {
	var out []Position
	for _, g := range sortedKeys(r.positions) {
		out = append(out, r.positions[g])
	}
	return out
}

// state answers what readState answers of a store holding these rows,
// value for value: Groups is never nil, empty lists are nil, and stored
// messages come without their bodies.
func (r *Records) state(installation string) (ClientState, error) {
	positions := r.sortedPositions()
	st := ClientState{Installation: installation, Groups: make([]GroupState, len(positions))}
	for i, p := range positions {
		st.Groups[i] = GroupState{Position: p, Members: nilIfNone(slices.Clone(r.members[p.Group])),
			Authenticator: r.lastAuth[p.Group], Policy: r.policies[p.Group]}
	}
	ids := make([]int64, 0, len(r.ends))
	for id := range r.ends {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		in := r.ends[id]
		in.Hashes = nilIfNone(slices.Clone(in.Hashes))
		st.Intents = append(st.Intents, in)
	}
	for _, m := range r.messages.rows {
		m.Body = nil
		st.Messages = append(st.Messages, m)
	}
	return st, nil
}

func (r *Records) intentsAfter(from int64) ([]IntentCreated, error) {
	return after(r.intents, from), nil
}

func (r *Records) version() (uint64, bool) { return r.count, true }

// Welcomes is every outbound welcome as last observed, by id.
func (r *Records) Welcomes() []WelcomeOwed {
	ids := make([]int64, 0, len(r.welcomes))
	for id := range r.welcomes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]WelcomeOwed, 0, len(ids))
	for _, id := range ids {
		out = append(out, r.welcomes[id])
	}
	return out
}

func nilIfNone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
