package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/sim"
	"github.com/mlsim/mlsim/topiclog"
	"github.com/mlsim/mlsim/trace"
	"github.com/mlsim/mlsim/wire"
)

// What a live run does with the scenario's actions. The user's intents
// and the client's own operations go to a client process as commands;
// the simulator's network faults become the client's injected faults.
// The rest have no live counterpart here, and the report lists them with
// the reason: a live run cannot make a store busy or the clock tie, and
// crashes are the scheduled SIGKILLs.
var liveActions = map[sim.Action]string{
	sim.ActSend: OpSend, sim.ActAdd: OpAdd, sim.ActRemove: OpRemove, sim.ActKeyUpdate: OpKeyUpdate,
	sim.ActNewInstall: OpOpen, sim.ActRevoke: "revoke", sim.ActUpkeep: OpUpkeep,
	sim.ActPublish: OpPublish, sim.ActPublishAll: OpPublishAll, sim.ActSync: OpSync,
	sim.ActWelcomes: OpProcessWelcomes, sim.ActSendWelcomes: OpSendWelcomes, sim.ActKeyPackages: OpKeyPackages,
	sim.ActUpdateAdmins: OpUpdateAdmins, sim.ActUpdatePolicy: OpUpdatePolicy, sim.ActForgeCommit: OpForge,
	sim.ActPublishLost: FaultDropPublish, sim.ActPublishAmbig: FaultDropResponse, sim.ActPublishDelayed: FaultDelayPublish,
	sim.ActQueryError: FaultDropQuery, sim.ActPartition: FaultPartition, sim.ActUnpartition: OpHeal,
	sim.ActGarbage:   "garbage",
	sim.ActSubscribe: OpSubscribe, sim.ActStreamStep: OpStreamStep,
	sim.ActStreamDrop: FaultStreamDrop, sim.ActStreamDuplicate: FaultStreamDuplicate, sim.ActStreamBreak: FaultStreamBreak,
}

// notLive says why an action of the scenario is not played live.
func notLive(a sim.Action) string {
	switch a {
	case sim.ActCrash, sim.ActRestart:
		return "crashes are the scheduled SIGKILLs of client processes"
	case sim.ActRace:
		return "concurrent commits happen by themselves between processes"
	case sim.ActLandDelayed:
		return "a delayed publish lands by itself"
	case sim.ActStreamDelay:
		return "deliveries are as late as the network makes them"
	case sim.ActStoreBusy, sim.ActClockTie, sim.ActClockJump:
		return "the store and the clock are real"
	case sim.ActDirectoryError, sim.ActQueryShort:
		return "topicd has no fault injection of its own"
	}
	return "no live counterpart"
}

// weighted is the scenario's live actions with their weights, in a fixed
// order.
type weighted struct {
	actions []sim.Action
	cum     []float64
}

func (h *harness) weights() weighted {
	var w weighted
	names := make([]string, 0, len(h.sc.Params.Weights))
	for a, x := range h.sc.Params.Weights {
		if x > 0 {
			names = append(names, string(a))
		}
	}
	sort.Strings(names)
	total := 0.0
	for _, n := range names {
		a := sim.Action(n)
		if _, ok := liveActions[a]; !ok {
			if h.stats.NotPlayed == nil {
				h.stats.NotPlayed = map[string]string{}
			}
			h.stats.NotPlayed[n] = notLive(a)
			continue
		}
		total += h.sc.Params.Weights[a]
		w.actions = append(w.actions, a)
		w.cum = append(w.cum, total)
	}
	return w
}

func (w weighted) pick(x float64) sim.Action {
	x *= w.cum[len(w.cum)-1]
	i := sort.SearchFloat64s(w.cum, x)
	return w.actions[min(i, len(w.actions)-1)]
}

func (h *harness) byzantine() bool { return h.sc.Params.Weights[sim.ActForgeCommit] > 0 }

func (h *harness) groups() int {
	return max(1, min(h.sc.Params.Groups, h.cfg.Clients))
}

// setUp uploads key packages and creates the groups, each with its
// creator's initial members.
func (h *harness) setUp() error {
	for _, c := range h.clients {
		h.command(c, "", Command{Op: OpUpkeep})
	}
	members := max(1, min(h.sc.Params.InitialMembers, h.cfg.Clients-1))
	for g := range h.groups() {
		c := h.clients[g%len(h.clients)]
		group := fmt.Sprintf("g%d", g)
		h.command(c, group, Command{Op: OpCreate, Inst: c.insts[0], Group: group})
		var others []string
		for _, o := range h.clients {
			if o != c {
				others = append(others, o.account)
			}
		}
		h.rng.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
		h.command(c, group, Command{Op: OpAdd, Inst: c.insts[0], Group: group, Accounts: others[:min(members, len(others))]})
	}
	for range 2 {
		for _, c := range h.clients {
			h.command(c, "", Command{Op: OpUpkeep})
		}
	}
	return h.checkStep()
}

// command sends one command to a client process and records the step.
// A client that is down is skipped (the step says so); one that died
// without being killed is a finding, and is restarted.
func (h *harness) command(c *clientProcState, group string, cmd Command) Reply {
	text := strings.TrimSpace(fmt.Sprintf("%s %s %s", cmd.Op, firstNonEmpty(cmd.Inst, c.account), group))
	switch {
	case len(cmd.Accounts) > 0:
		text += " " + strings.Join(cmd.Accounts, ",")
	case len(cmd.Others) > 0:
		text += " -" + strings.Join(cmd.Others, ",-")
	case cmd.Text != "":
		text += " " + cmd.Text
	case cmd.Fault != "":
		text += fmt.Sprintf(" %s %dms", cmd.Fault, cmd.Millis)
	case cmd.What != "":
		text += " " + cmd.What
	case len(cmd.Levels) > 0:
		text += " " + strings.Join(cmd.Levels, " ")
	}
	// A command for the whole process (a fault, a heal, an upkeep of all)
	// is its first installation's act on the timeline.
	st := trace.Step{Name: cmd.Op, Text: h.elapsed() + " " + text, Actor: firstNonEmpty(cmd.Inst, c.insts[0]), Group: group}
	if cmd.Op == OpUpkeep && cmd.Inst == "" {
		cmd.Insts = c.insts
	}
	if !c.up() {
		st.Outcome = "skipped: client down"
		h.stats.Skipped++
		h.emit(st)
		return Reply{Err: "client down"}
	}
	r, err := c.proc.call(cmd, replyTimeout)
	switch {
	case errors.Is(err, errChildGone):
		st.Outcome = "client gone"
		if !c.proc.killed {
			h.died(c)
		}
	case err != nil:
		st.Outcome = err.Error()
		h.problem("live-process", group, []string{firstNonEmpty(cmd.Inst, c.account)},
			"%s did not answer %q within %s; killed", c.proc.name, cmd.Op, replyTimeout)
		c.proc.kill()
		c.proc, c.restartAt = nil, time.Now()
	case r.OK && r.Failed:
		st.Outcome = "ok, err=network" // an upkeep some step of which failed
	case r.OK:
		st.Outcome = "ok"
		if r.Intent > 0 {
			st.Outcome = fmt.Sprintf("intent=%d ok", r.Intent)
		}
	default:
		st.Outcome = "err=" + clipString(r.Err)
		if r.Failed {
			st.Outcome = "err=network"
		}
		if r.Intent > 0 {
			st.Outcome = fmt.Sprintf("intent=%d %s", r.Intent, st.Outcome)
		}
	}
	if r.Intent > 0 {
		// Answered with an id: recorded durably, whatever came after.
		h.acked = append(h.acked, ackedIntent{inst: cmd.Inst, id: r.Intent})
	}
	for _, e := range r.Events {
		h.events[e]++
		st.Events = append(st.Events, trace.Event{Installation: firstNonEmpty(cmd.Inst, c.account), Kind: e})
	}
	h.emit(st)
	return r
}

// died records a client process that exited by itself and schedules its
// restart.
func (h *harness) died(c *clientProcState) {
	<-c.proc.done
	h.problem("live-process", "", []string{c.account}, "%s exited by itself (%v): %s", c.proc.name, c.proc.exit, c.proc.stderrTail())
	c.proc, c.restartAt = nil, time.Now()
}

func (h *harness) emit(st trace.Step) {
	st.N = len(h.steps) + 1
	h.steps = append(h.steps, st)
}

// act plays one action of the scenario's mix.
func (h *harness) act(w weighted) {
	a := w.pick(h.rng.Float64())
	h.stats.Actions++
	up := h.upClients()
	if len(up) == 0 {
		h.stats.Skipped++
		return
	}
	c := up[h.rng.IntN(len(up))]
	op := liveActions[a]
	switch a {
	case sim.ActPublishLost, sim.ActPublishAmbig, sim.ActPublishDelayed, sim.ActQueryError, sim.ActPartition,
		sim.ActStreamDrop, sim.ActStreamDuplicate, sim.ActStreamBreak:
		ms := 0
		switch a {
		case sim.ActPublishDelayed:
			ms = 300 + h.rng.IntN(2200)
		case sim.ActPartition:
			ms = 500 + h.rng.IntN(2500)
		}
		if h.command(c, "", Command{Op: OpFault, Fault: op, Millis: ms}).OK {
			h.stats.NetworkFaults[op]++
		}
		return
	case sim.ActUnpartition:
		h.command(c, "", Command{Op: OpHeal})
		return
	case sim.ActNewInstall:
		h.newInstallation(c)
		return
	case sim.ActRevoke:
		h.revoke(c)
		return
	case sim.ActGarbage:
		h.garbage()
		return
	case sim.ActUpkeep, sim.ActWelcomes, sim.ActSendWelcomes, sim.ActKeyPackages:
		h.command(c, "", Command{Op: op, Inst: c.insts[h.rng.IntN(len(c.insts))]})
		return
	}
	// The rest act on a group, as one of its members.
	g, inst, c := h.pickMember()
	if g == nil {
		h.command(up[0], "", Command{Op: OpUpkeep})
		return
	}
	cmd := Command{Op: op, Inst: inst, Group: g.ID}
	switch a {
	case sim.ActSend:
		h.msgs++
		cmd.Text = fmt.Sprintf("m%d", h.msgs)
	case sim.ActAdd:
		out := h.accountsNotIn(g)
		if len(out) == 0 {
			cmd.Op = OpKeyUpdate
			break
		}
		cmd.Accounts = []string{out[h.rng.IntN(len(out))]}
	case sim.ActRemove:
		in := h.accountsIn(g, accountOf(inst))
		if len(in) == 0 {
			cmd.Op = OpKeyUpdate
			break
		}
		cmd.Accounts = []string{in[h.rng.IntN(len(in))]}
	case sim.ActUpdateAdmins, sim.ActUpdatePolicy, sim.ActForgeCommit:
		h.permission(a, g, &cmd, &c)
	}
	h.command(c, g.ID, cmd)
}

// permission fills a permission action in: half the time (admin and
// policy changes) by the super admin, so changes happen, else by anyone,
// so refusals do too.
func (h *harness) permission(a sim.Action, g *checker.Group, cmd *Command, c **clientProcState) {
	pol, _ := g.PolicyAt(g.Epoch)
	if a != sim.ActForgeCommit && h.rng.IntN(2) == 0 {
		for _, inst := range g.MemberList() {
			if accountOf(inst) == pol.SuperAdmin {
				if sc := h.clientOf(inst); sc != nil && sc.up() {
					cmd.Inst, *c = inst, sc
					break
				}
			}
		}
	}
	other := h.clients[h.rng.IntN(len(h.clients))].account
	switch a {
	case sim.ActUpdateAdmins:
		if h.rng.IntN(3) == 0 {
			cmd.Others = []string{other}
		} else {
			cmd.Accounts = []string{other}
		}
	case sim.ActUpdatePolicy:
		levels := []string{"everyone", "admins", "super"}
		cmd.Levels = []string{wire.LevelNames[h.rng.IntN(len(wire.LevelNames))] + "=" + levels[h.rng.IntN(len(levels))]}
	case sim.ActForgeCommit:
		whats := []string{"remove:" + other, "add:" + other, "admin:" + other, "policy:open"}
		cmd.What = whats[h.rng.IntN(len(whats))]
	}
}

// pickMember picks a group the oracle knows and one of its current
// member installations whose process is up.
func (h *harness) pickMember() (*checker.Group, string, *clientProcState) {
	groups := h.check.Oracle.Groups()
	if len(groups) == 0 {
		return nil, "", nil
	}
	g := groups[h.rng.IntN(len(groups))]
	var cands []string
	for _, inst := range g.MemberList() {
		if c := h.clientOf(inst); c != nil && c.up() && !h.revoked[inst] {
			cands = append(cands, inst)
		}
	}
	if len(cands) == 0 {
		return nil, "", nil
	}
	inst := cands[h.rng.IntN(len(cands))]
	return g, inst, h.clientOf(inst)
}

func (h *harness) accountsIn(g *checker.Group, except string) []string {
	var out []string
	for _, inst := range g.MemberList() {
		if a := accountOf(inst); a != except && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func (h *harness) accountsNotIn(g *checker.Group) []string {
	in := h.accountsIn(g, "")
	var out []string
	for _, c := range h.clients {
		if !slices.Contains(in, c.account) {
			out = append(out, c.account)
		}
	}
	return out
}

// newInstallation opens another installation of a client's account.
func (h *harness) newInstallation(c *clientProcState) {
	if limit := h.sc.Params.MaxInstallations; limit > 0 && len(h.stores) >= limit {
		h.command(c, "", Command{Op: OpUpkeep})
		return
	}
	inst := fmt.Sprintf("%s/%d", c.account, len(c.insts)+1)
	// Open answers a network failure when the new installation could not
	// upload its key packages yet: it is open all the same.
	if r := h.command(c, "", Command{Op: OpOpen, Inst: inst, Store: h.storePath(c, inst), Server: c.srv.addr}); r.OK || r.Failed {
		c.insts = append(c.insts, inst)
		if err := h.attach(c, inst); err != nil {
			h.problem("live-process", "", []string{inst}, "cannot open %s's store for the checker: %v", inst, err)
		}
	}
}

// revoke revokes one of an account's installations in the directory,
// never its last one that is not revoked.
func (h *harness) revoke(c *clientProcState) {
	var live []string
	for _, inst := range c.insts {
		if !h.revoked[inst] {
			live = append(live, inst)
		}
	}
	if len(live) < 2 {
		h.command(c, "", Command{Op: OpUpkeep})
		return
	}
	inst := live[h.rng.IntN(len(live))]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := h.admin.Revoke(ctx, inst)
	cancel()
	st := trace.Step{Name: "revoke", Text: h.elapsed() + " revoke " + inst, Involves: []string{inst}, Outcome: "ok"}
	if err != nil {
		st.Outcome = "err=" + clipString(err.Error())
	} else {
		h.revoked[inst] = true
	}
	h.emit(st)
}

func (h *harness) clientOf(inst string) *clientProcState {
	a := accountOf(inst)
	for _, c := range h.clients {
		if c.account == a {
			return c
		}
	}
	return nil
}

func (h *harness) upClients() []*clientProcState {
	var out []*clientProcState
	for _, c := range h.clients {
		if c.up() {
			out = append(out, c)
		}
	}
	return out
}

func accountOf(inst string) string {
	if i := strings.LastIndex(inst, "/"); i >= 0 {
		return inst[:i]
	}
	return inst
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// garbage publishes, under topiclog.InjectedPublisher, what no member
// sent to a group's topic: random bytes, or a copy of one of its records,
// as it is (a replay) or with one byte changed. Every client must reject
// it and lose nothing; the checker reads it as injected.
func (h *harness) garbage() {
	groups := h.check.Oracle.Groups()
	if len(groups) == 0 {
		return
	}
	g := groups[h.rng.IntN(len(groups))]
	topic := wire.GroupTopic(g.ID)
	var payload []byte
	what := ""
	var own []checker.Record
	for _, r := range h.log.Records(topic, 0) {
		if !r.Injected {
			own = append(own, r)
		}
	}
	if len(own) > 0 && h.rng.IntN(2) == 0 {
		r := own[h.rng.IntN(len(own))]
		payload = append([]byte(nil), r.Payload...)
		what = fmt.Sprintf("replay=%d", r.Seq)
		if h.rng.IntN(2) == 0 {
			payload[h.rng.IntN(len(payload))] ^= byte(1 + h.rng.IntN(255))
			what += " flipped"
		}
	} else {
		payload = make([]byte, 8+h.rng.IntN(300))
		for i := range payload {
			payload[i] = byte(h.rng.IntN(256))
		}
		what = fmt.Sprintf("random=%dB", len(payload))
	}
	st := trace.Step{Name: "garbage", Text: fmt.Sprintf("%s garbage %s %s", h.elapsed(), g.ID, what), Group: g.ID, Outcome: "ok"}
	if err := h.admin.For(topiclog.InjectedPublisher).Publish(topic, payload); err != nil {
		st.Outcome = "err=" + clipString(err.Error())
	} else {
		h.events["garbage_injected"]++
	}
	h.emit(st)
}
