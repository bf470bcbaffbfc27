package checker

import "fmt"

// source is where the checker reads one client from: its store, with the
// checker's own queries (storeSource), or the observation records the
// client sent (*Records). Both answer the same questions with the same
// values, so a client is judged the same whichever it offers.
type source interface {
	// delta is what was appended after m, and every group's position.
	delta(m mark) (Delta, mark, error)
	// state is everything the final checks read.
	state(installation string) (ClientState, error)
	// intentsAfter is the intents created after the mark's intent serial.
	intentsAfter(after int64) ([]IntentCreated, error)
	// version counts the source's changes, if it can: while it stays put
	// there is nothing new to read.
	version() (v uint64, ok bool)
}

// storeSource reads a client's store.
type storeSource struct{ s Store }

func (s storeSource) delta(m mark) (Delta, mark, error) { return readDelta(s.s, m) }

func (s storeSource) state(installation string) (ClientState, error) {
	return readState(s.s, installation)
}

func (s storeSource) intentsAfter(after int64) ([]IntentCreated, error) {
	var a appended[IntentCreated]
	err := s.s.Read(func(q Querier) error {
		var err error
		a, err = readIntents(q, after)
		return err
	})
	return a.rows, err
}

func (s storeSource) version() (uint64, bool) {
	if v, ok := s.s.(Versioned); ok {
		return v.Version(), true
	}
	return 0, false
}

// sourceError names the client a read failed for.
func sourceError(id string, err error) error { return fmt.Errorf("checker: %s: %w", id, err) }
