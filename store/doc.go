// Package store opens a client's SQLite database (modernc.org/sqlite, pure
// Go) and brings its schema up to date with embedded, versioned migrations.
// The result implements engine.Store: every change is one transaction.
//
// In memory (the simulator) the database lives on one connection, so the
// pool is held to exactly one; a file database (production) survives the
// process and a new process reopening it sees everything.
//
// API: [OpenMemory], [OpenFile], [DB], [SchemaVersion].
package store
