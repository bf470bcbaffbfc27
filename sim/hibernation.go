package sim

import (
	"errors"

	"github.com/mlsim/mlsim/store"
)

// DefaultAwakeStores is how many installations' stores a world keeps
// awake, each with its own SQLite connection; the rest sleep as packed
// rows and wake on their next transaction (store.Hibernation). Every
// built-in scenario fits inside it at its own size (large-world has
// 1,000 installations), so only a scaled-up world sleeps stores. An awake
// store costs about a megabyte, a sleeping one what its rows take (tens
// of kilobytes), and a wake with its sleep about a millisecond and a
// half: with fewer awake, large-world at scale 1 took half the memory and
// twice the time (docs/PERFORMANCE.md has the figures).
// Sleeping changes no behaviour: TestSleepingStoresChangeNoTrace runs
// seeds with two stores awake and compares trace hashes.
const DefaultAwakeStores = 1024

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
