package sim

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/faultwrap"
	"github.com/mlsim/mlsim/memnet"
)

// result is what a handler reports: the outcome text. (The checker reads
// every store that committed during the step, so no handler names one.)
type result struct {
	out string
}

// ErrBadCommand wraps every error about a command itself (unknown name,
// missing or malformed arguments): the caller's input is wrong.
var ErrBadCommand = errors.New("bad command")

// Do executes one command as one step: it appends its trace line, checks
// safety on what it changed, and returns the output (outcome and what the
// engine and server reported).
func (w *World) Do(c Cmd) (string, error) {
	if d, ok := commandDoc(c.Name); !ok || d.Query {
		return "", fmt.Errorf("%w: unknown command %q (known: %s)", ErrBadCommand, c.Name, commandNames())
	}
	for _, a := range c.Args {
		if a == "" || strings.ContainsAny(a, " \n=") {
			return "", fmt.Errorf("%w: %s: empty or unprintable argument %q", ErrBadCommand, c.Name, a)
		}
	}
	w.nextStep()
	w.clock.ns += 1_000_000
	res, err := w.dispatch(c)
	if err != nil {
		w.step--
		w.calls.Step = w.step
		if errors.Is(err, ErrUnsupported) {
			return "", err
		}
		return "", fmt.Errorf("%w: %v", ErrBadCommand, err)
	}
	if err := w.unsupported; err != nil {
		// A remote client lacks what the command needs: the run stops here.
		w.unsupported = nil
		return "", err
	}
	st := stepOf(c)
	st.Outcome = res.out
	out := w.emit(st).Output()
	w.afterStep()
	w.script = append(w.script, ScriptStep{Cmd: c, Output: out})
	return out, nil
}

// afterStep checks what the step changed and refreshes the list of groups
// each running client holds (what the schedule steers group actions to),
// read from the stores that committed something since it was last read.
func (w *World) afterStep() {
	w.checkStep()
	w.readGroups()
}

// client returns a running installation, or why it cannot act.
func (w *World) client(id string) (*client, string) {
	c, ok := w.clients[id]
	switch {
	case !ok:
		return nil, "skipped: no installation " + id
	case c.eng == nil:
		return nil, "skipped: " + id + " is crashed"
	}
	return c, ""
}

// guard runs f, turning a simulated crash into a dead client and any other
// panic into a violation: no panic reaches the user.
func (w *World) guard(c *client, f func() error) (err error) {
	if c.remote != nil {
		return w.guardRemote(c, f)
	}
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		c.eng = nil
		c.batches = nil
		if sig, ok := r.(faultwrap.Crash); ok {
			w.crashed = true
			w.count(sig.Point)
			c.crashes++
			err = fmt.Errorf("%w at %s", ErrCrashed, sig.Point)
			return
		}
		w.panics = append(w.panics, checker.Violation{Property: "no_panic", Step: w.step, Installations: []string{c.id},
			Message: fmt.Sprintf("panic: %v\n%s", r, debug.Stack())})
		err = fmt.Errorf("panicked: %v", r)
	}()
	return f()
}

// outcome renders an error in a stable, short form for the trace.
func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrCrashed):
		return err.Error()
	case errors.Is(err, engine.ErrStreamBroken): // wraps the network error that broke it
		return "err=stream_broken"
	case errors.Is(err, memnet.ErrNetwork):
		return "err=network"
	case errors.Is(err, ErrStoreBusy):
		return "err=store_busy"
	case errors.Is(err, engine.ErrRemoved):
		return "err=removed"
	case errors.Is(err, engine.ErrGroupBroken):
		return "err=broken"
	case errors.Is(err, engine.ErrUnknownGroup):
		return "err=unknown_group"
	case errors.Is(err, engine.ErrNotSubscribed):
		return "err=not_subscribed"
	case errors.Is(err, engine.ErrRevoked):
		// The directory's refusal, whatever the transport's words for it.
		return "err=revoked"
	case errors.Is(err, engine.ErrSelfRemoval):
		// A refusal any client makes in its own words: named, not quoted.
		return "err=self_removal"
	}
	return "err=" + strings.ReplaceAll(err.Error(), "\n", " ")
}

// engineCall runs one engine call on a running client under the guard and
// renders its outcome, with detail first when there is some.
func (w *World) engineCall(id string, f func(c *client) (string, error)) result {
	c, why := w.client(id)
	if c == nil {
		return result{out: why}
	}
	var detail string
	err := w.guard(c, func() error {
		var err error
		detail, err = f(c)
		return err
	})
	out := outcome(err)
	if detail != "" {
		out = detail + " " + out
	}
	return result{out: out}
}

// nextStep starts the next step: the network calls made from here on are
// stamped with it.
func (w *World) nextStep() {
	w.step++
	w.calls.Step = w.step
}
