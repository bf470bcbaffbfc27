// Package memnet is an in-memory topic server and key package directory
// that implements engine.Transport, with the network faults of SPEC §7 as
// hooks a caller arms: the next publish lost, ambiguous (stored, error
// returned) or delayed (stored later; Heal lands it); the next query failed
// or cut short; an installation partitioned; garbage injected (and tagged,
// so the oracle never needs keys).
//
// Topics are totally ordered: every reader sees the same sequence ids.
// Server timestamps come from a caller-driven clock and may tie. Nothing in
// memnet runs concurrently or reads the wall clock.
//
// API: [Server], [New], [Server.For] (one installation's engine.Transport),
// [Record], [Fault], and the Arm*/Heal/Inject methods.
package memnet
