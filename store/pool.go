package store

import (
	"fmt"
	"sync"

	"github.com/mlsim/mlsim/engine"
)

// A closed in-memory store gives its connection back, emptied, for the
// next OpenMemory. What survives is what costs: the connection's parsed
// schema and its prepared statements. Without reuse a simulated world
// parses every statement once per installation per seed, a measurable
// share of a seed's CPU (docs/PERFORMANCE.md has the figure).
//
// Emptied means every table holds what the migrated image holds: no rows
// but schema_version's, and the AUTOINCREMENT counters as in the image.
// Rowids are then allocated exactly as in a fresh copy (max+1 from an
// empty table), and results are ordered by keys, never by page layout, so
// the engine cannot tell a reused connection from a new one.
// TestReusedStoreIsLikeNew checks the content; every determinism re-run
// checks the behaviour, byte for byte (in `simrun run` the first run opens
// fresh connections and the re-run takes them from here).
var idle struct {
	mu    sync.Mutex
	conns []statements
}

// maxIdle bounds the connections kept: a world of 1,000 installations
// closing at once keeps 64 and closes the rest.
const maxIdle = 64

func takeIdle() (statements, bool) {
	idle.mu.Lock()
	defer idle.mu.Unlock()
	n := len(idle.conns)
	if n == 0 {
		return statements{}, false
	}
	st := idle.conns[n-1]
	idle.conns = idle.conns[:n-1]
	return st, true
}

// giveBack empties the store and keeps its connection if there is room;
// it reports whether it did (otherwise the caller closes it).
func (d *DB) giveBack() bool { return d.giveBackFilled(nil) }

// giveBackFilled is giveBack that empties only the tables filled names
// (nil: all): a store going to sleep has just read which hold rows
// (hibernate.go).
func (d *DB) giveBackFilled(filled []bool) bool {
	return d.keep(func() error { return d.empty(filled) })
}

// keep empties the store with empty and keeps its connection if there is
// room; it reports whether it did.
func (d *DB) keep(empty func() error) bool {
	idle.mu.Lock()
	full := len(idle.conns) >= maxIdle
	idle.mu.Unlock()
	if full || empty() != nil {
		return false
	}
	idle.mu.Lock()
	defer idle.mu.Unlock()
	if len(idle.conns) >= maxIdle {
		return false
	}
	idle.conns = append(idle.conns, d.st)
	return true
}

// empty deletes every row the migrated image does not hold, in one
// transaction: from the tables filled names (nil: every table of the
// layout, which is read from the schema, so a table added by a later
// migration is emptied too), and the AUTOINCREMENT counters back to the
// image's.
func (d *DB) empty(filled []bool) error {
	tables, err := packLayout(&d.st)
	if err != nil {
		return err
	}
	return d.transactLocked(func(tx engine.Tx) error {
		for i, t := range tables {
			if filled == nil || filled[i] {
				if _, err := tx.Exec(t.empty); err != nil {
					return fmt.Errorf("empty %s: %w", t.name, err)
				}
			}
		}
		return resetSequences(tx)
	}, true)
}

// resetSequences sets the AUTOINCREMENT counters back to the image's.
func resetSequences(tx engine.Tx) error {
	if _, err := tx.Exec(`DELETE FROM sqlite_sequence`); err != nil {
		return fmt.Errorf("empty sqlite_sequence: %w", err)
	}
	for _, s := range template.sequences {
		if _, err := tx.Exec(`INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)`, s.name, s.seq); err != nil {
			return fmt.Errorf("restore sqlite_sequence: %w", err)
		}
	}
	return nil
}
