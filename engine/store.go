package engine

import "database/sql"

// Store is a client's durable state: transactions over its tables (SQLite
// in production and in the simulator; see package store). Every change that
// must survive a crash is one Update.
type Store interface {
	// Update runs fn in one transaction, committed iff fn returns nil.
	Update(fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(fn func(Tx) error) error
}

// Tx is the part of a SQL transaction the engine uses: the shape of
// *sql.Tx, with rows as interfaces so a store can run statements on its
// driver directly (package store does, to spare a simulation database/sql's
// overhead: docs/PERFORMANCE.md).
type Tx interface {
	Exec(query string, args ...any) (sql.Result, error)
	Query(query string, args ...any) (Rows, error)
	QueryRow(query string, args ...any) Row
}

// Rows is a query's result, read like *sql.Rows.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Row is a single-row result, read like *sql.Row: Scan returns
// sql.ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}
