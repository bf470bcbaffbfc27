package checker_test

import (
	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/wire"
)

// Clean worlds other than healthy(), for checks that only a longer story
// reaches: a sync page confirmed a step late, a re-added member, a welcome
// overtaken by a later one, a withheld welcome. Each is clean (a test says
// so) and is the base of the fixtures that break its new branch.

// lateConfirm: b/1's short sync page (step 1, head 4) is confirmed only at
// step 2, when its cursor reaches 4; by then its delayed first copy has
// landed at 5, above that head, so the re-send at step 3 is still
// justified (the sync did not find it below the head it fetched).
func lateConfirm() *world {
	w := healthy()
	g := wire.GroupTopic("g")
	for i := 5; i < len(w.log[g]); i++ { // 6.. land at step 3
		w.log[g][i].at = 3
	}
	a := w.c("a/1")
	a.cursors = []cursorRow{{group: "g", cursor: 4}, {at: 2, group: "g", cursor: 5}, {at: 3, group: "g", cursor: 9}}
	b := w.c("b/1")
	b.groups = []groupRow{{id: "g", epoch: 1, joined: 1}, {at: 2, id: "g", epoch: 2, joined: 1}}
	b.cursors = []cursorRow{{group: "g", cursor: 3}, {at: 2, group: "g", cursor: 4}, {at: 3, group: "g", cursor: 9}}
	b.epoch("g", 2).at = 2
	b.msg("commit:@4").at = 2
	b.msg("b/1#2").at = 3
	b.transition(2, 2).at = 3
	for i := range w.calls {
		if c := &w.calls[i]; c.Step == 2 && (c.Kind == checker.CallQuery || c.payload == "@5") {
			c.Step = 3
		}
	}
	return w
}

// regrown: at step 3 a/1 adds c/1 back (seq 10, epoch 3; c/1 stores its
// row at epoch 3, the members at 2), b/1 updates its key (seq 11, epoch 4:
// a commit that changes no membership, so no one stores a row for it) and
// c/1 sends c/1#3 (seq 12).
func regrown() *world {
	w := healthy()
	w.put(3, commit(2, "a/1", []string{"c/1"}, nil))
	w.put(3, commit(3, "b/1", nil, nil))
	w.put(3, msg(4, "c/1", 1, 3))
	wl := wire.Welcome{GroupID: "g", Epoch: 3, CommitSeq: 10, Adder: "a/1", MLS: []byte{1}}
	w.putRaw(3, wire.WelcomeTopic("c/1"), wl.Encode(), false)
	everyone := []string{"a/1", "b/1", "c/1"}
	back := msgRow{at: 3, group: "g", id: "c/1#3", kind: app, sender: "c/1", seq: 12, epoch: 4, body: "back"}
	readd := msgRow{at: 3, group: "g", id: "commit:@10", kind: added, sender: "a/1", seq: 10, epoch: 2, body: "added c/1"}

	a := w.c("a/1")
	a.groups = append(a.groups, groupRow{at: 3, id: "g", epoch: 4})
	a.cursors = append(a.cursors, cursorRow{at: 3, group: "g", cursor: 12})
	a.members[0].ids = everyone
	a.epochs = append(a.epochs,
		epochRow{at: 3, group: "g", epoch: 3, seq: 10, hash: "@10", auth: "g3", via: "commit"},
		epochRow{at: 3, group: "g", epoch: 4, seq: 11, hash: "@11", auth: "g4", via: "commit"})
	a.intents = append(a.intents, intentRow{at: 3, id: 9, group: "g", kind: addK, data: "c", state: committed, attempts: []string{"@10"}})
	a.trans = append(a.trans,
		transRow{at: 3, intent: 9, group: "g", from: toSend, to: published, epoch: 2, hash: "@10"},
		transRow{at: 3, intent: 9, group: "g", from: published, to: committed, epoch: 3})
	a.msgs = append(a.msgs, readd, back)

	b := w.c("b/1")
	b.groups = append(b.groups, groupRow{at: 3, id: "g", epoch: 4, joined: 1})
	b.cursors = append(b.cursors, cursorRow{at: 3, group: "g", cursor: 12})
	b.members[0].ids = everyone
	b.epochs = append(b.epochs,
		epochRow{at: 3, group: "g", epoch: 3, seq: 10, hash: "@10", auth: "g3", via: "commit"},
		epochRow{at: 3, group: "g", epoch: 4, seq: 11, hash: "@11", auth: "g4", via: "commit"})
	b.intents = append(b.intents, intentRow{at: 3, id: 3, group: "g", kind: keyK, state: committed, attempts: []string{"@11"}})
	b.trans = append(b.trans,
		transRow{at: 3, intent: 3, group: "g", from: toSend, to: published, epoch: 3, hash: "@11"},
		transRow{at: 3, intent: 3, group: "g", from: published, to: committed, epoch: 4})
	b.msgs = append(b.msgs, readd, back)

	c := w.c("c/1")
	c.groups = append(c.groups, groupRow{at: 3, id: "g", epoch: 4, joined: 3})
	c.cursors = append(c.cursors, cursorRow{at: 3, group: "g", cursor: 12})
	c.members[0].ids = everyone
	c.epochs = append(c.epochs,
		epochRow{at: 3, group: "g", epoch: 3, seq: 10, auth: "g3", via: "welcome"},
		epochRow{at: 3, group: "g", epoch: 4, seq: 11, hash: "@11", auth: "g4", via: "commit"})
	c.intents = append(c.intents, intentRow{at: 3, id: 3, group: "g", kind: sendK, data: "back", state: committed, attempts: []string{"@12"}})
	c.trans = append(c.trans,
		transRow{at: 3, intent: 3, group: "g", from: toSend, to: published, epoch: 4, hash: "@12"},
		transRow{at: 3, intent: 3, group: "g", from: published, to: committed, epoch: 4})
	c.msgs = append(c.msgs, msgRow{at: 3, group: "g", id: "commit:@10", kind: added, sender: "a/1", seq: 10, epoch: 3, body: "added c/1"}, back)

	w.calls = append(w.calls,
		publish(3, "a/1", "@10", false),
		publish(3, "a/1", "@welcome/c/1:2", false),
		publish(3, "b/1", "@11", false),
		publish(3, "c/1", "@12", false))
	return w
}

// overtaken: as regrown, but the re-add's welcome reached c/1 before the
// first add's (a slow adder), so c/1 never entered its first membership
// (SPEC §6: no welcome for a group held at a later epoch): it holds
// nothing from epochs 1-2 and is not owed b/1#1 (L3's exemption).
func overtaken() *world {
	w := regrown()
	topic := wire.WelcomeTopic("c/1")
	w.log[topic][0], w.log[topic][1] = w.log[topic][1], w.log[topic][0]
	c := w.c("c/1")
	first := func(at int) bool { return step(at) < 3 }
	c.groups = without(c.groups, func(r groupRow) bool { return first(r.at) })
	c.cursors = without(c.cursors, func(r cursorRow) bool { return first(r.at) })
	c.epochs = without(c.epochs, func(r epochRow) bool { return first(r.at) })
	c.msgs = without(c.msgs, func(r msgRow) bool { return first(r.at) })
	c.intents = without(c.intents, func(r intentRow) bool { return first(r.at) })
	c.trans = without(c.trans, func(r transRow) bool { return first(r.at) })
	w.calls = without(w.calls, func(r callRow) bool { return r.payload == "~bye" })
	return w
}

// withheld: a/1 never sent c/1's welcome, and is declared a withholder:
// c/1 holds nothing, and is exempt from L3 and L5 for that membership.
func withheld() *world {
	w := healthy()
	delete(w.log, wire.WelcomeTopic("c/1"))
	w.calls = without(w.calls, func(r callRow) bool { return r.payload == "@welcome/c/1:1" || r.payload == "~bye" })
	c := w.c("c/1")
	*c = client{id: c.id}
	w.withholders = []string{"a/1"}
	return w
}
