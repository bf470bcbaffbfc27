package sim

import (
	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/store"
)

// RunViaRecords runs a seed as Run does, but the checker reads every
// installation through observation records made from its store and
// passed through wire (recordsRoute).
func RunViaRecords(p Params, seed uint64, wire func([]checker.Observation) ([]checker.Observation, error)) (*Result, error) {
	return run(p, seed, func(w *World) { w.records = newRecordsRoute(wire) })
}

// RunAwake runs a seed as Run does with only awake stores kept awake, and
// reports what the stores did.
func RunAwake(p Params, seed uint64, awake int) (*Result, store.HibernationStats, error) {
	var world *World
	var setErr error
	res, err := run(p, seed, func(w *World) { world, setErr = w, w.SetAwakeStores(awake) })
	if err == nil {
		err = setErr
	}
	if world == nil {
		return res, store.HibernationStats{}, err
	}
	return res, world.StoreStats(), err
}

// AwakeStores is how many stores a world of p keeps awake.
func AwakeStores(p Params) int { return awakeStores(p) }
