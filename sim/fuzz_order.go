package sim

import (
	"fmt"
	"strings"
	"sync"

	"github.com/mlsim/mlsim/engine"
)

// The conflict-order world: what FuzzConflictOrder (sim/fuzz_order_test.go)
// runs. A fuzz input chooses the order of the things that race — which
// concurrent intents are built at which epoch, when each payload lands
// (delayed, lost or ambiguous copies), where a crash or a busy store hits,
// when each client syncs (whole or envelope by envelope) and when
// welcomes go out and are applied — in a world small enough to run a
// hundred inputs a second, and wide enough for go-mls bug 3 (a tree of
// more than four leaves: the joiner must get a wrong secret for a node
// someone later encrypts to).
//
// Decoding is pure: the bytes alone give the commands, never the world's
// state, so a fuzzer's local edit of an input changes the steps it
// covers and nothing after them (but for the caps on intents), and every
// input is a script: OrderSetup(OrderHistory(data)), then
// DecodeOrder(data), then stabilize and check.

// OrderScenario and OrderSeed are the world line of every conflict-order
// script: `world seed=1 scenario=fuzz-order`. The seed gives each
// installation its crypto stream; the scenario's parameters matter only
// for what commands cannot say (none of its schedule weights is used).
const (
	OrderScenario = "fuzz-order"
	OrderSeed     = 1
)

// orderInstallations are the world's installations, one per account;
// orderGroups its groups.
var (
	orderInstallations = []string{"alice/1", "bob/1", "carol/1", "dave/1", "erin/1", "frank/1"}
	orderGroups        = []string{"g0", "g1"}
)

// OrderSetup is the world an input starts from: six installations; g0,
// created by alice, with alice to erin (five leaves: a tree eight wide,
// which go-mls bug 3 needs); g1, created by bob, with bob and carol;
// frank in neither, so that two groups can race to welcome him; every
// welcome applied; key packages topped up; then the input's history (see
// OrderHistories); then every client restarted, so that a Checkpoint
// taken here forks copies that behave exactly as this world (see
// Checkpoint).
func OrderSetup(history int) []Cmd {
	var cmds []Cmd
	line := func(s string) {
		c, err := ParseCmd(s)
		if err != nil {
			panic(err)
		}
		cmds = append(cmds, c)
	}
	for _, id := range orderInstallations {
		line("installation " + id)
	}
	for _, s := range []string{
		"create-group alice/1 g0", "add alice/1 g0 alice bob carol dave erin", "publish alice/1 g0", "sync alice/1 g0",
		"send-welcomes alice/1", "process-welcomes bob/1", "process-welcomes carol/1", "process-welcomes dave/1", "process-welcomes erin/1",
		"create-group bob/1 g1", "add bob/1 g1 bob carol", "publish bob/1 g1", "sync bob/1 g1",
		"send-welcomes bob/1", "process-welcomes carol/1",
	} {
		line(s)
	}
	for _, id := range orderInstallations {
		// Adds used key packages: top them up now, or every input's
		// liveness phase would make the same ones again.
		line("key-packages " + id)
	}
	for _, s := range OrderHistories[history%len(OrderHistories)] {
		line(s)
	}
	for _, id := range orderInstallations {
		line("restart " + id)
	}
	return cmds
}

// OrderHistories are what the groups went through before the input
// begins; an input's first byte picks one (mod their number). A fresh
// group is not every group: what go-mls keeps of a member's past commits
// (path secrets for the nodes above it) is what several of its bugs need
// — a stale secret put into a welcome (bug 3), a commit that changes the
// states earlier commits were built on (bug 4) — and in a fresh group no
// member has committed. So the second history is a group in use: every
// member of each group has committed a key update, each after reading
// the one before, and everyone has read them all.
var OrderHistories = [][]string{
	nil,
	orderUsedGroups(),
}

func orderUsedGroups() []string {
	var out []string
	for _, g := range []struct {
		id      string
		members []string
	}{{"g0", orderInstallations[:5]}, {"g1", []string{"bob/1", "carol/1"}}} {
		for _, id := range g.members {
			out = append(out, "sync "+id+" "+g.id, "key-update "+id+" "+g.id, "publish "+id+" "+g.id)
		}
		for _, id := range g.members {
			out = append(out, "sync "+id+" "+g.id)
		}
	}
	return out
}

// Bounds on the work of one input: at most OrderMaxOps operations of
// OrderOpBytes bytes each (the rest of a longer input is ignored), of
// which at most orderMaxCommits record a commit intent (a race records
// two) and orderMaxMessages a message. A commit in g0 costs about 2.5 ms
// of CPU here (built by one client, processed by four), so the cap is
// most of the bound; with the liveness phase's own bound (8 +
// installations + 2 × open intents rounds) no input runs long.
const (
	OrderOpBytes     = 2
	OrderMaxOps      = 32
	orderMaxCommits  = 6
	orderMaxMessages = 6
)

// An input is a history byte (see OrderHistories) and then operations.
// An order operation is two bytes [code, arg]. code names the kind
// (code mod 21: an entry of orderKinds), the acting installation (code/21
// mod 6) and the group (code/126 mod 2); arg is the second argument (an
// account, a fault, a crash point, whether to publish at once), read as
// each kind says. Two bytes, not more: Go's mutator inserts and deletes
// bytes anywhere, and every operation after an insertion of odd length
// is read shifted; with two-byte operations half of all lengths keep the
// rest of the input as it was.
//
// Most operations are one command. A few are several, so that what a
// race needs around it takes one operation, not three: with bit 7 of arg
// set, add, remove and key-update are done at once by a client that reads
// the group first (sync, the intent, publish: a user acting on a group
// they are looking at), and send publishes at once from wherever its
// client is (maybe an epoch behind); upkeep is what a client does when it
// comes to the foreground (apply its welcomes, read both groups, send its
// welcomes). Without bit 7 an intent is only recorded, and publish, the
// liveness phase or a race decides when and at which epoch it is built.
// A user's second device (account/2, made by the restart kind) is an
// installation the groups do not hold yet: adding its account adds it.
type orderKind int

const (
	okSend orderKind = iota
	okAdd
	okRemove
	okKeyUpdate
	okPublish
	okSync
	okUpkeep
	okSyncBegin
	okSyncStep
	okRace
	okProcessWelcomes
	okSendWelcomes
	okPublishFault
	okServer
	okArmCrash
	okStoreBusy
	okRestart
	okQueryFault
)

// orderKinds weights the kinds by repetition (21 entries: 252 code values
// over 12 installation-and-group pairs).
var orderKinds = []orderKind{
	okSync, okSync, okPublish, okUpkeep, okUpkeep,
	okSend, okAdd, okAdd, okRemove, okKeyUpdate, okRace,
	okProcessWelcomes, okSendWelcomes, okSyncBegin, okSyncStep,
	okPublishFault, okServer, okArmCrash, okStoreBusy, okRestart, okQueryFault,
}

// OrderOp is one decoded operation: the commands it became, if any.
type OrderOp struct {
	Index int // its position among the input's operations
	Cmds  []Cmd
	Ok    bool // false: over a cap, dropped
}

// OrderHistory is the history an input starts from.
func OrderHistory(data []byte) int {
	if len(data) == 0 {
		return 0
	}
	return int(data[0]) % len(OrderHistories)
}

// DecodeOrder turns fuzz bytes into the operations' commands (without the
// setup, OrderSetup(OrderHistory(data)), and the final stabilize and
// check).
func DecodeOrder(data []byte) []Cmd {
	var out []Cmd
	for _, op := range DecodeOrderOps(data) {
		if op.Ok {
			out = append(out, op.Cmds...)
		}
	}
	return out
}

// DecodeOrderOps is DecodeOrder with every operation, dropped ones too.
func DecodeOrderOps(data []byte) []OrderOp {
	if len(data) > 0 {
		data = data[1:] // the history
	}
	n := min(len(data)/OrderOpBytes, OrderMaxOps)
	ops := make([]OrderOp, 0, n)
	var d orderDecoder
	for i := 0; i < n; i++ {
		ops = append(ops, d.op(i, data[OrderOpBytes*i], data[OrderOpBytes*i+1]))
	}
	return ops
}

// orderDecoder counts the intents recorded so far, for the caps.
type orderDecoder struct{ commits, messages int }

func (d *orderDecoder) op(i int, code, arg byte) OrderOp {
	kinds, insts := len(orderKinds), len(orderInstallations)
	c := int(code) % (kinds * insts * len(orderGroups))
	kind := orderKinds[c%kinds]
	inst := c / kinds % insts
	id := orderInstallations[inst]
	group := orderGroups[c/kinds/insts%len(orderGroups)]
	b := int(arg)
	acct := orderAccount(b)
	op := OrderOp{Index: i, Ok: true}
	commit := func(n int) {
		op.Ok = d.commits+n <= orderMaxCommits
		d.commits += n
	}
	cmd := func(c Cmd) { op.Cmds = append(op.Cmds, c) }
	now := b&0x80 != 0
	change := func(c Cmd) { // a commit: at once, from the group's head
		if now {
			cmd(NewCmd("sync", id, group))
		}
		cmd(c)
		if now {
			cmd(NewCmd("publish", id, group))
		}
	}
	switch kind {
	case okSend:
		op.Ok = d.messages < orderMaxMessages
		d.messages++
		cmd(NewCmd("send", id, group, fmt.Sprintf("m%d", i)))
		if now { // from wherever its client is: maybe an epoch behind
			cmd(NewCmd("publish", id, group))
		}
	case okAdd:
		commit(1)
		change(NewCmd("add", id, group, acct))
	case okRemove:
		commit(1)
		if acct == engine.AccountOf(id) { // removing oneself is refused: the next account
			acct = orderAccount(b + 1)
		}
		change(NewCmd("remove", id, group, acct))
	case okKeyUpdate:
		commit(1)
		change(NewCmd("key-update", id, group))
	case okPublish:
		cmd(NewCmd("publish", id, group))
	case okSync:
		cmd(NewCmd("sync", id, group))
	case okUpkeep:
		cmd(NewCmd("process-welcomes", id))
		for _, g := range orderGroups {
			cmd(NewCmd("sync", id, g))
		}
		cmd(NewCmd("send-welcomes", id))
	case okSyncBegin:
		cmd(NewCmd("sync-begin", id, group).With("limit", 1+b%3))
	case okSyncStep:
		cmd(NewCmd("sync-step", id).With("batch", b%2))
	case okRace:
		commit(2)
		cmd(orderRace(inst, b, group))
	case okProcessWelcomes:
		cmd(NewCmd("process-welcomes", id))
	case okSendWelcomes:
		cmd(NewCmd("send-welcomes", id))
	case okPublishFault:
		cmd(NewCmd("fault", []string{"publish-ambiguous", "publish-delayed", "publish-lost"}[b%3], id))
	case okServer: // the world's own moves: a delayed publish lands, the clock changes, a payload no client sent
		switch b % 6 {
		case 2:
			cmd(NewCmd("clock", "tie"))
		case 3:
			cmd(NewCmd("clock", "jump"))
		case 4:
			cmd(NewCmd("garbage", group).With("random", fmt.Sprintf("%02x", b)))
		case 5:
			cmd(NewCmd("garbage", group).With("replay", 1+b/6%8))
		default:
			cmd(NewCmd("land-delayed"))
		}
	case okArmCrash:
		cmd(NewCmd("arm-crash", id).With("kind", []string{"tx", "send"}[b&1]).With("at", (b>>1)%8))
	case okStoreBusy:
		cmd(NewCmd("store-busy", id))
	case okRestart: // the client restarts, or (arg mod 4 = 3) its user adds a device
		if b%4 == 3 {
			cmd(NewCmd("installation", engine.AccountOf(id)+"/2"))
		} else {
			cmd(NewCmd("restart", id))
		}
	case okQueryFault:
		cmd(NewCmd("fault", []string{"query-error", "query-short-page"}[b%2], id))
	}
	return op
}

// orderRace: installation a and another (arg's bits 0-2 mod 6, the next
// one if that is a) both record a change and publish it before either
// reads the topic, so both commits are built for one epoch. Bit 3 makes
// a's change an add instead of a key update, bit 4 the other's; an add
// adds account (bits 5-7 mod 6), the same for both.
func orderRace(a, b int, group string) Cmd {
	n := len(orderInstallations)
	first := a
	second := (b & 7) % n
	if second == first {
		second = (second + 1) % n
	}
	change := func(bit int) string {
		if b>>bit&1 == 1 {
			return "add:" + orderAccount(b>>5)
		}
		return "key-update"
	}
	return NewCmd("race", group).With(orderInstallations[first], change(3)).With(orderInstallations[second], change(4))
}

func orderAccount(i int) string {
	return engine.AccountOf(orderInstallations[i%len(orderInstallations)])
}

// EncodeOrder is DecodeOrder's inverse for hand-written seeds: the
// history, then the operations; each op is
// written as the script lines DecodeOrder makes of it, joined by " + "
// when there are several (`add alice/1 g0 frank + publish alice/1 g0`;
// send's body is left out: it is always m<index>), and EncodeOrder finds
// bytes that decode to it. It fails for an op no bytes decode to.
func EncodeOrder(history int, ops []string) ([]byte, error) {
	if len(ops) > OrderMaxOps {
		return nil, fmt.Errorf("%d ops: at most %d are read", len(ops), OrderMaxOps)
	}
	orderTable.Do(func() {
		orderTable.m = map[string][2]byte{}
		for code := 255; code >= 0; code-- { // the smallest bytes win
			for arg := 255; arg >= 0; arg-- {
				var d orderDecoder
				orderTable.m[cmdsString(d.op(0, byte(code), byte(arg)).Cmds)] = [2]byte{byte(code), byte(arg)}
			}
		}
	})
	out := []byte{byte(history % len(OrderHistories))}
	var d orderDecoder
	for i, o := range ops {
		key, err := orderNormal(o, 0)
		if err != nil {
			return nil, err
		}
		target, _ := orderNormal(o, i)
		bs, ok := orderTable.m[key]
		if op := d.op(i, bs[0], bs[1]); !ok || !op.Ok || cmdsString(op.Cmds) != target {
			return nil, fmt.Errorf("op %d: no bytes decode to %q (or it is over a cap)", i, o)
		}
		out = append(out, bs[0], bs[1])
	}
	return out, nil
}

// orderTable maps each operation DecodeOrder can make (as the first
// operation) to the bytes of it: EncodeOrder's lookup.
var orderTable struct {
	sync.Once
	m map[string][2]byte
}

// orderNormal parses an op's lines and writes them as DecodeOrder does.
func orderNormal(op string, i int) (string, error) {
	var cmds []Cmd
	for _, l := range strings.Split(op, " + ") {
		c, err := ParseCmd(strings.TrimSpace(l))
		if err != nil {
			return "", err
		}
		if c.Name == "send" && len(c.Args) == 2 {
			c.Args = append(c.Args, fmt.Sprintf("m%d", i))
		}
		cmds = append(cmds, c)
	}
	return cmdsString(cmds), nil
}

func cmdsString(cmds []Cmd) string {
	parts := make([]string, len(cmds))
	for i, c := range cmds {
		parts[i] = c.String()
	}
	return strings.Join(parts, " + ")
}
