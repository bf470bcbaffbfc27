// Package store opens a client's SQLite database (modernc.org/sqlite, pure
// Go) and brings its schema up to date with embedded, versioned migrations.
// The result implements engine.Store: every change is one transaction.
//
// A DB is one SQLite connection used through the driver directly, with
// every statement prepared once (conn.go); an in-memory database (the
// simulator) starts as a copy of one migrated image (template.go); a file
// database (production) survives the process and a new process reopening
// it sees everything.
//
// API: [OpenMemory], [OpenFile], [DB], [SchemaVersion].
package store
