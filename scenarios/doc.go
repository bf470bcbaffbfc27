// Package scenarios names the simulator's workloads — each a set of
// sim.Params with a one-line description, chosen with `simrun --scenario`
// — and runs scripts: a run written down as commands with their outputs
// (datadriven style), replayed and verified line by line, and shrunk.
//
// API: [All], [Get], [Names], [Scenario]; scripts: [ParseScript], [Script],
// [FromRun], [Replay], [NewReplayer], [Shrink].
package scenarios
