// Package engine is the production MLS group client: durable intents,
// sync, welcomes and key packages (SPEC §1–6). The simulator runs this same
// code.
//
// The engine runs no goroutines, reads no wall clock and draws no
// randomness of its own: it declares what it needs — [Store] (transactions
// over SQLite tables, see package store), [Transport] (topics and the key
// package directory, see package memnet), [MLS] (see package mlsadapter)
// and [Clock] — and callers pass them in [Config]. One call is one small
// synchronous step:
//
//   - user actions: [Client.CreateGroup], [Client.Send],
//     [Client.AddMembers], [Client.RemoveMembers], [Client.KeyUpdate],
//     [Client.SetConsent];
//   - publishing: [Client.PublishNext] (write-ahead, then send), and
//     [Client.PublishAll] (every intent the rules let out, in order);
//   - reading: [Client.BeginSync] and [SyncBatch.Step] (one envelope per
//     transaction; batches may interleave), [Client.Sync], [Client.SyncAll];
//   - pushes: [Client.Subscribe] (a [Stream] from the cursor) and
//     [Client.StreamStep] (one delivery through the same cursor check:
//     a duplicate skipped, a gap filled by a pull), [Client.DrainStreams];
//   - welcomes and keys: [Client.SendWelcomes], [Client.ProcessWelcomes],
//     [Client.EnsureKeyPackages];
//   - the periodic loop: [Client.Upkeep] runs all of the above once, as a
//     production client (and the simulator's liveness phase) does, and
//     says in an [UpkeepReport] which steps failed and what it joined;
//   - inspection: [Client.Snapshot]; events through [Config.Observer].
//
// Errors wrap their cause with %w; callers branch on [ErrUnknownGroup],
// [ErrRemoved], [ErrSelfRemoval], [ErrGroupBroken] and the transport's own
// errors (all transient).
package engine
