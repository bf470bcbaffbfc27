// Package checker decides whether a simulated run kept the promises of
// SPEC §8. Its oracle folds the server's topic logs — envelope headers
// only, never keys — through the acceptance rules of SPEC §5, written here
// from the spec and independently of the engine's decision code. Safety
// (S1–S6) is checked after every step against what that step appended to
// the acting client's audit log; liveness (L1–L5) once at the end against
// every client's snapshot.
//
// API: [Oracle] ([NewOracle], [Oracle.Fold]), [Checker] ([New],
// [Checker.Step], [Checker.Final]), [Violation].
package checker
