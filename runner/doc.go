// Package runner turns simulator runs into the summaries simrun prints:
// a run checked for determinism (the seed run twice, trace hashes
// compared), and sweeps over seed ranges spread over worker processes
// (go-mls's random sources are process-global, so parallel worlds need
// separate processes).
//
// API: [RunSeed], [RunSummary], [Sweep], [SweepSummary], [ParseSeeds],
// [DeterminismSampled].
package runner
