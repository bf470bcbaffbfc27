// Package trace is the record of a run: one typed Step per step, with
// one canonical text encoding (Step.String) that is what a run hashes
// and what a script records after " -> ".
//
// Everything that reads a run — queries, the steps that led to a
// violation, reports, replays — reads the fields of these records; only
// the script reader parses text. The package imports nothing but the
// standard library, so a report can be rendered without the simulator,
// the engine, SQLite or go-mls.
package trace
