// Package observe adapts the simulated world's parts — memnet's log and
// directory, the clients' SQLite stores, their transports — to the
// checker's own interfaces, so the checker reads nothing through the
// engine. The simulator and the tests that drive a checker by hand use it.
package observe

import (
	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/store"
)

// Log is memnet's log as the checker's records.
func Log(s *memnet.Server) checker.Log { return serverLog{s} }

type serverLog struct{ s *memnet.Server }

func (l serverLog) Topics() []string { return l.s.Topics() }
func (l serverLog) Count() uint64    { return l.s.Records() }

func (l serverLog) Records(topic string, after uint64) []checker.Record {
	log := l.s.Log(topic)
	if after >= uint64(len(log)) {
		return nil
	}
	out := make([]checker.Record, 0, uint64(len(log))-after)
	for _, r := range log[after:] {
		out = append(out, checker.Record{Seq: r.Seq, TimestampNs: r.TimestampNs, Payload: r.Payload,
			Publisher: r.Publisher, Injected: r.Garbage})
	}
	return out
}

// Directory is memnet's key package directory.
func Directory(s *memnet.Server) checker.Directory { return directory{s} }

type directory struct{ s *memnet.Server }

func (d directory) Installations(account string) []string { return d.s.Installations(account) }
func (d directory) KeyPackages(installation string) int   { return len(d.s.KeyPackages(installation)) }
func (d directory) Revoked(installation string) bool      { return d.s.Revoked(installation) }

// Store is an installation's SQLite store, read with the checker's own
// queries.
func Store(db *store.DB) checker.Store { return checkedStore{db} }

type checkedStore struct{ db *store.DB }

func (s checkedStore) Version() uint64 { return s.db.Version() }

// Watch tells the checker when the store commits (checker.Watched).
func (s checkedStore) Watch(changed func()) { s.db.OnCommit(changed) }

func (s checkedStore) Read(fn func(checker.Querier) error) error {
	return s.db.View(func(tx engine.Tx) error { return fn(querier{tx}) })
}

type querier struct{ tx engine.Tx }

func (q querier) Query(query string, args ...any) (checker.Rows, error) {
	return q.tx.Query(query, args...)
}

// Recorder collects the network calls clients make, for the checker (S9).
type Recorder struct {
	Step  int            // stamped on each call
	Calls []checker.Call // in the order made; the caller takes and clears them
}

// Restarted notes that an installation started again from its store.
func (r *Recorder) Restarted(installation string) {
	r.Calls = append(r.Calls, checker.Call{Step: r.Step, Installation: installation, Kind: checker.CallRestart})
}

// Transport wraps an installation's transport so that its publishes and
// queries are recorded with what the client saw. Put it under any crash
// wrapper: a call a crash prevented was never made. Subscriptions pass
// through unrecorded: a stream proves nothing about what is absent, so no
// property reads its deliveries (S9's syncs are queries, a stream gap's
// pull among them), and what a delivery changed is in the store.
func (r *Recorder) Transport(inner engine.Transport, installation string) engine.Transport {
	return &recording{Transport: inner, r: r, id: installation}
}

type recording struct {
	engine.Transport
	r  *Recorder
	id string
}

func (t *recording) Publish(topic string, payload []byte) error {
	err := t.Transport.Publish(topic, payload)
	t.r.Calls = append(t.r.Calls, checker.Call{Step: t.r.Step, Installation: t.id, Kind: checker.CallPublish,
		Topic: topic, Payload: payload, Failed: err != nil})
	return err
}

func (t *recording) Query(topic string, afterSeq uint64, limit int) (engine.Page, error) {
	p, err := t.Transport.Query(topic, afterSeq, limit)
	last := afterSeq
	if n := len(p.Envelopes); n > 0 {
		last = p.Envelopes[n-1].Seq
	}
	t.r.Calls = append(t.r.Calls, checker.Call{Step: t.r.Step, Installation: t.id, Kind: checker.CallQuery,
		Topic: topic, Failed: err != nil, After: afterSeq, Head: p.Head, Last: last})
	return p, err
}
