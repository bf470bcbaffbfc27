package sim

import "github.com/mlsim/mlsim/checker"

// RunViaRecords runs a seed as Run does, but the checker reads every
// installation through observation records made from its store and
// passed through wire (recordsRoute).
func RunViaRecords(p Params, seed uint64, wire func([]checker.Observation) ([]checker.Observation, error)) (*Result, error) {
	return run(p, seed, func(w *World) { w.records = newRecordsRoute(wire) })
}
