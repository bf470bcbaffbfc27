// Package topiclog reads a live topic server's database — what cmd/topicd
// keeps, in a SQLite file or PostgreSQL — as the checker's [checker.Log]
// and [checker.Directory], so that the checker judges a live run from the
// server's own records as it judges a simulated one from memnet's.
//
// It reads the tables with its own queries (the tables are the contract,
// documented in topicd's schema.go), never through topicd's code, and
// opens SQLite files read-only. The checker's interfaces return no errors,
// so reading is a separate step: [Reader.Refresh] pulls, in one
// consistent read, the envelopes appended since the last refresh and the
// directory as it stands; the Log and Directory methods answer from that.
// A live harness refreshes before each checker step.
//
// A record is Injected when its publisher is [InjectedPublisher], the name
// a live harness publishes garbage and replays under; every other record
// is the publisher's own.
//
// API: [Open], [Reader] ([Reader.Refresh], [Reader.Close], and the
// checker's Topics, Records, Count, Installations, KeyPackages).
package topiclog
