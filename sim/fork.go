package sim

import (
	"crypto/sha256"
	"encoding"
	"fmt"
	"hash"

	"github.com/mlsim/mlsim/internal/deepcopy"
	"github.com/mlsim/mlsim/internal/faultwrap"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/store"
)

// Checkpoint is a world frozen to start many runs from: Fork returns an
// independent copy of it — its stores copied row by row, its topic
// server, checker, trace and counts copied deeply, and a new engine over
// each copied store. Running commands in a copy changes neither the
// checkpoint nor other copies, so a world built once starts many runs (the
// fuzz targets pay for key packages, the first commits and the welcomes
// once per process instead of once per input).
//
// An engine's memory (decoded MLS states, cached rows, deliveries of
// unknown fate) is not copied: a new engine starts without it. A copy
// therefore behaves exactly as the original would only if every engine of
// the original is new too, so a checkpoint is taken right after a
// `restart` of every running installation (each client opened and not
// used since); Checkpoint errors otherwise. A script of the original's
// commands followed by a copy's then replays the copy's run exactly.
type Checkpoint struct {
	w      *World
	images map[string]store.Image
}

// Checkpoint freezes the world: from now on use it only through the
// checkpoint's Fork. A checkpoint (its world's in-memory stores) lives as
// long as the process: the fuzz targets keep one per world for every
// input.
func (w *World) Checkpoint() (*Checkpoint, error) {
	if err := w.forkable(); err != nil {
		return nil, err
	}
	k := &Checkpoint{w: w, images: map[string]store.Image{}}
	for _, id := range w.names {
		img, err := w.clients[id].db.Image()
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %s: %w", id, err)
		}
		k.images[id] = img
	}
	return k, nil
}

// Fork returns a new copy of the checkpoint's world.
func (k *Checkpoint) Fork() (*World, error) {
	w := k.w
	cp := deepcopy.New()
	nw := &World{
		p: w.p, seed: w.seed,
		clock:     &logicalClock{ns: w.clock.ns},
		clients:   map[string]*client{},
		step:      w.step,
		finalDone: w.finalDone,
		lastStats: w.lastStats,
		calls:     &observe.Recorder{Step: w.calls.Step},
		meter:     &mlsadapter.Meter{Calls: w.meter.Calls, Total: w.meter.Total},
		hib:       store.NewHibernation(w.hib.Capacity()),
	}
	var err error
	// Every store first, so that the checker's references to them (and
	// the net's, copied next) become references to the copies.
	for _, id := range w.names {
		c := w.clients[id]
		db, ierr := store.OpenImage(k.images[id])
		if ierr != nil {
			nw.Close()
			return nil, fmt.Errorf("fork: %s: %w", id, ierr)
		}
		if ierr := db.Hibernate(nw.hib); ierr != nil {
			_ = db.Close()
			nw.Close()
			return nil, fmt.Errorf("fork: %s: %w", id, ierr)
		}
		cp.Replace(c.db, db)
		rng := *c.rng
		nc := &client{id: c.id, account: c.account, db: db, rng: &rng, gen: c.gen, crashes: c.crashes,
			welcomesSeen: c.welcomesSeen, mayHaveWelcomes: c.mayHaveWelcomes,
			snap: c.snap, snapVersion: c.snapVersion, groupsRead: c.groupsRead, groupsVersion: c.groupsVersion,
			index: c.index}
		nw.clients[id] = nc
		nw.names = append(nw.names, id)
		nw.watchGroups(nc) // due once: a read that finds the version unchanged costs nothing
	}
	dup(cp, &nw.sched, w.sched, &err)
	dup(cp, &nw.net, w.net, &err)
	dup(cp, &nw.check, w.check, &err)
	dup(cp, &nw.accounts, w.accounts, &err)
	dup(cp, &nw.groups, w.groups, &err)
	dup(cp, &nw.held, w.held, &err)
	dup(cp, &nw.withholders, w.withholders, &err)
	dup(cp, &nw.weights, w.weights, &err)
	dup(cp, &nw.trace, w.trace, &err)
	dup(cp, &nw.script, w.script, &err)
	dup(cp, &nw.settled, w.settled, &err)
	dup(cp, &nw.withheld, w.withheld, &err)
	dup(cp, &nw.extraCopies, w.extraCopies, &err)
	dup(cp, &nw.events, w.events, &err)
	dup(cp, &nw.stepEvents, w.stepEvents, &err)
	dup(cp, &nw.wonGen, w.wonGen, &err)
	dup(cp, &nw.panics, w.panics, &err)
	dup(cp, &nw.faultSites, w.faultSites, &err)
	if err == nil {
		nw.traceHash, err = cloneSHA256(w.traceHash)
	}
	if err != nil {
		nw.Close()
		return nil, fmt.Errorf("fork: %w", err)
	}
	nw.check.Rewatch() // the copied checker, with the copied stores
	for _, id := range nw.names {
		c, old := nw.clients[id], w.clients[id]
		if old.fuse != nil && old.fuse.Withhold {
			c.fuse = &faultwrap.Fuse{Withhold: true}
		}
		if old.eng == nil {
			continue // crashed: it stays crashed
		}
		// open tells the checker of a restart when gen > 0; the original's
		// checker, copied, was told already.
		gen, may := c.gen, c.mayHaveWelcomes
		c.gen = 0
		if err := nw.open(c); err != nil {
			nw.Close()
			return nil, fmt.Errorf("fork: %w", err)
		}
		c.gen, c.mayHaveWelcomes = gen, may
	}
	return nw, nil
}

// forkable checks Fork's condition: the last steps restarted every running
// installation, each exactly once, and nothing else ran after the first
// of them (so no engine has memory a new one would lack).
func (w *World) forkable() error {
	running := 0
	for _, id := range w.names {
		c := w.clients[id]
		if c.eng != nil {
			running++
		}
		if len(c.batches) > 0 {
			return fmt.Errorf("fork: %s has a sync batch open", id)
		}
	}
	restarted := map[string]bool{}
	for i := len(w.script) - 1; i >= 0 && len(restarted) < running; i-- {
		s := w.script[i]
		if s.Cmd.Name != "restart" || restarted[s.Cmd.Arg(0)] {
			break
		}
		restarted[s.Cmd.Arg(0)] = true
	}
	for _, id := range w.names {
		if w.clients[id].eng != nil && !restarted[id] {
			return fmt.Errorf("fork: the world's last steps must restart every running installation (%s was not)", id)
		}
	}
	return nil
}

// dup deep-copies src into *dst unless an earlier copy failed.
func dup[T any](cp *deepcopy.Copier, dst *T, src T, err *error) {
	if *err == nil {
		*dst, *err = deepcopy.Copy(cp, src)
	}
}

// cloneSHA256 copies a running SHA-256 (the trace hash) through its
// marshalled state.
func cloneSHA256(h hash.Hash) (hash.Hash, error) {
	m, ok := h.(encoding.BinaryMarshaler)
	if !ok {
		return nil, fmt.Errorf("trace hash %T cannot be copied", h)
	}
	state, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	n := sha256.New()
	if err := n.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return nil, err
	}
	return n, nil
}
