package sim

import (
	"errors"

	"github.com/mlsim/mlsim/store"
)

// A world keeps its installations' stores awake, each with its own
// SQLite connection, while they fit; the rest sleep as packed rows and
// wake on their next transaction (store.Hibernation). An awake store
// costs about a megabyte, a sleeping one what its rows take (15–30 KB in
// large-world), and a sleep with its wake about a millisecond and a half.
// So a world of up to AllAwakeInstallations keeps every store awake (every
// built-in scenario at scale 1, large-world's 1,000 included: with fewer
// awake it took half the memory and twice the time), and a larger one
// keeps LargeWorldAwakeStores: at ten times large-world, 1,024 awake took
// 3.4 GB for 6% less time than 256 (docs/PERFORMANCE.md has the figures).
// Sleeping changes no behaviour: TestSleepingStoresChangeNoTrace runs
// seeds with two stores awake and compares trace hashes.
const (
	AllAwakeInstallations = 1024
	LargeWorldAwakeStores = 256
)

// awakeStores is how many stores a world of these parameters keeps awake.
func awakeStores(p Params) int {
	if n := max(p.MaxInstallations, p.Accounts*p.InstallsPer); n > AllAwakeInstallations {
		return LargeWorldAwakeStores
	}
	return AllAwakeInstallations
}

// SetAwakeStores changes how many stores the world keeps awake (at least
// 1). Call it before the world has installations.
func (w *World) SetAwakeStores(n int) error {
	if len(w.names) > 0 {
		return errors.New("awake stores: set before the world has installations")
	}
	if n < 1 {
		return errors.New("awake stores: at least 1")
	}
	w.hib = store.NewHibernation(n)
	return nil
}

// StoreStats reports what the world's stores did: how many are awake and
// how often one was put to sleep and woken.
func (w *World) StoreStats() store.HibernationStats { return w.hib.Stats() }
