package sim

import (
	"bytes"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/faultwrap"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/trace"
)

// NewRemoteWorld builds an empty world whose installations live in a
// client under test, reached through r: the same commands, network,
// faults and checker as a world of our engine, with the checker reading
// each installation's observation records instead of its store.
func NewRemoteWorld(p Params, seed uint64, r Remote) (*World, error) {
	if r == nil {
		return nil, errors.New("a remote world needs a Remote")
	}
	if p.Fixture != "" {
		return nil, fmt.Errorf("%w: fixture %s wraps our engine's store, which a remote client keeps itself", ErrUnsupported, p.Fixture)
	}
	w, err := NewWorld(p, seed)
	if err != nil {
		return nil, err
	}
	w.remote = r
	return w, nil
}

// version is how far the client's durable state has moved: its store's
// commit count, or a remote client's record count.
func (c *client) version() uint64 {
	if c.remote != nil {
		return c.remote.Records().Version()
	}
	return c.db.Version()
}

// createRemote opens a new installation in the client under test, on its
// own transport into the world (recorded for S9, like ours); the client
// registers it and uploads its key packages as Open does.
func (w *World) createRemote(id string) error {
	c := &client{id: id, account: engine.AccountOf(id)}
	if !contains(w.accounts, c.account) {
		w.accounts = append(w.accounts, c.account)
	}
	rc, err := w.remote.Open(id, remoteTransport{w.calls.Transport(w.net.For(id), id), w.net}, w.p)
	if isUnsupported(err) && w.unsupported == nil {
		w.unsupported = fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	if rc == nil {
		if err == nil {
			err = errors.New("the remote opened nothing")
		}
		return fmt.Errorf("open %s: %w", id, err)
	}
	c.index = len(w.names)
	w.clients[id] = c
	w.names = append(w.names, id)
	w.watchGroups(c)
	c.remote, c.eng, c.gen = rc, rc, 1
	c.mayHaveWelcomes = true // as a local open says of every start
	w.check.AttachRecords(id, rc.Records())
	w.remoteEvents(c)
	return err
}

// restartRemote is a restart of a remote installation: the client drops
// what it holds in memory and re-opens from its durable state. It runs
// under guardRemote (reopen), which reports the call's events.
func (w *World) restartRemote(c *client) error {
	w.net.Disconnect(c.id)
	w.calls.Restarted(c.id)
	err := c.remote.Restart()
	if err != nil {
		return err
	}
	c.eng = c.remote
	c.gen++
	c.batches = nil
	c.mayHaveWelcomes = true
	return nil
}

// guardRemote runs one call of a remote client: what the client reported
// joins the step's events, and a panic in the driver becomes a
// violation, as a panic of ours does.
func (w *World) guardRemote(c *client, f func() error) (err error) {
	defer func() {
		if isUnsupported(err) && w.unsupported == nil {
			w.unsupported = fmt.Errorf("%w: %v", ErrUnsupported, err)
		}
		w.remoteEvents(c)
		var said interface{ CrashPoint() string }
		r := recover()
		switch crash, raised := r.(faultwrap.Crash); {
		case raised: // the driver raised it as our engine's fuse does (PanicOnCrash)
			err = w.remoteCrash(c, crash.Point)
		case r != nil:
			w.panics = append(w.panics, checker.Violation{Property: "no_panic", Step: w.step, Installations: []string{c.id},
				Message: fmt.Sprintf("panic: %v\n%s", r, debug.Stack())})
			err = fmt.Errorf("panicked: %v", r)
		case errors.Is(err, ErrCrashed) && errors.As(err, &said):
			err = w.remoteCrash(c, said.CrashPoint())
		}
	}()
	return f()
}

// remoteCrash: the client crashed at a fault hook; it is down until a
// restart, as one of ours is after its fuse blew.
func (w *World) remoteCrash(c *client, point string) error {
	c.eng, c.batches = nil, nil
	w.crashed = true
	w.count(point)
	c.crashes++
	return fmt.Errorf("%w at %s", ErrCrashed, point)
}

func (w *World) remoteEvents(c *client) {
	for _, e := range c.remote.Events() {
		switch e.Kind {
		case "store_busy", "welcome_withheld":
			// The client's fault hooks firing: faults, as a local fuse's
			// callbacks report them.
			w.count(string(e.Kind))
			w.stepEvents = append(w.stepEvents, trace.Event{Installation: c.id, Kind: string(e.Kind), Group: e.Group, Fault: true})
		default:
			w.onEvent(c.id, e)
		}
	}
}

// remoteHook runs a fault hook on a remote client (which may be crashed:
// its hooks take effect from its next start, as a local fuse's do); ok is
// the command's output when it succeeded.
func (w *World) remoteHook(c *client, ok string, hook func() error) result {
	var err error
	func() {
		defer w.remoteEvents(c)
		err = hook()
	}()
	if isUnsupported(err) && w.unsupported == nil {
		w.unsupported = fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	if err != nil {
		return result{out: outcome(err)}
	}
	return result{out: ok}
}

// RemoteParams are p as a world of remote clients plays it: no store
// fixture (a wrapper around our engine's store). Crashes, a busy store
// and withheld welcomes are the client's fault hooks; streams are the
// client's subscriptions, whose deliveries the world hands out one per
// stream-step through the installation's topic endpoint; restarts,
// network faults, garbage, revocations and Byzantine commits are the
// world's.
func RemoteParams(p Params) Params {
	p.Fixture = ""
	return p
}

// RunRemote runs one seed as Run does, in a world whose installations
// live in a client under test reached through r. Pass RemoteParams(p).
func RunRemote(p Params, seed uint64, r Remote) (*Result, error) {
	if r == nil {
		return nil, errors.New("a remote world needs a Remote")
	}
	return run(p, seed, func(w *World) { w.remote = r })
}

// isUnsupported: err is ErrUnsupported, or says it is (an error with an
// Unsupported method returning true: a client's UNIMPLEMENTED answer).
func isUnsupported(err error) bool {
	var u interface{ Unsupported() bool }
	return errors.Is(err, ErrUnsupported) || (errors.As(err, &u) && u.Unsupported())
}

// remoteTransport is RemoteTransport over the installation's recorded
// transport into the world's server.
type remoteTransport struct {
	engine.Transport
	net *memnet.Server
}

// PublishAt reads the record a successful publish appended: the world is
// driven one call at a time, so it is the topic's last.
func (t remoteTransport) PublishAt(topic string, payload []byte) (uint64, int64, error) {
	if err := t.Publish(topic, payload); err != nil {
		return 0, 0, err
	}
	log := t.net.Log(topic)
	if len(log) == 0 || !bytes.Equal(log[len(log)-1].Payload, payload) {
		return 0, 0, fmt.Errorf("publish to %s: the record is not the topic's last", topic)
	}
	last := log[len(log)-1]
	return last.Seq, last.TimestampNs, nil
}
