// Package topicd is the topic server of a live deployment: the gRPC
// service of proto/topic/v1 (TopicService) over durable storage, with the
// semantics memnet has in a simulated world (SPEC §1):
//   - Publish appends to a topic and assigns the next per-topic sequence
//     id, from 1, with no gap and no duplicate, and a server timestamp
//     (the wall clock; timestamps may tie). Group and welcome topics are
//     topics like any other.
//   - Query returns envelopes after a sequence id, ascending, and the
//     topic's head on every answer; Subscribe streams them, then each one
//     as it lands (subscribe.go).
//   - The key package directory registers installations under their
//     account in registration order and hands each key package out once;
//     a revoked installation leaves it for good; its version moves on
//     every upload and revocation.
//
// Differences from memnet, both of a real server: a Query limit of 0 (or
// above MaxPage) is cut to MaxPage, and requests beyond the limits of
// limits.go are INVALID_ARGUMENT. Every call carries the protocol version
// (guard.go); a client of another version gets FAILED_PRECONDITION naming
// both.
//
// Storage has two backends that run the same operations (ops.go): a
// SQLite file (WAL, synchronous=FULL: an acknowledged publish survives a
// kill; one server per file) and PostgreSQL (several servers may share one
// database). The tables (schema.go) are the contract package topiclog
// reads for the checker.
//
// API: [Config], [New], [Server] ([Server.Serve], [Server.Shutdown]),
// [Storage], [OpenStorage], [OpenSQLite], [OpenPostgres], [Envelope],
// [Page], [ErrNoKeyPackage], [ErrRevoked], the limits [MaxPage],
// [MaxPayloadBytes], [MaxNameBytes], [MaxUploadPackets]. cmd/topicd is
// the program.
package topicd
