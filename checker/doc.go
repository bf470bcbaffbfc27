// Package checker decides whether a run kept the promises of SPEC §8. It
// is independent of the engine it judges: it imports no engine, store,
// server or simulator code. It reads
//   - the server's log and key package directory through its own record
//     type and interfaces ([Log], [Record], [Directory]);
//   - each client through one of two sources that answer alike: its
//     store, with its own queries against the schema (the tables are
//     the contract: [Store], [Querier]), or the observation records the
//     client sent (a client that is not ours has no store to query:
//     [Records], [Observation]; [StoreObserver] makes them of a store,
//     as our reference client does);
//   - each client's network calls as the harness around its transport
//     saw them ([Call]).
//
// Its oracle folds the topic logs — envelope headers only, never keys —
// through the acceptance rules of SPEC §5. Safety (S1–S11) is checked
// after every step against what each client appended since it was last
// read; liveness (L1–L5) once at the end against every client read whole.
// docs/PROPERTIES.md states each property, how it is computed and which
// fixture proves it.
//
// API: [Oracle] ([NewOracle], [Oracle.Fold]), [Checker] ([New],
// [Checker.Attach], [Checker.AttachRecords], [Checker.Step],
// [Checker.Final], [Checker.Copies]), [Violation], [Records]
// ([NewRecords], [Records.Add], [Records.NewStream]), [StoreObserver]
// ([NewStoreObserver], [StoreObserver.Poll]).
package checker
