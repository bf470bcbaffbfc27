// Package mlsadapter implements engine.MLS over github.com/cisco/go-mls,
// used unmodified, and holds every defence against go-mls's known bugs that
// belongs at this layer (../shared/GOMLS.md):
//
//   - bug 3: adds are always committed with a path (the committer adds an
//     Update of its own leaf), so the welcome never carries a stale path
//     secret;
//   - bug 4: Commit runs on a deep copy (marshal + restore), so the state
//     it was called on is never mutated; Process needs no deep copy (it
//     queues proposals on a shallow copy and go-mls's Handle clones the
//     state before applying anything);
//   - bug 5: every restore recomputes the tree hashes (Tree.SetHashAll);
//   - bug 7: callers keep decoded states in memory (GroupState values) and
//     decode only on restart or join;
//   - every key package gets a fixed lifetime and is re-signed, so no wall
//     clock reaches the bytes;
//   - panics inside go-mls on malformed input come back as errors.
//
// go-mls draws randomness from two process-global sources (crypto/rand.Reader
// and the global math/rand). Each Adapter owns one installation's stream and
// installs it into both around every call (SPEC §9); a process therefore runs
// one world at a time.
//
// Variants built with [NewVariant] each switch one defence off; they exist
// so tests and the harness can show that each defence matters.
//
// API: [New], [NewVariant], [Adapter] (engine.MLS), [FixedNotAfter],
// [KeyPackageLifetime].
package mlsadapter
