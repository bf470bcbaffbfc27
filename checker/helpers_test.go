package checker_test

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

const memnetPublishDelayed = memnet.PublishDelayed

// variant builds every client with one adapter defence off.
func variant(name string) func(string, io.Reader) engine.MLS {
	for _, d := range []mlsadapter.Defence{mlsadapter.PathOnAdd, mlsadapter.DeepCopyCommit, mlsadapter.RehashOnRestore} {
		if d.String() == name {
			return func(_ string, rng io.Reader) engine.MLS { return mlsadapter.NewVariant(rng, d) }
		}
	}
	panic("unknown variant " + name)
}

// engineWorld is real engine clients over one memnet server, each with its
// own in-memory store and crypto stream, for the tests that break a world
// through engine behaviour or by editing a store and then run the checker
// over it. The hooks, set before add, swap an installation's MLS, store or
// transport for a broken one.
type engineWorld struct {
	net           *memnet.Server
	clock         *logicalClock
	mlsFor        func(id string, rng io.Reader) engine.MLS
	wrapStore     func(id string, s engine.Store) engine.Store
	wrapTransport func(id string, t engine.Transport) engine.Transport
	names         []string
	clients       map[string]*engine.Client
	stores        map[string]*store.DB
	events        int
}

type logicalClock struct{ ns int64 }

func (c *logicalClock) NowNs() int64 { return c.ns }

func newEngineWorld() *engineWorld {
	return &engineWorld{net: memnet.New(1_000_000_000, 1000), clock: &logicalClock{ns: 1}, clients: map[string]*engine.Client{}, stores: map[string]*store.DB{}}
}

// add opens installations (crypto streams from seed) and uploads their
// key packages.
func (w *engineWorld) add(seed uint64, ids ...string) error {
	for _, id := range ids {
		db, err := store.OpenMemory()
		if err != nil {
			return err
		}
		rng := detrand.New(seed, "crypto/"+id)
		var m engine.MLS = mlsadapter.New(rng)
		if w.mlsFor != nil {
			m = w.mlsFor(id, rng)
		}
		var st engine.Store = db
		if w.wrapStore != nil {
			st = w.wrapStore(id, st)
		}
		tr := w.net.For(id)
		if w.wrapTransport != nil {
			tr = w.wrapTransport(id, tr)
		}
		c, err := engine.Open(engine.Config{InstallationID: id, Store: st, Transport: tr, MLS: m, Clock: w.clock,
			Observer: func(engine.Event) { w.events++ }})
		if err != nil {
			return err
		}
		if _, err := c.EnsureKeyPackages(); err != nil {
			return err
		}
		w.names, w.clients[id], w.stores[id] = append(w.names, id), c, db
	}
	return nil
}

func (w *engineWorld) c(id string) *engine.Client { return w.clients[id] }

// settle runs rounds of Client.Upkeep over every client until a round
// changes nothing. Network errors are expected under faults; any other
// error ends it.
func (w *engineWorld) settle(maxRounds int) error {
	for round := 0; round < maxRounds; round++ {
		before := fmt.Sprint(w.net.Records(), w.events)
		for _, id := range w.names {
			rep, _ := w.clients[id].Upkeep()
			for _, s := range rep.Steps {
				if s.Err != nil && !errors.Is(s.Err, memnet.ErrNetwork) {
					return fmt.Errorf("%s: %s: %w", id, s, s.Err)
				}
			}
		}
		if fmt.Sprint(w.net.Records(), w.events) == before {
			return nil
		}
	}
	return fmt.Errorf("not settled after %d rounds", maxRounds)
}
