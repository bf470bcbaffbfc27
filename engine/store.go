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

// Tx is the part of *sql.Tx the engine uses.
type Tx interface {
	Exec(query string, args ...any) (sql.Result, error)
	Query(query string, args ...any) (*sql.Rows, error)
	QueryRow(query string, args ...any) *sql.Row
}
