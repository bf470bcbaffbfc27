package checker

import (
	"fmt"
	"slices"
)

// StoreObserver turns a client's store into observation records: what
// our reference client sends on its Observe stream, and what a test
// feeds a Records with to prove that a client read through records is
// judged as one read through its store.
//
// It reads the store with the checker's own queries (the same functions
// the store source reads with), so the two sources cannot drift apart.
// Build one per client process: its records are numbered from 1, and
// the first Poll sends everything the store holds.
type StoreObserver struct {
	s       Store
	seq     uint64
	read    bool
	version uint64
	m       mark

	// The state records last sent, to send only what changed.
	positions map[string]Position
	members   map[string][]string
	policies  map[string]string
	intents   map[int64]IntentEnd
	welcomes  map[int64]WelcomeOwed
}

// NewStoreObserver returns an observer of a store that has sent nothing.
func NewStoreObserver(s Store) *StoreObserver {
	return &StoreObserver{s: s, positions: map[string]Position{}, members: map[string][]string{},
		policies: map[string]string{}, intents: map[int64]IntentEnd{}, welcomes: map[int64]WelcomeOwed{}}
}

// Seq is the seq of the last record returned (0 before any).
func (o *StoreObserver) Seq() uint64 { return o.seq }

// Poll returns what is new since the last Poll, numbered from the last
// seq + 1: first the append-only records after those sent (epochs,
// messages, intents created, transitions, each in serial order), then
// the state records whose value changed (positions, members, policies,
// intents, welcomes; every one on the first Poll). A Versioned store
// whose version did not move is not read at all.
//
// A welcome the store deleted (a PENDING one whose attempt lost) is not
// withdrawn: the protocol has no record for it, and no property reads
// welcomes.
func (o *StoreObserver) Poll() ([]Observation, error) {
	var version uint64
	if v, ok := o.s.(Versioned); ok {
		version = v.Version()
		if o.read && version == o.version {
			return nil, nil
		}
	}
	var out []Observation
	err := o.s.Read(func(q Querier) error {
		a, err := readAppended(q, o.m, true)
		if err != nil {
			return err
		}
		state, err := o.changedState(q)
		if err != nil {
			return err
		}
		out = append(appendedRecords(a), state...)
		o.m = a.mark(o.m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("checker: observing a store: %w", err)
	}
	for i := range out {
		o.seq++
		out[i].Seq = o.seq
	}
	o.read, o.version = true, version
	return out, nil
}

// appendedRecords makes records of what was appended, each with its serial.
func appendedRecords(a appendedRows) []Observation {
	var out []Observation
	for i := range a.epochs.rows {
		out = append(out, Observation{Serial: a.epochs.serials[i], Epoch: &a.epochs.rows[i]})
	}
	for i := range a.messages.rows {
		out = append(out, Observation{Serial: a.messages.serials[i], Message: &a.messages.rows[i]})
	}
	for i := range a.intents.rows {
		out = append(out, Observation{Serial: a.intents.serials[i], IntentCreated: &a.intents.rows[i]})
	}
	for i := range a.transitions.rows {
		out = append(out, Observation{Serial: a.transitions.serials[i], Transition: &a.transitions.rows[i]})
	}
	return out
}

// changedState reads the state tables whole and makes records of the
// values that differ from those last sent, remembering them as sent.
func (o *StoreObserver) changedState(q Querier) ([]Observation, error) {
	var out []Observation
	positions, err := readPositions(q)
	if err != nil {
		return nil, err
	}
	for _, p := range positions {
		if was, ok := o.positions[p.Group]; !ok || was != p {
			o.positions[p.Group] = p
			out = append(out, Observation{Position: &p})
		}
	}
	members, err := readMembers(q)
	if err != nil {
		return nil, err
	}
	out = append(out, o.changedMembers(members)...)
	policies, err := readPolicies(q)
	if err != nil {
		return nil, err
	}
	for _, p := range policies {
		if was, ok := o.policies[p.Group]; !ok || was != p.Policy {
			o.policies[p.Group] = p.Policy
			out = append(out, Observation{Policy: &p})
		}
	}
	intents, err := readIntentEnds(q)
	if err != nil {
		return nil, err
	}
	for _, in := range intents {
		was, ok := o.intents[in.ID]
		if !ok || !sameIntentEnd(was, in) {
			o.intents[in.ID] = in
			out = append(out, Observation{Intent: &in})
		}
	}
	welcomes, err := readWelcomes(q)
	if err != nil {
		return nil, err
	}
	for _, w := range welcomes {
		if was, ok := o.welcomes[w.ID]; !ok || was != w {
			o.welcomes[w.ID] = w
			out = append(out, Observation{Welcome: &w})
		}
	}
	return out, nil
}

// changedMembers makes records of the groups whose members changed, by
// group; a group whose last members were removed gets an empty list.
func (o *StoreObserver) changedMembers(now []MembersHeld) []Observation {
	byGroup := map[string][]string{}
	for _, m := range now {
		byGroup[m.Group] = m.Installations
	}
	groups := sortedKeys(byGroup)
	for g := range o.members {
		if _, ok := byGroup[g]; !ok {
			groups = append(groups, g)
		}
	}
	slices.Sort(groups)
	var out []Observation
	for _, g := range groups {
		ids := byGroup[g]
		if was, ok := o.members[g]; ok && slices.Equal(was, ids) {
			continue
		}
		o.members[g] = ids
		out = append(out, Observation{Members: &MembersHeld{Group: g, Installations: ids}})
	}
	return out
}

func sameIntentEnd(a, b IntentEnd) bool {
	return a.ID == b.ID && a.Group == b.Group && a.Kind == b.Kind && a.State == b.State && a.Reason == b.Reason &&
		slices.Equal(a.Hashes, b.Hashes)
}
