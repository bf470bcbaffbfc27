// Package enginetest builds small worlds of real engine clients over one
// memnet server, for tests that script multi-client flows step by step:
// each installation gets its own in-memory SQLite store, its own crypto
// stream derived from (seed, installation id), and the production MLS
// adapter unless a variant is asked for.
//
// API: [World], [New], [World.Add], [World.C], [World.Restart],
// [World.Stabilize], [World.Snapshots], [Clock].
package enginetest

import (
	"errors"
	"fmt"
	"io"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/store"
)

// Clock is a logical clock: it moves only when told to.
type Clock struct{ Ns int64 }

// NowNs implements engine.Clock.
func (c *Clock) NowNs() int64 { return c.Ns }

// World is a set of installations over one server.
type World struct {
	Seed  uint64
	Net   *memnet.Server
	Clock *Clock
	// MLSFor builds an installation's MLS from its stream; nil means the
	// production adapter.
	MLSFor func(installation string, rng io.Reader) engine.MLS
	// WrapStore, if set, wraps each installation's store (fault injection).
	WrapStore func(installation string, s engine.Store) engine.Store
	// WrapTransport, if set, wraps each installation's transport.
	WrapTransport func(installation string, t engine.Transport) engine.Transport
	// Configure, if set, adjusts each installation's config.
	Configure func(*engine.Config)
	// Events collects every engine event, in order.
	Events []engine.Event

	names   []string
	clients map[string]*engine.Client
	stores  map[string]*store.DB
	rngs    map[string]*detrand.Stream
}

// New returns an empty world.
func New(seed uint64) *World {
	return &World{
		Seed:    seed,
		Net:     memnet.New(1_000_000_000, 1000),
		Clock:   &Clock{Ns: 1},
		clients: map[string]*engine.Client{},
		stores:  map[string]*store.DB{},
		rngs:    map[string]*detrand.Stream{},
	}
}

// Add creates installations ("account/name") and uploads their key packages.
func (w *World) Add(installations ...string) error {
	for _, id := range installations {
		if _, ok := w.clients[id]; ok {
			return fmt.Errorf("installation %s exists", id)
		}
		db, err := store.OpenMemory()
		if err != nil {
			return err
		}
		w.stores[id] = db
		w.rngs[id] = detrand.New(w.Seed, "crypto/"+id)
		w.names = append(w.names, id)
		if err := w.open(id); err != nil {
			return err
		}
		if _, err := w.clients[id].EnsureKeyPackages(); err != nil {
			return err
		}
	}
	return nil
}

func (w *World) open(id string) error {
	var st engine.Store = w.stores[id]
	if w.WrapStore != nil {
		st = w.WrapStore(id, st)
	}
	var m engine.MLS = mlsadapter.New(w.rngs[id])
	if w.MLSFor != nil {
		m = w.MLSFor(id, w.rngs[id])
	}
	tr := w.Net.For(id)
	if w.WrapTransport != nil {
		tr = w.WrapTransport(id, tr)
	}
	cfg := engine.Config{
		InstallationID: id, Store: st, Transport: tr, MLS: m, Clock: w.Clock,
		Observer: func(e engine.Event) { w.Events = append(w.Events, e) },
	}
	if w.Configure != nil {
		w.Configure(&cfg)
	}
	c, err := engine.Open(cfg)
	if err != nil {
		return err
	}
	w.clients[id] = c
	return nil
}

// C returns an installation's client.
func (w *World) C(id string) *engine.Client { return w.clients[id] }

// Store returns an installation's store, unwrapped.
func (w *World) Store(id string) engine.Store { return w.stores[id] }

// Names lists installations in creation order.
func (w *World) Names() []string { return append([]string(nil), w.names...) }

// Restart drops an installation's engine (everything in memory) and opens a
// new one over the same store: a crash and restart.
func (w *World) Restart(id string) error {
	delete(w.clients, id)
	return w.open(id)
}

// Stabilize runs rounds of key package upkeep, welcomes, sync, publish and
// welcome sending over every installation until a round changes nothing.
// Network errors are expected under faults and ignored; any other error is
// returned.
func (w *World) Stabilize(maxRounds int) error {
	for round := 0; round < maxRounds; round++ {
		before := w.fingerprint()
		for _, id := range w.names {
			if err := w.Round(id); err != nil {
				return err
			}
		}
		if w.fingerprint() == before {
			return nil
		}
	}
	return fmt.Errorf("not stable after %d rounds", maxRounds)
}

// Round runs one installation's upkeep once.
func (w *World) Round(id string) error {
	c := w.clients[id]
	var errs []error
	_, err := c.EnsureKeyPackages()
	errs = append(errs, err)
	_, err = c.ProcessWelcomes()
	errs = append(errs, err)
	errs = append(errs, c.SyncAll())
	groups, err := c.Groups()
	errs = append(errs, err)
	for _, g := range groups {
		for i := 0; i < 16; i++ {
			res, err := c.PublishNext(g)
			errs = append(errs, err)
			if err != nil || res.Action == engine.PublishedNone || res.Action == engine.PublishedWaiting {
				break
			}
		}
	}
	_, err = c.SendWelcomes()
	errs = append(errs, err)
	errs = append(errs, c.SyncAll())
	for _, err := range errs {
		if err != nil && !errors.Is(err, memnet.ErrNetwork) {
			return fmt.Errorf("%s: %w", id, err)
		}
	}
	return nil
}

func (w *World) fingerprint() string {
	return fmt.Sprintf("%d/%d", w.Net.Records(), len(w.Events))
}

// Snapshots returns every installation's snapshot, in creation order.
func (w *World) Snapshots() ([]engine.Snapshot, error) {
	var out []engine.Snapshot
	for _, id := range w.names {
		s, err := w.clients[id].Snapshot()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
