package sim

import (
	"errors"
	"strings"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/results"
)

// crashSignal is the panic value of a simulated crash. Only the simulator
// recovers it; the engine never recovers panics broadly.
type crashSignal struct{ point string }

// ErrCrashed is returned by a wrapper whose client crashed: nothing a dead
// engine object does may reach the store or the network.
var ErrCrashed = errors.New("client crashed")

// ErrStoreBusy is the simulated transient store failure (SQLite busy).
var ErrStoreBusy = errors.New("store busy (simulated: SQLite's database is locked)")

// fuse is shared by one client's store and transport wrappers: it counts
// the boundaries the client passes and blows at the armed one.
type fuse struct {
	armed      bool
	kind       string // "tx" or "send": which boundaries count
	at         int    // index, among those, to crash at
	passed     int
	dead       bool
	busy       int // transactions still to fail with ErrStoreBusy
	onBusy     func()
	withhold   bool // drop welcome publishes (a Byzantine member)
	onWithhold func(topic string)
	// sites counts where faults fired, by engine call site (the world's
	// counts, shared by every fuse its clients have had; nil: not counted).
	sites *faultCounts
}

// boundary is called before and after every transaction and network call;
// op is the call: "tx" or the Transport method.
func (f *fuse) boundary(point, op string) {
	if !f.armed || !strings.HasSuffix(point, "_"+f.kind) {
		return
	}
	if f.passed == f.at {
		f.armed = false
		f.dead = true
		f.fired(op, strings.TrimSuffix(point, "_"+f.kind))
		panic(crashSignal{point: point})
	}
	f.passed++
}

// fired counts a fault that fired at the engine call site now on the stack.
// Only a fault firing pays for the stack walk.
func (f *fuse) fired(op, fault string) {
	if f.sites != nil {
		f.sites.add(callSite(op), fault)
	}
}

// crashStore wraps a client's store with crash points and transient errors.
type crashStore struct {
	inner engine.Store
	f     *fuse
}

func (s *crashStore) Update(fn func(engine.Tx) error) error {
	if s.f.dead {
		return ErrCrashed
	}
	s.f.boundary("crash_before_tx", results.OpTx)
	busy := s.f.busy > 0
	if busy {
		s.f.busy--
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
		if s.f.onBusy != nil {
			s.f.onBusy()
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

// crashTransport wraps a client's transport with crash points before and
// after every call, and the welcome withholding of a Byzantine member.
type crashTransport struct {
	inner engine.Transport
	f     *fuse
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
	if t.f.withhold && len(topic) > 8 && topic[:8] == "welcome/" {
		return t.around("Publish", func() error {
			if t.f.onWithhold != nil {
				t.f.onWithhold(topic)
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
