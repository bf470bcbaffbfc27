package sim

import (
	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/internal/observe"
)

// recordsRoute reads every installation through observation records
// instead of its store: a checker.StoreObserver over the store (what our
// reference client sends on its Observe stream), the records through
// wire (a test passes them through the protocol's encoding), into a
// checker.Records the checker reads. A run read this way must be judged
// exactly as one that reads the stores.
type recordsRoute struct {
	wire  func([]checker.Observation) ([]checker.Observation, error)
	feeds map[string]*recordsFeed
}

type recordsFeed struct {
	obs *checker.StoreObserver
	rec *checker.Records
	gen int // the client process the observer stands for (client.gen)
}

func newRecordsRoute(wire func([]checker.Observation) ([]checker.Observation, error)) *recordsRoute {
	return &recordsRoute{wire: wire, feeds: map[string]*recordsFeed{}}
}

// feedRecords hands the checker, before it reads, what each store gained
// as records. An installation is attached as records before its first
// read (createInstallation attached its store; attaching again replaces
// it). A client whose process started again since the last feed starts
// a new stream: its new observer sends everything the store holds, and
// the Records ignores what it already has.
func (w *World) feedRecords() {
	if w.records == nil {
		return
	}
	for _, id := range w.names {
		c := w.clients[id]
		if c.db == nil {
			continue // a remote client sends its own records
		}
		f := w.records.feeds[id]
		if f == nil {
			f = &recordsFeed{rec: checker.NewRecords()}
			w.records.feeds[id] = f
			w.check.AttachRecords(id, f.rec)
		}
		if f.obs == nil || f.gen != c.gen {
			f.obs, f.gen = checker.NewStoreObserver(observe.Store(c.db)), c.gen
			f.rec.NewStream()
		}
		got, err := f.obs.Poll()
		if err == nil && w.records.wire != nil {
			got, err = w.records.wire(got)
		}
		if err == nil {
			err = f.rec.Add(got...)
		}
		if err != nil {
			w.panics = append(w.panics, checker.Violation{Property: "audit", Step: w.step, Installations: []string{id},
				Message: err.Error()})
		}
	}
}
