package sim

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/wire"
)

// Step runs one step of the fault phase, chosen by the schedule.
func (w *World) Step() {
	w.step++
	w.clock.ns += 1_000_000
	a := w.pickAction()
	actor, text := w.do(a)
	w.emit(actor, text)
	w.afterStep(w.installationOrNone(actor))
}

// afterStep checks what the step changed and refreshes the actor's list of
// groups (what the schedule steers group actions to).
func (w *World) afterStep(id string) {
	w.checkStep(id)
	if id == "" {
		return
	}
	if c := w.clients[id]; c.eng != nil {
		var groups []string
		if err := w.guard(c, func() error {
			var err error
			groups, err = c.eng.Groups()
			return err
		}); err == nil {
			w.held[id] = groups
		}
	}
}

func (w *World) installationOrNone(actor string) string {
	if _, ok := w.clients[actor]; ok {
		return actor
	}
	return ""
}

// pickAction draws an action by weight, over AllActions' fixed order.
func (w *World) pickAction() Action {
	total := 0.0
	for _, x := range w.weights {
		total += x
	}
	// Draw in units of 1/1024 of the total, so only integers come from the
	// stream and the choice is exact on every platform.
	r := float64(w.sched.Intn(1<<20)) / (1 << 20) * total
	for i, x := range w.weights {
		if r < x {
			return AllActions[i]
		}
		r -= x
	}
	return ActSync
}

func (w *World) pick(n int) int { return w.sched.Intn(n) }

// live lists the installations whose engine is running, in creation order.
func (w *World) live() []*client {
	var out []*client
	for _, id := range w.names {
		if c := w.clients[id]; c.eng != nil {
			out = append(out, c)
		}
	}
	return out
}

func (w *World) crashed() []*client {
	var out []*client
	for _, id := range w.names {
		if c := w.clients[id]; c.eng == nil {
			out = append(out, c)
		}
	}
	return out
}

// do performs an action and returns the actor and the trace text.
func (w *World) do(a Action) (string, string) {
	switch a {
	case ActPublishLost, ActPublishAmbig, ActPublishDelayed, ActQueryError, ActQueryShort, ActPartition,
		ActUnpartition, ActStoreBusy, ActLandDelayed, ActClockTie, ActClockJump, ActGarbage:
		return w.fault(a)
	case ActRestart:
		return w.restart()
	case ActNewInstall:
		return w.newInstallation()
	case ActRace:
		return w.commitRace()
	}
	live := w.live()
	if len(live) == 0 {
		return w.restart()
	}
	// Steer each action to a client it can act on, so few steps are idle.
	var fit []*client
	for _, c := range live {
		if w.fits(c, a) {
			fit = append(fit, c)
		}
	}
	if len(fit) > 0 {
		live = fit
	}
	c := live[w.pick(len(live))]
	if a == ActCrash {
		return c.id, w.crashDuring(c)
	}
	return c.id, w.clientAction(c, a)
}

// clientAction runs one client operation under the crash guard.
func (w *World) clientAction(c *client, a Action) string {
	text := string(a)
	err := w.guard(c, func() error {
		var detail string
		var err error
		detail, err = w.operate(c, a)
		if detail != "" {
			text += " " + detail
		}
		return err
	})
	return text + outcome(err)
}

// guard runs f, turning a simulated crash into a dead client and any other
// panic into a violation: no panic reaches the user.
func (w *World) guard(c *client, f func() error) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		c.eng = nil
		c.batches = nil
		if sig, ok := r.(crashSignal); ok {
			w.count(sig.point)
			c.crashes++
			err = fmt.Errorf("%w at %s", ErrCrashed, sig.point)
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
		return " -> ok"
	case errors.Is(err, ErrCrashed):
		return " -> " + err.Error()
	case errors.Is(err, memnet.ErrNetwork):
		return " -> err=network"
	case errors.Is(err, ErrStoreBusy):
		return " -> err=store_busy"
	case errors.Is(err, engine.ErrRemoved):
		return " -> err=removed"
	case errors.Is(err, engine.ErrGroupBroken):
		return " -> err=broken"
	case errors.Is(err, engine.ErrUnknownGroup):
		return " -> err=unknown_group"
	}
	return " -> err=" + strings.ReplaceAll(err.Error(), "\n", " ")
}

// fits says whether an action has something to act on at a client: a
// group for group actions, an open batch to step, a welcome on its topic
// it has not read, a won add whose welcomes may be unsent.
func (w *World) fits(c *client, a Action) bool {
	switch {
	case groupAction[a]:
		return len(w.held[c.id]) > 0
	case a == ActSyncStep:
		return len(c.batches) > 0
	case a == ActWelcomes:
		return w.net.Head(wire.WelcomeTopic(c.id)) > c.welcomesSeen
	case a == ActSendWelcomes:
		return c.mayHaveWelcomes
	}
	return true
}

// groupAction marks the actions that act on one of the client's groups.
var groupAction = map[Action]bool{ActSend: true, ActAdd: true, ActRemove: true, ActKeyUpdate: true, ActConsent: true,
	ActPublish: true, ActSync: true, ActSyncBegin: true}

// operate is the client side of every non-fault action.
func (w *World) operate(c *client, a Action) (string, error) {
	groups := w.held[c.id]
	group := ""
	if len(groups) > 0 {
		group = groups[w.pick(len(groups))]
	}
	needGroup := func() bool { return group != "" }
	switch a {
	case ActSend:
		if !needGroup() {
			return "no group", nil
		}
		body := fmt.Sprintf("m%d", w.step)
		id, err := c.eng.Send(group, []byte(body))
		return fmt.Sprintf("%s %q intent=%d", group, body, id), err
	case ActAdd:
		if !needGroup() {
			return "no group", nil
		}
		acct := w.addTarget(group)
		id, err := c.eng.AddMembers(group, acct)
		return fmt.Sprintf("%s %s intent=%d", group, acct, id), err
	case ActRemove:
		if !needGroup() {
			return "no group", nil
		}
		acct := w.accounts[w.pick(len(w.accounts))]
		if acct == c.account {
			return group + " (own account: skipped)", nil
		}
		id, err := c.eng.RemoveMembers(group, acct)
		return fmt.Sprintf("%s %s intent=%d", group, acct, id), err
	case ActKeyUpdate:
		if !needGroup() {
			return "no group", nil
		}
		id, err := c.eng.KeyUpdate(group)
		return fmt.Sprintf("%s intent=%d", group, id), err
	case ActConsent:
		if !needGroup() {
			return "no group", nil
		}
		answer := engine.ConsentAllowed
		if w.pick(3) == 0 {
			answer = engine.ConsentRejected
		}
		return fmt.Sprintf("%s %s", group, answer), c.eng.SetConsent(group, answer)
	case ActPublish:
		if !needGroup() {
			return "no group", nil
		}
		res, err := c.eng.PublishNext(group)
		d := fmt.Sprintf("%s %s", group, res.Action)
		if res.Intent != 0 {
			d += fmt.Sprintf(" intent=%d", res.Intent)
		}
		return d, err
	case ActSync:
		if !needGroup() {
			return "no group", nil
		}
		return group, c.eng.Sync(group)
	case ActSyncBegin:
		if !needGroup() {
			return "no group", nil
		}
		limit := 1 + w.pick(4)
		b, err := c.eng.BeginSync(group, limit)
		if err != nil {
			return fmt.Sprintf("%s limit=%d", group, limit), err
		}
		c.batches = append(c.batches, openBatch{group: group, b: b})
		return fmt.Sprintf("%s limit=%d len=%d open=%d", group, limit, b.Len(), len(c.batches)), nil
	case ActSyncStep:
		if len(c.batches) == 0 {
			return "no open batch", nil
		}
		i := w.pick(len(c.batches))
		ob := c.batches[i]
		done, err := ob.b.Step()
		if done || err != nil {
			c.batches = append(c.batches[:i], c.batches[i+1:]...)
		}
		return fmt.Sprintf("%s batch=%d done=%t", ob.group, i, done), err
	case ActWelcomes:
		c.welcomesSeen = w.net.Head(wire.WelcomeTopic(c.id))
		joined, err := c.eng.ProcessWelcomes()
		return "joined=" + strings.Join(joined, ","), err
	case ActSendWelcomes:
		n, err := c.eng.SendWelcomes()
		if err == nil {
			c.mayHaveWelcomes = false
		}
		return fmt.Sprintf("sent=%d", n), err
	case ActKeyPackages:
		n, err := c.eng.EnsureKeyPackages()
		return fmt.Sprintf("uploaded=%d", n), err
	}
	return "", fmt.Errorf("unknown action %s", a)
}

// addTarget picks an account to add: half the time one with no
// installation in the group as the topic shows it (so adds do something),
// otherwise any account (an add of members ends NOOP, or adds their new
// installations).
func (w *World) addTarget(group string) string {
	if w.pick(2) == 0 {
		if g := w.check.Oracle.Group(group); g != nil {
			var out []string
			for _, a := range w.accounts {
				in := false
				for id := range g.Members {
					if engine.AccountOf(id) == a {
						in = true
						break
					}
				}
				if !in {
					out = append(out, a)
				}
			}
			if len(out) > 0 {
				return out[w.pick(len(out))]
			}
		}
	}
	return w.accounts[w.pick(len(w.accounts))]
}

// crashOps are the operations a crash can interrupt.
var crashOps = []Action{ActPublish, ActSync, ActSyncStep, ActWelcomes, ActSendWelcomes, ActKeyPackages}

// crashDuring arms the client's fuse for one of its next boundaries of a
// kind (a transaction or a network call) and runs an operation. If the
// operation passes fewer, the fuse stays armed and a later step of this
// client crashes; a restart disarms it.
func (w *World) crashDuring(c *client) string {
	kind := []string{"tx", "send"}[w.pick(2)]
	at := w.pick(4)
	op := crashOps[w.pick(len(crashOps))]
	c.fuse.armed, c.fuse.kind, c.fuse.at, c.fuse.passed = true, kind, at, 0
	text := w.clientAction(c, op)
	if c.fuse.armed {
		return fmt.Sprintf("arm crash %s#%d, then %s (still armed)", kind, at, text)
	}
	return fmt.Sprintf("arm crash %s#%d, then %s", kind, at, text)
}

// restart reopens a crashed client from its store (or, if none is
// crashed, restarts a running one: everything in memory is lost).
func (w *World) restart() (string, string) {
	pool := w.crashed()
	if len(pool) == 0 {
		pool = w.live()
	}
	c := pool[w.pick(len(pool))]
	return c.id, w.reopen(c)
}

func (w *World) reopen(c *client) string {
	was := "running"
	if c.eng == nil {
		was = "crashed"
	}
	var err error
	gerr := w.guard(c, func() error {
		err = w.open(c)
		return err
	})
	if gerr != nil {
		return "restart was=" + was + outcome(gerr)
	}
	w.count("restart")
	return "restart was=" + was + " -> ok"
}

// newInstallation gives an account one more installation.
func (w *World) newInstallation() (string, string) {
	if w.p.MaxInstallations > 0 && len(w.names) >= w.p.MaxInstallations {
		return "world", "new_installation (at the cap)"
	}
	acct := w.accounts[w.pick(len(w.accounts))]
	n := 1
	for _, id := range w.names {
		if engine.AccountOf(id) == acct {
			n++
		}
	}
	id := fmt.Sprintf("%s/%d", acct, n)
	err := w.createInstallation(id)
	w.count("installation_created")
	return id, "new_installation" + outcome(err)
}
