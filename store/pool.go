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
func (d *DB) giveBack() bool { return d.keep(d.empty) }

// giveBackFilled is giveBack for a store whose tables' rows were just
// read (hibernate.go): only the tables that hold rows are emptied.
func (d *DB) giveBackFilled(tables []tableLayout, filled []bool) bool {
	return d.keep(func() error {
		return d.transactLocked(func(tx engine.Tx) error {
			for i, t := range tables {
				if filled[i] {
					if _, err := tx.Exec(t.empty); err != nil {
						return fmt.Errorf("empty %s: %w", t.name, err)
					}
				}
			}
			return resetSequences(tx)
		}, true)
	})
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
// transaction. The tables are read from the schema, so a table added by a
// later migration is emptied too.
func (d *DB) empty() error {
	return d.transactLocked(func(tx engine.Tx) error {
		rows, err := tx.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version' ORDER BY name`)
		if err != nil {
			return err
		}
		var tables []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			tables = append(tables, name)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, name := range tables {
			if _, err := tx.Exec(fmt.Sprintf(`DELETE FROM %q`, name)); err != nil {
				return fmt.Errorf("empty %s: %w", name, err)
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
