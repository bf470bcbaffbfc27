// Package mutation reads the mutant catalogue (mutants/*.mutant) and runs
// it: each mutant is applied in isolation to copies of the engine's files,
// fed to the Go toolchain with -overlay, built, and hunted with its
// scenario's sweep and the scenario scripts. A catalogue entry that no
// longer applies, or that survives, fails the run.
//
// API: [Load], [Parse], [Mutant], [Runner], [Outcome].
package mutation
