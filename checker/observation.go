package checker

import "fmt"

// Observation is one observation record: one thing a client did to its
// durable state, as it tells a driver (proto/intentclient/v1's
// Observation, field for field). Exactly one of the record pointers is
// set.
//
// Seq numbers a client process's records 1, 2, 3, …; it starts again at
// 1 when the process does. The append-only kinds (Epoch, Message,
// IntentCreated, Transition) carry Serial, the client's durable serial
// for that kind, which survives restarts (an intent's is its id); the
// state kinds (Position, Members, Policy, Intent, Welcome) are whole
// values that replace the previous one, with Serial 0.
type Observation struct {
	Seq    uint64
	Serial int64

	Epoch         *EpochEntered
	Message       *StoredMessage
	IntentCreated *IntentCreated
	Transition    *Transition

	Position *Position
	Members  *MembersHeld
	Policy   *PolicyHeld
	Intent   *IntentEnd
	Welcome  *WelcomeOwed
}

// Kind names the record an observation carries, or says why it does not
// carry exactly one.
func (o Observation) Kind() (string, error) {
	var kinds []string
	for _, k := range []struct {
		name string
		set  bool
	}{
		{"epoch", o.Epoch != nil}, {"message", o.Message != nil}, {"intent_created", o.IntentCreated != nil},
		{"transition", o.Transition != nil}, {"position", o.Position != nil}, {"members", o.Members != nil},
		{"policy", o.Policy != nil}, {"intent", o.Intent != nil}, {"welcome", o.Welcome != nil},
	} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	switch len(kinds) {
	case 0:
		return "", fmt.Errorf("observation %d carries no record", o.Seq)
	case 1:
		return kinds[0], nil
	}
	return "", fmt.Errorf("observation %d carries %d records (%v); one is allowed", o.Seq, len(kinds), kinds)
}

// appendOnly says whether the record is of an append-only kind (it has a
// serial).
func (o Observation) appendOnly() bool {
	return o.Epoch != nil || o.Message != nil || o.IntentCreated != nil || o.Transition != nil
}
