package sim

import (
	"encoding/hex"
	"fmt"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/wire"
)

// The chooser turns the schedule stream into commands. It reads the world
// (who is running, which groups each holds, the oracle's members) to steer
// each action to something it can act on, and resolves every choice into
// the command, so the command alone replays the step.

// setupCommands are the world's first steps: the initial installations,
// then each group's creation by a random installation and an add of the
// creator's account and InitialMembers distinct others.
func (w *World) setupCommands() []Cmd {
	var cmds []Cmd
	var initial []string
	for _, a := range w.accounts {
		for j := 1; j <= w.p.InstallsPer; j++ {
			id := fmt.Sprintf("%s/%d", a, j)
			initial = append(initial, id)
			cmds = append(cmds, NewCmd("installation", id))
		}
	}
	for gi := 0; gi < w.p.Groups; gi++ {
		gid := fmt.Sprintf("g%d", gi)
		creator := initial[w.pick(len(initial))]
		cmds = append(cmds, NewCmd("create-group", creator, gid))
		if gi < w.p.Withholders {
			cmds = append(cmds, NewCmd("withhold", creator))
		}
		own := engine.AccountOf(creator)
		others := make([]string, 0, len(w.accounts))
		for _, a := range w.accounts {
			if a != own {
				others = append(others, a)
			}
		}
		args := []string{creator, gid, own}
		for k := 0; k < w.p.InitialMembers && len(others) > 0; k++ {
			i := w.pick(len(others))
			args = append(args, others[i])
			others = append(others[:i], others[i+1:]...)
		}
		cmds = append(cmds, NewCmd("add", args...))
	}
	return cmds
}

// pickAction draws an action by weight, over AllActions' fixed order.
func (w *World) pickAction() Action {
	total := 0
	for _, x := range w.weights {
		total += x
	}
	if total == 0 {
		return ActSync
	}
	r := w.pick(total)
	for i, x := range w.weights {
		if r < x {
			return AllActions[i]
		}
		r -= x
	}
	return ActSync
}

func (w *World) pick(n int) int { return w.sched.Intn(n) }

// bytes draws n bytes from the schedule.
func (w *World) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(w.sched.Intn(256))
	}
	return b
}

// Chooser is where the schedule's choices come from: the seed's stream in
// a run, or a property-testing library that shrinks them.
type Chooser interface {
	Intn(n int) int
}

// UseChooser replaces the schedule stream (rapid property tests and
// FuzzSchedule draw every choice from their own source).
func (w *World) UseChooser(c Chooser) { w.sched = c }

// Setup runs the setup commands the chooser picks for the params.
func (w *World) Setup() error {
	for _, c := range w.setupCommands() {
		if _, err := w.Do(c); err != nil {
			return err
		}
	}
	return nil
}

// StepAction chooses a command for an action and runs it.
func (w *World) StepAction(a Action) (Cmd, string, error) {
	c := w.choose(a)
	out, err := w.Do(c)
	return c, out, err
}

// Violations returns what the checker found so far.
func (w *World) Violations() []checker.Violation { return w.violations() }

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

// groupAction marks the actions that act on one of the client's groups.
var groupAction = map[Action]bool{ActSend: true, ActAdd: true, ActRemove: true, ActKeyUpdate: true, ActConsent: true,
	ActPublish: true, ActPublishAll: true, ActSync: true, ActSyncBegin: true}

// fits says whether an action has something to act on at a client: a
// group for group actions, an open batch to step, a welcome on its topic
// it has not read, a won add whose welcomes may be unsent. Hints only: a
// wrong one wastes a step, it never changes what the engine does.
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

// choose resolves an action into a command.
func (w *World) choose(a Action) Cmd {
	switch a {
	case ActPublishLost, ActPublishAmbig, ActPublishDelayed, ActQueryError, ActQueryShort, ActDirectoryError:
		return NewCmd("fault", string(a), w.names[w.pick(len(w.names))])
	case ActSubscribe, ActStreamStep, ActStreamDrop, ActStreamDuplicate, ActStreamDelay, ActStreamBreak:
		return w.chooseStream(a)
	case ActPartition:
		return NewCmd("partition", w.names[w.pick(len(w.names))])
	case ActUnpartition:
		for _, id := range w.names {
			if w.net.Partitioned(id) {
				return NewCmd("unpartition", id)
			}
		}
		return w.choose(ActSync)
	case ActStoreBusy:
		return NewCmd("store-busy", w.names[w.pick(len(w.names))])
	case ActLandDelayed:
		return NewCmd("land-delayed")
	case ActClockTie:
		return NewCmd("clock", "tie")
	case ActClockJump:
		return NewCmd("clock", "jump")
	case ActGarbage:
		return w.chooseGarbage()
	case ActRestart:
		return w.chooseRestart()
	case ActNewInstall:
		return w.chooseNewInstallation()
	case ActRevoke:
		return w.chooseRevoke()
	case ActRace:
		return w.chooseRace()
	case ActUpdateAdmins, ActUpdatePolicy, ActForgeCommit:
		return w.choosePolicy(a)
	}
	live := w.live()
	if len(live) == 0 {
		return w.chooseRestart()
	}
	var fit []*client
	for _, c := range live {
		if w.fits(c, a) {
			fit = append(fit, c)
		}
	}
	if len(fit) > 0 {
		live = fit
	} else if groupAction[a] {
		// No running client holds a group: bring back a crashed one that
		// does, so a crash does not idle the rest of the run.
		for _, id := range w.names {
			if c := w.clients[id]; c.eng == nil && len(w.held[id]) > 0 {
				return NewCmd("restart", id)
			}
		}
	}
	c := live[w.pick(len(live))]
	group := ""
	if held := w.held[c.id]; len(held) > 0 {
		group = held[w.pick(len(held))]
	}
	if groupAction[a] && group == "" {
		return NewCmd("process-welcomes", c.id)
	}
	switch a {
	case ActSend:
		return NewCmd("send", c.id, group, fmt.Sprintf("m%d", w.step+1))
	case ActAdd:
		return NewCmd("add", c.id, group, w.addTarget(c, group))
	case ActRemove:
		acct := w.removeTarget(c, group)
		if acct == c.account {
			return NewCmd("key-update", c.id, group)
		}
		return NewCmd("remove", c.id, group, acct)
	case ActKeyUpdate:
		return NewCmd("key-update", c.id, group)
	case ActConsent:
		answer := "allowed"
		if w.pick(3) == 0 {
			answer = "rejected"
		}
		return NewCmd("consent", c.id, group, answer)
	case ActPublish:
		return NewCmd("publish", c.id, group)
	case ActPublishAll:
		return NewCmd("publish-all", c.id, group)
	case ActSync:
		return NewCmd("sync", c.id, group)
	case ActSyncBegin:
		return NewCmd("sync-begin", c.id, group).With("limit", 1+w.pick(4))
	case ActSyncStep:
		if len(c.batches) == 0 {
			if group == "" {
				return NewCmd("process-welcomes", c.id)
			}
			return NewCmd("sync", c.id, group)
		}
		return NewCmd("sync-step", c.id).With("batch", w.pick(len(c.batches)))
	case ActWelcomes:
		return NewCmd("process-welcomes", c.id)
	case ActSendWelcomes:
		return NewCmd("send-welcomes", c.id)
	case ActKeyPackages:
		return NewCmd("key-packages", c.id)
	case ActUpkeep:
		return NewCmd("upkeep", c.id)
	case ActCrash:
		// Mostly one of the next few boundaries; one time in four further
		// on, so that a crash also lands deep inside a long step (an
		// upkeep round's installations check comes after a dozen).
		at := w.pick(4)
		if w.pick(4) == 0 {
			at += w.pick(16)
		}
		return NewCmd("arm-crash", c.id).With("kind", []string{"tx", "send"}[w.pick(2)]).With("at", at)
	}
	return NewCmd("process-welcomes", c.id)
}

// chooseRestart restarts a crashed installation, or a running one when
// none is crashed (everything in memory is lost).
func (w *World) chooseRestart() Cmd {
	var crashed []string
	for _, id := range w.names {
		if w.clients[id].eng == nil {
			crashed = append(crashed, id)
		}
	}
	if len(crashed) > 0 {
		return NewCmd("restart", crashed[w.pick(len(crashed))])
	}
	return NewCmd("restart", w.names[w.pick(len(w.names))])
}

func (w *World) chooseNewInstallation() Cmd {
	if w.p.MaxInstallations > 0 && len(w.names) >= w.p.MaxInstallations {
		return w.choose(ActKeyPackages)
	}
	acct := w.accounts[w.pick(len(w.accounts))]
	n := 1
	for _, id := range w.names {
		if engine.AccountOf(id) == acct {
			n++
		}
	}
	return NewCmd("installation", fmt.Sprintf("%s/%d", acct, n))
}

// chooseRace picks two or three running members of a group and a change
// for each, of every kind raceChanges has: a key update, an add, a remove
// (of another account: removing one's own is refused) or a message.
func (w *World) chooseRace() Cmd {
	group := w.groups[w.pick(len(w.groups))]
	var members []*client
	for _, c := range w.live() {
		if contains(w.held[c.id], group) {
			members = append(members, c)
		}
	}
	if len(members) < 2 {
		return w.choose(ActPublish)
	}
	cmd := NewCmd("race", group)
	n := 2 + w.pick(2)
	for i := 0; i < n && len(members) > 0; i++ {
		k := w.pick(len(members))
		c := members[k]
		members = append(members[:k], members[k+1:]...)
		change := "key-update"
		switch w.pick(4) {
		case 1:
			change = "add:" + w.addTarget(c, group)
		case 2:
			if acct := w.removeTarget(c, group); acct != c.account {
				change = "remove:" + acct
			}
		case 3:
			change = fmt.Sprintf("send:m%d.%d", w.step+1, i+1)
		}
		cmd = cmd.With(c.id, change)
	}
	return cmd
}

// memberHint is the group's member list as the acting client holds it:
// the schedule's own bookkeeping, never the checker's (a hint only; nil
// when it cannot be read).
func memberHint(c *client, group string) []string {
	if c.eng == nil {
		return nil
	}
	members, err := c.eng.Members(group)
	if err != nil {
		return nil
	}
	return members
}

// addTarget picks an account to add: half the time one with no
// installation in the group as the acting client holds it (so adds do
// something), otherwise any account (an add of members ends NOOP, or adds
// their new installations).
func (w *World) addTarget(c *client, group string) string {
	if w.pick(2) == 0 {
		if members := memberHint(c, group); members != nil {
			in := map[string]bool{}
			for _, id := range members {
				in[engine.AccountOf(id)] = true
			}
			var out []string
			for _, a := range w.accounts {
				if !in[a] {
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

// removeDecoys weighs the non-members a remove may name against the
// group's members: a group of s member accounts has a member named with
// probability s/(s+removeDecoys). Removal pressure so grows with the group
// and levels off, which holds groups near a size the add/remove weights
// set (see the large-world scenario) instead of letting them drift, while
// a steady share of removes still name a non-member and end NOOP.
const removeDecoys = 4

// removeTarget picks an account to remove: a member account of the group
// as the acting client holds it, or any account.
func (w *World) removeTarget(c *client, group string) string {
	if ids := memberHint(c, group); ids != nil {
		var members []string
		for _, id := range ids {
			if a := engine.AccountOf(id); !contains(members, a) {
				members = append(members, a)
			}
		}
		if k := w.pick(len(members) + removeDecoys); k < len(members) {
			return members[k]
		}
	}
	return w.accounts[w.pick(len(w.accounts))]
}

// chooseGarbage: random bytes, a replay of a stored envelope (half the
// replays of a message carry a forged, higher counter that passes the
// counter rule, so only the message-id check stops it), or a well-formed
// header around junk.
func (w *World) chooseGarbage() Cmd {
	group := w.groups[w.pick(len(w.groups))]
	kind := w.pick(3)
	log := w.net.Log(wire.GroupTopic(group))
	if kind == 1 && len(log) == 0 {
		kind = 0
	}
	switch kind {
	case 1:
		// Mostly replay messages: their forged-counter copies are what
		// reach the message-id check.
		var msgs []int
		for i, r := range log {
			if e, err := wire.Decode(r.Payload); err == nil && !r.Garbage && e.Kind == wire.KindApplication {
				msgs = append(msgs, i+1)
			}
		}
		seq := 1 + w.pick(len(log))
		if len(msgs) > 0 && w.pick(3) > 0 {
			seq = msgs[w.pick(len(msgs))]
		}
		cmd := NewCmd("garbage", group).With("replay", seq)
		if w.pick(2) == 0 {
			// Far above any real counter: it passes the counter rule.
			cmd = cmd.With("counter+", 1000+w.pick(3))
		}
		return cmd
	case 2:
		junk := w.bytes(16)
		sender := w.names[w.pick(len(w.names))]
		return NewCmd("garbage", group, "forged").With("sender", sender).With("epoch", w.pick(4)).
			With("counter", 1+w.pick(3)).With("id", 1+w.pick(5)).With("mls", hex.EncodeToString(junk))
	}
	b := w.bytes(1 + w.pick(64))
	return NewCmd("garbage", group).With("random", hex.EncodeToString(b))
}
