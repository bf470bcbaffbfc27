package sim_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

// orderSeeds is FuzzConflictOrder's seed corpus, written as the commands
// each operation decodes to (sim.EncodeOrder finds the bytes); the files
// under testdata/fuzz/FuzzConflictOrder are generated from it
// (MLSIM_UPDATE_FUZZ_CORPUS=1 go test ./sim -run TestOrderSeedCorpus).
// Each seed is one race type, in the world of sim.OrderSetup (g0: alice
// to erin, epoch 1; g1: bob and carol, epoch 1; frank in neither), and
// names the events that show it reached it. They are kinds of race, not
// bugs: no seed was written to catch a particular mutant.
var orderSeeds = withGeneratedSeeds([]orderSeed{
	{"empty", nil, nil, 0},
	{"two-commits-one-epoch", []string{
		"race g0 alice/1=key-update bob/1=key-update", "sync alice/1 g0", "sync bob/1 g0", "publish bob/1 g0",
	}, []string{"commit_lost", "rebuilt"}, 0},
	{"add-and-update-one-epoch", []string{
		"race g1 bob/1=add:dave carol/1=key-update", "sync carol/1 g1", "publish carol/1 g1", "sync bob/1 g1", "send-welcomes bob/1",
	}, []string{"commit_lost", "welcome_sent"}, 0},
	{"races-back-to-back", []string{ // a client commits again before reading whether its last commit won
		"race g1 bob/1=add:dave carol/1=add:dave", "race g1 bob/1=key-update carol/1=key-update", upkeep("bob/1"), upkeep("carol/1"),
	}, []string{"commit_lost"}, 0},
	{"add-vs-remove", []string{
		"add bob/1 g1 dave", "remove carol/1 g1 bob", "publish carol/1 g1", "publish bob/1 g1", "sync bob/1 g1", "sync carol/1 g1",
	}, []string{"member_removed", "intent_failed"}, 0},
	{"remove-vs-own-commit", []string{
		"remove carol/1 g0 dave", "key-update dave/1 g0", "publish dave/1 g0", "publish carol/1 g0", "sync carol/1 g0", "sync dave/1 g0",
	}, []string{"commit_lost", "member_removed"}, 0},
	{"re-add", []string{
		"remove carol/1 g0 bob", "publish carol/1 g0", "sync alice/1 g0", "add alice/1 g0 bob", "publish alice/1 g0",
		"sync alice/1 g0", "send-welcomes alice/1", "process-welcomes bob/1", "sync bob/1 g0", "process-welcomes bob/1",
	}, []string{"member_removed", "welcome_deferred", "welcome_applied"}, 0},
	{"message-across-commit", []string{
		"send bob/1 g0", "key-update alice/1 g0", "publish alice/1 g0", "publish bob/1 g0", "sync carol/1 g0",
	}, []string{"past_epoch_accepted"}, 0},
	{"ambiguous-message", []string{
		"fault publish-ambiguous bob/1", "send bob/1 g0", "publish bob/1 g0", "publish bob/1 g0", "sync bob/1 g0", "sync carol/1 g0",
	}, []string{"publish_ambiguous"}, 0},
	{"ambiguous-commit", []string{
		"fault publish-ambiguous alice/1", "key-update alice/1 g0", "publish alice/1 g0", "publish alice/1 g0", "sync alice/1 g0", "publish alice/1 g0",
	}, []string{"publish_ambiguous", "commit_won"}, 0},
	{"delayed-commit-lands-late", []string{
		"fault publish-delayed bob/1", "key-update bob/1 g0", "publish bob/1 g0", "key-update carol/1 g0", "publish carol/1 g0",
		"sync bob/1 g0", "land-delayed", "sync carol/1 g0", "publish bob/1 g0",
	}, []string{"publish_delayed", "delayed_landed", "commit_lost"}, 0},
	{"delayed-message", []string{
		"fault publish-delayed dave/1", "send dave/1 g0", "publish dave/1 g0", "key-update erin/1 g0", "publish erin/1 g0",
		"land-delayed", "sync alice/1 g0", "sync dave/1 g0",
	}, []string{"publish_delayed", "delayed_landed"}, 0},
	{"lost-commit", []string{
		"fault publish-lost carol/1", "key-update carol/1 g0", "publish carol/1 g0", "sync carol/1 g0", "publish carol/1 g0",
	}, []string{"publish_lost"}, 0},
	{"welcome-to-outsider", []string{
		"add bob/1 g1 dave", "publish bob/1 g1", "sync bob/1 g1", "send-welcomes bob/1", "process-welcomes dave/1",
		"send dave/1 g1", "publish dave/1 g1", "sync carol/1 g1",
	}, []string{"welcome_sent", "welcome_applied", "message_stored"}, 0},
	{"removed-member-sends", []string{
		"remove alice/1 g0 erin", "publish alice/1 g0", "send erin/1 g0", "publish erin/1 g0", "sync bob/1 g0",
	}, []string{"member_removed"}, 0},
	{"sync-batches-interleaved", []string{
		"key-update alice/1 g0", "publish alice/1 g0", "send bob/1 g0", "publish bob/1 g0",
		"sync-begin carol/1 g0 limit=1", "sync-begin carol/1 g0 limit=2", "sync-step carol/1 batch=1", "sync-step carol/1 batch=0",
		"sync-step carol/1 batch=0", "sync-step carol/1 batch=0",
	}, []string{"commit_accepted"}, 0},
	{"query-faults", []string{
		"key-update alice/1 g0", "publish alice/1 g0", "fault query-short-page carol/1", "sync carol/1 g0",
		"fault query-error dave/1", "sync dave/1 g0",
	}, []string{"query_short_page", "query_error"}, 0},
	{"second-device-added", []string{
		"installation alice/2", "sync bob/1 g0 + add bob/1 g0 alice + publish bob/1 g0", upkeep("bob/1"), "send alice/1 g0 + publish alice/1 g0",
	}, []string{"installation_created", "welcome_sent"}, 0},
	{"intents-queued-behind-commit", []string{
		now("alice/1", "g0", "key-update alice/1 g0"), "key-update alice/1 g0", "send alice/1 g0", "publish alice/1 g0",
		"publish alice/1 g0", upkeep("alice/1"), "publish alice/1 g0", "publish alice/1 g0",
	}, []string{"commit_won"}, 0},
	{"messages-land-out-of-order", []string{
		"fault publish-delayed dave/1", "send dave/1 g0 + publish dave/1 g0", "send dave/1 g0 + publish dave/1 g0", "land-delayed",
		upkeep("alice/1"), upkeep("dave/1"),
	}, []string{"publish_delayed", "delayed_landed", "counter_rejected"}, 0},
	{"tied-timestamps", []string{
		"clock tie", "send bob/1 g0 + publish bob/1 g0", now("carol/1", "g0", "key-update carol/1 g0"), "clock jump",
		"send dave/1 g0 + publish dave/1 g0", "send erin/1 g0 + publish erin/1 g0", upkeep("alice/1"),
	}, []string{"clock_tie", "clock_jump"}, 0},
	{"garbage-on-the-topic", []string{
		"garbage g0 random=04", now("alice/1", "g0", "key-update alice/1 g0"), "garbage g0 replay=1", upkeep("bob/1"),
	}, []string{"garbage_injected", "payload_rejected"}, 0},
	{"delayed-welcome-lands-late", []string{
		now("alice/1", "g0", "add alice/1 g0 frank"), "sync alice/1 g0", "fault publish-delayed alice/1", "send-welcomes alice/1",
		"send-welcomes alice/1", upkeep("frank/1"), now("bob/1", "g0", "key-update bob/1 g0"), upkeep("frank/1"), "land-delayed",
		"process-welcomes frank/1",
	}, []string{"publish_delayed", "delayed_landed", "welcome_applied", "welcome_skipped"}, 0},
	{"welcome-overtaken-by-re-add", []string{
		now("alice/1", "g0", "add alice/1 g0 frank"), upkeep("bob/1"), now("bob/1", "g0", "remove bob/1 g0 frank"),
		now("carol/1", "g0", "add carol/1 g0 frank"), upkeep("carol/1"), upkeep("frank/1"), upkeep("alice/1"), upkeep("frank/1"),
	}, []string{"welcome_applied", "member_removed"}, 0},
	{"ambiguous-welcome", []string{
		now("bob/1", "g1", "add bob/1 g1 dave"), "sync bob/1 g1", "fault publish-ambiguous bob/1", "send-welcomes bob/1",
		upkeep("dave/1"), now("carol/1", "g1", "key-update carol/1 g1"), upkeep("dave/1"), "send-welcomes bob/1", upkeep("dave/1"),
	}, []string{"publish_ambiguous", "welcome_applied"}, 0},
	{"publish-during-own-sync-batch", []string{
		"send bob/1 g0 + publish bob/1 g0", "sync-begin carol/1 g0 limit=2", "fault publish-ambiguous carol/1",
		"send carol/1 g0 + publish carol/1 g0", "sync-step carol/1 batch=0", "sync-step carol/1 batch=0", "publish carol/1 g0",
		upkeep("carol/1"),
	}, []string{"publish_ambiguous"}, 0},
	{"message-across-2-commits", []string{
		now("bob/1", "g0", "key-update bob/1 g0"), now("carol/1", "g0", "key-update carol/1 g0"),
		"send alice/1 g0 + publish alice/1 g0", upkeep("carol/1"), upkeep("alice/1"),
	}, []string{"past_epoch_accepted"}, 0},
	{"message-across-3-commits", []string{
		now("bob/1", "g0", "key-update bob/1 g0"), now("carol/1", "g0", "key-update carol/1 g0"), now("dave/1", "g0", "key-update dave/1 g0"),
		"send alice/1 g0 + publish alice/1 g0", upkeep("carol/1"), upkeep("alice/1"),
	}, []string{"past_epoch_accepted"}, 0},
	{"message-across-4-commits", []string{
		now("bob/1", "g0", "key-update bob/1 g0"), now("carol/1", "g0", "key-update carol/1 g0"), now("dave/1", "g0", "key-update dave/1 g0"), now("erin/1", "g0", "key-update erin/1 g0"),
		"send alice/1 g0 + publish alice/1 g0", upkeep("carol/1"), upkeep("alice/1"),
	}, []string{"past_epoch_rejected"}, 0},
	{"busy-store-processing-commit", []string{
		"key-update alice/1 g0", "publish alice/1 g0", "store-busy carol/1", "sync carol/1 g0", "sync carol/1 g0",
	}, []string{"store_busy"}, 0},
	{"busy-store-publishing", []string{
		"key-update bob/1 g0", "store-busy bob/1", "publish bob/1 g0", "publish bob/1 g0", "sync bob/1 g0",
	}, []string{"store_busy"}, 0},
	{"welcomes-from-two-groups", []string{
		"sync alice/1 g0 + add alice/1 g0 frank + publish alice/1 g0", "sync bob/1 g1 + add bob/1 g1 frank + publish bob/1 g1", upkeep("alice/1"), upkeep("bob/1"),
		"process-welcomes frank/1", upkeep("frank/1"),
	}, []string{"welcome_sent", "welcome_applied"}, 0},
	{"commits-in-both-groups-at-once", []string{
		"sync carol/1 g0 + key-update carol/1 g0 + publish carol/1 g0", "sync carol/1 g1 + key-update carol/1 g1 + publish carol/1 g1", "send bob/1 g1 + publish bob/1 g1",
		upkeep("bob/1"), upkeep("carol/1"),
	}, []string{"commit_accepted", "past_epoch_accepted"}, 0},
	{"busy-store-applying-welcome", []string{
		"add bob/1 g1 erin", "publish bob/1 g1", "sync bob/1 g1", "send-welcomes bob/1", "store-busy erin/1",
		"process-welcomes erin/1", "process-welcomes erin/1",
	}, []string{"store_busy", "welcome_applied"}, 0},
})

type orderSeed struct {
	name    string
	ops     []string
	shows   []string // events (engine, simulator and server counts) the run must have
	history int      // sim.OrderHistories
}

// now is an operation done at once from the group's head (bit 7 of arg).
func now(id, group, intent string) string {
	return fmt.Sprintf("sync %s %s + %s + publish %s %s", id, group, intent, id, group)
}

// withGeneratedSeeds adds to the written seeds the generated ones: crashes
// at each boundary of each kind of step (publishing a commit, processing
// one, sending welcomes and applying one); then a busy store and a crash
// before each operation of each race type (faultVariants), and every race
// type in a group in use.
func withGeneratedSeeds(written []orderSeed) (orderSeeds []orderSeed) {
	orderSeeds = written
	base := append([]orderSeed(nil), orderSeeds[1:]...) // not "empty"
	defer func() {
		// Every race type in a group in use too (sim.OrderHistories); the
		// busy store and the crash at each point in the fresh groups only.
		for _, s := range orderSeeds[1:] {
			u := s
			u.name, u.history, u.shows = s.name+"@used", 1, nil
			orderSeeds = append(orderSeeds, u)
		}
		orderSeeds = append(orderSeeds, faultVariants(base)...)
	}()
	// A re-added member must follow the group afterwards: the re-add,
	// then a commit by each other member in turn, one seed each.
	for _, x := range []string{"alice/1", "carol/1", "dave/1", "erin/1"} {
		orderSeeds = append(orderSeeds, orderSeed{"re-add-then-" + strings.TrimSuffix(x, "/1") + "-commits", []string{
			now("carol/1", "g0", "remove carol/1 g0 bob"), now("alice/1", "g0", "add alice/1 g0 bob"), upkeep("alice/1"),
			upkeep("bob/1"), upkeep("bob/1"), now(x, "g0", "key-update "+x+" g0"), upkeep("bob/1"),
		}, []string{"member_removed", "welcome_applied", "commit_won"}, 0})
	}
	for at := 0; at < 4; at++ {
		for _, kind := range []string{"tx", "send"} {
			orderSeeds = append(orderSeeds, orderSeed{fmt.Sprintf("crash-publishing-commit-%s-%d", kind, at), []string{
				fmt.Sprintf("arm-crash alice/1 kind=%s at=%d", kind, at), "key-update alice/1 g0", "publish alice/1 g0",
				"sync alice/1 g0", "restart alice/1", "publish alice/1 g0",
			}, []string{"restart"}, 0})
		}
	}
	for _, c := range []struct{ kind, at, who, ops string }{
		{"tx", "0", "carol/1", "key-update bob/1 g0;publish bob/1 g0;ARM;sync carol/1 g0;restart carol/1"},
		{"tx", "1", "carol/1", "key-update bob/1 g0;publish bob/1 g0;ARM;sync carol/1 g0;restart carol/1"},
		{"send", "1", "carol/1", "send bob/1 g0;publish bob/1 g0;ARM;sync carol/1 g0;restart carol/1"},
		{"send", "2", "bob/1", "add bob/1 g1 dave;publish bob/1 g1;sync bob/1 g1;ARM;send-welcomes bob/1;restart bob/1"},
		{"tx", "1", "bob/1", "add bob/1 g1 dave;publish bob/1 g1;sync bob/1 g1;ARM;send-welcomes bob/1;restart bob/1"},
		{"tx", "1", "dave/1", "add bob/1 g1 dave;publish bob/1 g1;sync bob/1 g1;send-welcomes bob/1;ARM;process-welcomes dave/1;restart dave/1"},
		{"send", "0", "dave/1", "add bob/1 g1 dave;publish bob/1 g1;sync bob/1 g1;send-welcomes bob/1;ARM;process-welcomes dave/1;restart dave/1"},
	} {
		ops := strings.Split(strings.ReplaceAll(c.ops, "ARM", fmt.Sprintf("arm-crash %s kind=%s at=%s", c.who, c.kind, c.at)), ";")
		first := strings.Fields(ops[len(ops)-2])[0]
		orderSeeds = append(orderSeeds, orderSeed{fmt.Sprintf("crash-%s-%s-%s-%s", first, strings.SplitN(c.who, "/", 2)[0], c.kind, c.at), ops, []string{"restart"}, 0})
	}
	return orderSeeds // the deferred additions go on the end of it
}

// faultVariants: for each race type, the same race with a busy store
// and with a crash armed at the client of each of its operations, just
// before it — "where a crash or a busy store hits" at every point of
// every race. The crash is after the client's next transaction (tx at=1)
// before even operations and before its next network call (send at=0)
// before odd ones.
func faultVariants(base []orderSeed) []orderSeed {
	var out []orderSeed
	for _, s := range base {
		if strings.HasPrefix(s.name, "busy-") {
			continue // a busy store is its point already
		}
		for p, op := range s.ops {
			who := actor(op)
			if who == "" {
				continue
			}
			crash := fmt.Sprintf("arm-crash %s kind=tx at=1", who)
			tag := "crash-after-tx"
			if p%2 == 1 {
				crash, tag = fmt.Sprintf("arm-crash %s kind=send at=0", who), "crash-before-send"
			}
			for _, f := range []struct{ tag, op string }{{"busy", "store-busy " + who}, {tag, crash}} {
				ops := append(append(append([]string(nil), s.ops[:p]...), f.op), s.ops[p:]...)
				out = append(out, orderSeed{name: fmt.Sprintf("%s.%s-%d", s.name, f.tag, p), ops: ops})
			}
		}
	}
	return out
}

// actor is the installation an operation's first command acts as, or ""
// (only the first devices, account/1, act).
func actor(op string) string {
	f := strings.Fields(strings.SplitN(op, " + ", 2)[0])
	if f[0] == "installation" {
		return ""
	}
	for _, a := range f[1:] {
		a, _, _ = strings.Cut(a, "=")
		if strings.HasSuffix(a, "/1") {
			return a
		}
	}
	return ""
}

const orderCorpusDir = "testdata/fuzz/FuzzConflictOrder"

// upkeep is the upkeep operation of an installation, as its commands.
func upkeep(id string) string {
	return fmt.Sprintf("process-welcomes %s + sync %s g0 + sync %s g1 + send-welcomes %s", id, id, id, id)
}

// TestOrderSeedCorpus: the committed corpus is the seed table encoded,
// every seed passes within the 1 s per input bound, reaches what it is
// there for, and together they reach every race type and every crash
// boundary. MLSIM_UPDATE_FUZZ_CORPUS=1 rewrites the files.
func TestOrderSeedCorpus(t *testing.T) {
	if orderVariant() != "" {
		t.Skip("MLSIM_FUZZ_VARIANT is set: the seeds pass only with every defence on")
	}
	update := os.Getenv("MLSIM_UPDATE_FUZZ_CORPUS") == "1"
	reached := map[string]bool{}
	sites := map[string]bool{}
	for _, seed := range orderSeeds {
		data, err := sim.EncodeOrder(seed.history, seed.ops)
		if err != nil {
			t.Fatalf("%s: %v", seed.name, err)
		}
		if got := cmdStrings(sim.DecodeOrder(data)); strings.Join(got, ";") != strings.Join(normalOps(seed.ops), ";") {
			t.Fatalf("%s: decodes to %q", seed.name, got)
		}
		path := filepath.Join(orderCorpusDir, seed.name)
		file := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if update {
			if err := os.MkdirAll(orderCorpusDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
				t.Fatal(err)
			}
		} else if old, err := os.ReadFile(path); err != nil || string(old) != file {
			t.Errorf("%s: the committed corpus file differs from the seed table (MLSIM_UPDATE_FUZZ_CORPUS=1 rewrites it)", path)
		}
		start := time.Now()
		w, err := runOrder(t, data)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s: %v", seed.name, err)
		}
		res := w.Result()
		w.Close()
		if len(res.Violations) > 0 {
			t.Errorf("%s: %v", seed.name, res.Violations[0].Violation)
		}
		if took > time.Second {
			t.Errorf("%s: ran %v, over the 1 s bound on one input", seed.name, took)
		}
		for _, e := range seed.shows {
			if res.Events[e] == 0 {
				t.Errorf("%s: never shows %s (events: %v)", seed.name, e, res.Events)
			}
		}
		for e, n := range res.Events {
			if n > 0 {
				reached[e] = true
			}
		}
		for s := range res.FaultSites {
			sites[s] = true
		}
	}
	for _, e := range []string{"commit_lost", "rebuilt", "member_removed", "welcome_deferred", "past_epoch_accepted",
		"publish_ambiguous", "publish_delayed", "delayed_landed", "publish_lost", "store_busy",
		"crash_before_tx", "crash_after_tx", "crash_before_send", "crash_after_send", "welcome_applied"} {
		if !reached[e] {
			t.Errorf("no seed reaches %s", e)
		}
	}
	var list []string
	for s := range sites {
		list = append(list, s)
	}
	sort.Strings(list)
	t.Logf("%d seeds; fault sites reached: %s", len(orderSeeds), strings.Join(list, ", "))
}

// normalOps writes a seed's operations as the commands DecodeOrder
// makes (a send's body is m<index>).
func normalOps(ops []string) []string {
	var out []string
	for i, op := range ops {
		for _, l := range strings.Split(op, " + ") {
			if f := strings.Fields(l); len(f) == 3 && f[0] == "send" {
				l = fmt.Sprintf("%s m%d", l, i)
			}
			out = append(out, l)
		}
	}
	return out
}

// TestOrderForkReplaysAsScript: a run from a copy of the set-up world
// (sim.Checkpoint) is the run its script replays from scratch — same
// outputs line by line, same trace hash (which covers every byte on the
// topics), same violations — for every seed and for inputs no seed
// holds. This is what makes a fuzz finding a script, and what shows the
// copy misses nothing of the world it was taken from.
func TestOrderForkReplaysAsScript(t *testing.T) {
	inputs := map[string][]byte{}
	for i, seed := range orderSeeds {
		if strings.Contains(seed.name, ".") && i%8 != 0 {
			continue // every race type, and one in eight of its fault variants
		}
		data, err := sim.EncodeOrder(seed.history, seed.ops)
		if err != nil {
			t.Fatal(err)
		}
		inputs[seed.name] = data
	}
	for i := 0; i < 8; i++ { // bytes no seed holds: a counter's hash
		sum := sha256.Sum256([]byte{byte(i)})
		inputs[fmt.Sprintf("hash-%d", i)] = append(sum[:], sum[:]...) // both histories
	}
	p := orderParams(t)
	names := make([]string, 0, len(inputs))
	for n := range inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		w, err := runOrder(t, inputs[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res := w.Result()
		w.Close()
		script := scenarios.FromRun(sim.OrderScenario, sim.OrderSeed, p, res.Script)
		again, div, err := scenarios.Replay(script)
		if err != nil {
			t.Fatalf("%s: replay: %v", name, err)
		}
		if div != nil {
			t.Errorf("%s: the script replays differently: %s", name, div)
			continue
		}
		if again.TraceSHA256 != res.TraceSHA256 {
			t.Errorf("%s: trace hash %s from the copy, %s replayed", name, res.TraceSHA256, again.TraceSHA256)
		}
		if fmt.Sprint(violationKeys(again.Violations)) != fmt.Sprint(violationKeys(res.Violations)) {
			t.Errorf("%s: violations %v from the copy, %v replayed", name, violationKeys(res.Violations), violationKeys(again.Violations))
		}
	}
}

func violationKeys(vs []results.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%s@%d", v.Property, v.Step))
	}
	return out
}
