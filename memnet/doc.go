// Package memnet is an in-memory topic server and key package directory
// that implements engine.Transport, with the network faults of SPEC §7 as
// hooks a caller arms: the next publish lost, ambiguous (stored, error
// returned) or delayed (stored later; Heal lands it); the next query failed
// or cut short; an installation partitioned; garbage injected (and tagged,
// so the oracle never needs keys). Subscriptions (stream.go) push each
// record of a topic as it lands; their faults drop, repeat or delay a
// delivery or break the subscription, and a partition breaks them all.
//
// Topics are totally ordered: every reader sees the same sequence ids.
// Server timestamps come from a caller-driven clock and may tie. Nothing in
// memnet runs concurrently or reads the wall clock.
//
// API: [Server], [New], [Server.For] (one installation's engine.Transport),
// [Record], [Fault], the Arm*/Heal/Inject methods, and [Server.Disconnect]
// (a client's subscriptions end with its connection).
package memnet
