// Package scenarios names the simulator's workloads: each is a set of
// sim.Params with a one-line description, chosen with `simrun --scenario`.
//
// API: [All], [Get], [Scenario].
package scenarios
