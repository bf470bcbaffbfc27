package store

import (
	"database/sql"

	"github.com/mlsim/mlsim/engine"
)

// The engine runs a few dozen distinct statements, over and over; parsing
// each one again on every call was a quarter of a simulation's CPU
// (profile in README, "Performance"). Statements are prepared once per
// database and bound to each transaction with tx.Stmt, which reuses the
// statement already prepared on the (one) connection.
//
// A statement cannot be prepared on the database while a transaction holds
// its only connection (it would wait for itself), so a query seen for the
// first time runs unprepared and is prepared after the transaction ends.

// stmt returns the prepared statement for a query, or nil the first time.
func (d *DB) stmt(query string) *sql.Stmt {
	if s, ok := d.stmts[query]; ok {
		return s
	}
	d.pending = append(d.pending, query)
	return nil
}

// prepare prepares the queries seen in the last transaction. A query
// that cannot be prepared (a multi-statement migration) stays unprepared.
func (d *DB) prepare() {
	for _, q := range d.pending {
		if _, ok := d.stmts[q]; ok {
			continue
		}
		if s, err := d.db.Prepare(q); err == nil {
			d.stmts[q] = s
		} else {
			d.stmts[q] = nil
		}
	}
	d.pending = d.pending[:0]
}

// cachedTx is an engine.Tx whose statements come from the cache.
type cachedTx struct {
	d  *DB
	tx *sql.Tx
}

var _ engine.Tx = (*cachedTx)(nil)

func (t *cachedTx) Exec(query string, args ...any) (sql.Result, error) {
	if s := t.d.stmt(query); s != nil {
		return t.tx.Stmt(s).Exec(args...)
	}
	return t.tx.Exec(query, args...)
}

func (t *cachedTx) Query(query string, args ...any) (*sql.Rows, error) {
	if s := t.d.stmt(query); s != nil {
		return t.tx.Stmt(s).Query(args...)
	}
	return t.tx.Query(query, args...)
}

func (t *cachedTx) QueryRow(query string, args ...any) *sql.Row {
	if s := t.d.stmt(query); s != nil {
		return t.tx.Stmt(s).QueryRow(args...)
	}
	return t.tx.QueryRow(query, args...)
}
