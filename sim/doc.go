// Package sim runs a world of many installations of the production engine
// over one memnet server, driven by a seed (SPEC §9): one schedule stream
// picks every step — a user action, a publish, a (partial) sync, welcome
// processing, a fault, a crash, a restart — and each installation has its
// own crypto stream. Crashes happen at store-transaction and network-call
// boundaries through wrappers around the client's store and transport.
//
// A run has two phases: a fault phase of K steps, then a liveness phase
// that heals every fault, restarts every client and runs rounds until
// nothing changes (within a documented bound). The checker checks safety
// after every step and liveness at the end. Every step appends one
// canonical trace line; the trace's SHA-256 is the run's identity.
//
// API: [Params], [Run], [Result], [World] ([NewWorld], [World.Step],
// [World.Settle]).
package sim
