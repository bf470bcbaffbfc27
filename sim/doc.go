// Package sim runs a world of many installations of the production engine
// over one memnet server, driven by a seed (SPEC §9): one schedule stream
// picks every step — a user action, a publish, a (partial) sync, a stream
// delivery, welcome processing, a fault, a crash, a restart — and each
// installation has its own crypto stream. Crashes happen at
// store-transaction and network-call boundaries through wrappers around
// the client's store and transport.
//
// A run has two phases: a fault phase of K steps, then a liveness phase
// that heals every fault, restarts every client and runs rounds until
// nothing changes (within a documented bound). The checker (which reads
// the world only through internal/observe's adapters) checks safety after
// every step and liveness at the end; the schedule steers by the world's
// own bookkeeping, never by the checker. Every step appends one canonical
// trace line; the trace's SHA-256 (with the server's bytes) is the run's
// identity.
//
// API: [Params], [Run], [Result], [World] ([NewWorld], [World.Do],
// [World.Query], [World.Settle], [World.Result]).
package sim
