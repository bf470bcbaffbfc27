package faultwrap

import (
	"errors"
	"strings"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/results"
)

// Crash is the panic value of a simulated crash (Point: where). Only a
// harness recovers it — the simulator, or a client process serving the
// protocol's fault hooks; the engine never recovers panics broadly.
type Crash struct{ Point string }

// ErrCrashed is returned by a wrapper whose client crashed: nothing a dead
// engine object does may reach the store or the network.
var ErrCrashed = errors.New("client crashed")

// ErrStoreBusy is the simulated transient store failure (SQLite busy).
var ErrStoreBusy = errors.New("store busy (simulated: SQLite's database is locked)")

// Fuse is shared by one client's store and transport wrappers: it counts
// the boundaries the client passes and blows at the armed one.
type Fuse struct {
	armed  bool
	kind   string // "tx" or "send": which boundaries count
	at     int    // index, among those, to crash at
	passed int
	dead   bool
	// Busy is how many transactions are still to fail with ErrStoreBusy.
	Busy   int
	OnBusy func()
	// Withhold drops welcome publishes (a Byzantine member).
	Withhold   bool
	OnWithhold func(topic string)
	// OnFired is told where each fault fired: the Transport method or
	// "tx", and the fault (results' names); nil: not counted. It is
	// called with the engine's frames on the stack.
	OnFired func(op, fault string)
}

// Arm makes the client crash at its at-th (from 0) next boundary of the
// kind: "tx" (before or after a store transaction) or "send" (before or
// after a network call).
func (f *Fuse) Arm(kind string, at int) { f.armed, f.kind, f.at, f.passed = true, kind, at, 0 }

// Dead reports whether the fuse blew: the engine object it belongs to is
// gone, and its wrappers refuse everything.
func (f *Fuse) Dead() bool { return f.dead }

// boundary is called before and after every transaction and network call;
// op is the call: "tx" or the Transport method.
func (f *Fuse) boundary(point, op string) {
	if !f.armed || !strings.HasSuffix(point, "_"+f.kind) {
		return
	}
	if f.passed == f.at {
		f.armed = false
		f.dead = true
		f.fired(op, strings.TrimSuffix(point, "_"+f.kind))
		panic(Crash{Point: point})
	}
	f.passed++
}

// fired reports a fault that fired (OnFired may walk the stack: only a
// fault firing pays for that).
func (f *Fuse) fired(op, fault string) {
	if f.OnFired != nil {
		f.OnFired(op, fault)
	}
}

// Store wraps a client's store with the fuse's crash points and
// transient errors.
func Store(inner engine.Store, f *Fuse) engine.Store { return &crashStore{inner: inner, f: f} }

type crashStore struct {
	inner engine.Store
	f     *Fuse
}

func (s *crashStore) Update(fn func(engine.Tx) error) error {
	if s.f.dead {
		return ErrCrashed
	}
	s.f.boundary("crash_before_tx", results.OpTx)
	busy := s.f.Busy > 0
	if busy {
		s.f.Busy--
	}
	err := s.inner.Update(func(tx engine.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if busy {
			// The work is done and then the commit fails: the case where
			// cached state is ahead of the store.
			return ErrStoreBusy
		}
		return nil
	})
	if busy && errors.Is(err, ErrStoreBusy) {
		s.f.fired(results.OpTx, results.FaultBusy)
		if s.f.OnBusy != nil {
			s.f.OnBusy()
		}
	}
	if err != nil {
		return err
	}
	s.f.boundary("crash_after_tx", results.OpTx)
	return nil
}

func (s *crashStore) View(fn func(engine.Tx) error) error {
	if s.f.dead {
		return ErrCrashed
	}
	return s.inner.View(fn)
}

// Transport wraps a client's transport with the fuse's crash points
// before and after every call, and the welcome withholding of a Byzantine
// member.
func Transport(inner engine.Transport, f *Fuse) engine.Transport {
	return &crashTransport{inner: inner, f: f}
}

type crashTransport struct {
	inner engine.Transport
	f     *Fuse
}

// around runs one Transport call (op is its method name) between its two
// crash boundaries, and counts a network error the server returned.
func (t *crashTransport) around(op string, call func() error) error {
	if t.f.dead {
		return ErrCrashed
	}
	t.f.boundary("crash_before_send", op)
	err := call()
	if errors.Is(err, memnet.ErrNetwork) {
		t.f.fired(op, results.FaultNetError)
	}
	t.f.boundary("crash_after_send", op)
	return err
}

func (t *crashTransport) Publish(topic string, payload []byte) error {
	if t.f.Withhold && len(topic) > 8 && topic[:8] == "welcome/" {
		return t.around("Publish", func() error {
			if t.f.OnWithhold != nil {
				t.f.OnWithhold(topic)
			}
			return nil // claims it was sent
		})
	}
	return t.around("Publish", func() error { return t.inner.Publish(topic, payload) })
}

func (t *crashTransport) Query(topic string, afterSeq uint64, limit int) (engine.Page, error) {
	var p engine.Page
	err := t.around("Query", func() error {
		var err error
		p, err = t.inner.Query(topic, afterSeq, limit)
		return err
	})
	return p, err
}

func (t *crashTransport) UploadKeyPackages(account, installation string, kps [][]byte) error {
	return t.around("UploadKeyPackages", func() error { return t.inner.UploadKeyPackages(account, installation, kps) })
}

func (t *crashTransport) KeyPackageCount(installation string) (int, error) {
	var n int
	err := t.around("KeyPackageCount", func() error {
		var err error
		n, err = t.inner.KeyPackageCount(installation)
		return err
	})
	return n, err
}

func (t *crashTransport) Installations(account string) ([]string, error) {
	var out []string
	err := t.around("Installations", func() error {
		var err error
		out, err = t.inner.Installations(account)
		return err
	})
	return out, err
}

func (t *crashTransport) FetchKeyPackage(installation string) ([]byte, error) {
	var kp []byte
	err := t.around("FetchKeyPackage", func() error {
		var err error
		kp, err = t.inner.FetchKeyPackage(installation)
		return err
	})
	return kp, err
}

func (t *crashTransport) DirectoryVersion() (uint64, error) {
	var v uint64
	err := t.around("DirectoryVersion", func() error {
		var err error
		v, err = t.inner.DirectoryVersion()
		return err
	})
	return v, err
}
