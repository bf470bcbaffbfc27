// Package runner turns simulator runs into the summaries simrun prints
// (package results holds them, as data): a run checked for determinism
// (the seed run twice, trace hashes compared), and sweeps over seed
// ranges spread over worker processes (go-mls's random sources are
// process-global, so parallel worlds need separate processes).
//
// API: [RunSeed], [Run], [Summarize], [Sweep], [ParseSeeds],
// [DeterminismSampled], [MLSVariants].
package runner
