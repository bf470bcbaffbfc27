package checker_test

import (
	"strings"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/wire"
)

// Short names for the schema's codes, so a row reads like the table.
const (
	toSend    = checker.StateToSend
	published = checker.StatePublished
	committed = checker.StateCommitted
	failed    = checker.StateFailed

	sendK   = checker.KindSendMessage
	addK    = checker.KindAddMembers
	removeK = checker.KindRemoveMembers
	keyK    = checker.KindKeyUpdate
	updateK = checker.KindUpdateInstallations

	app     = checker.MessageApplication
	added   = checker.MessageMemberAdded
	removed = checker.MessageMemberRemoved
)

// healthy is the world every comparison fixture breaks in one place. It
// is clean, and it takes every branch a correct run can take, so that a
// check that fires on correct data shows here:
//
//	group/g, over two steps                                   lands at
//	  1 a/1's epoch-0 message (a/1#1, "early")                  step 1
//	  2 a/1 adds b/1 and c/1: epoch 1                           step 1
//	  3 b/1#1 "hi" (its second attempt; the first was lost)     step 1
//	  4 a/1 removes c/1: epoch 2                                step 1
//	  5 b/1#2 "late" (epoch 1 at epoch 2), re-sent              step 2
//	  6 the same bytes: b/1's first, delayed publish            step 2
//	  7 injected garbage                                        step 2
//	  8 the commit at 4 again: a/1's first, delayed publish     step 2
//	  9 and again: its second, delayed too                      step 2
//
// a/1 created g (and "solo", which has no topic), stores everything, and
// ends four intents at step 2 without a payload: an add NOOP (b already
// in), a remove NOOP (c already out), an add NOOP that skipped d/1 (no key
// package), and an add FAILED for the group cap. b/1 joined by welcome;
// its first publish of b/1#2 failed, a short sync page then reached the
// head (by its cursor) without the copy, so the re-send at step 2 is
// justified. b/1 and c/1 store the commit that added them at the epoch
// they entered (1). c/1 was removed at seq 4, stores what it was owed
// (the removal's row too, at epoch 1) and failed its two intents as
// removed. d/1 holds nothing. a/1's commit at 4 was
// published three times: twice the publish failed (delayed) and a sync
// then read a full page to the head without it.
func healthy() *world {
	w := newWorld()
	w.dir = map[string][]string{"a": {"a/1"}, "b": {"b/1"}, "c": {"c/1"}, "d": {"d/1"}}
	w.kps = map[string]int{"a/1": 2, "b/1": 2, "c/1": 2} // d/1 has none

	w.put(1, msg(0, "a/1", 1, 1))
	w.put(1, commit(0, "a/1", []string{"b/1", "c/1"}, nil))
	w.put(1, msg(1, "b/1", 1, 1))
	w.put(1, commit(1, "a/1", nil, []string{"c/1"}))
	w.put(2, msg(1, "b/1", 2, 2))
	w.put(2, msg(1, "b/1", 2, 2))
	w.putRaw(2, wire.GroupTopic("g"), []byte("junk"), true)
	w.put(2, commit(1, "a/1", nil, []string{"c/1"}))
	w.put(2, commit(1, "a/1", nil, []string{"c/1"}))
	for _, id := range []string{"b/1", "c/1"} {
		wl := wire.Welcome{GroupID: "g", Epoch: 1, CommitSeq: 2, Adder: "a/1", MLS: []byte{1}}
		w.putRaw(1, wire.WelcomeTopic(id), wl.Encode(), false)
	}

	a := w.c("a/1")
	a.groups = []groupRow{{id: "g", epoch: 2}, {id: "solo"}}
	a.cursors = []cursorRow{{group: "g", cursor: 4}, {at: 2, group: "g", cursor: 9}}
	a.members = []memberRow{{"g", []string{"a/1", "b/1"}}, {"solo", []string{"a/1"}}}
	a.epochs = []epochRow{
		{group: "g", via: "create", auth: "g0"},
		{group: "solo", via: "create", auth: "solo0"},
		{group: "g", epoch: 1, seq: 2, hash: "@2", auth: "g1", via: "commit"},
		{group: "g", epoch: 2, seq: 4, hash: "@4", auth: "g2", via: "commit"},
	}
	a.intents = []intentRow{
		{id: 1, group: "g", kind: sendK, data: "early", state: committed, attempts: []string{"@1"}},
		{id: 2, group: "g", kind: addK, data: "b\nc", state: committed, attempts: []string{"@2"}},
		{id: 3, group: "g", kind: removeK, data: "c", state: committed, attempts: []string{"@4"}},
		{at: 2, id: 4, group: "g", kind: addK, data: "b", state: committed, reason: "noop"},
		{at: 2, id: 5, group: "g", kind: removeK, data: "c", state: committed, reason: "noop"},
		{at: 2, id: 6, group: "g", kind: addK, data: "d", state: committed, reason: "noop", skipped: []string{"d/1"}},
		{at: 2, id: 7, group: "g", kind: addK, data: "e", state: failed, reason: "group_cap"},
		{at: 2, id: 8, group: "solo", kind: addK, data: "a", state: committed, reason: "noop"},
	}
	a.trans = []transRow{
		{intent: 1, group: "g", from: toSend, to: published, hash: "@1"},
		{intent: 1, group: "g", from: published, to: committed},
		{intent: 2, group: "g", from: toSend, to: published, hash: "@2"},
		{intent: 2, group: "g", from: published, to: committed, epoch: 1},
		{intent: 3, group: "g", from: toSend, to: published, epoch: 1, hash: "@4"},
		{intent: 3, group: "g", from: published, to: committed, epoch: 2},
		{at: 2, intent: 4, group: "g", from: toSend, to: committed, reason: "noop", epoch: 2},
		{at: 2, intent: 5, group: "g", from: toSend, to: committed, reason: "noop", epoch: 2},
		{at: 2, intent: 6, group: "g", from: toSend, to: committed, reason: "noop", epoch: 2},
		{at: 2, intent: 7, group: "g", from: toSend, to: failed, reason: "group_cap", epoch: 2},
		{at: 2, intent: 8, group: "solo", from: toSend, to: committed, reason: "noop"},
	}
	a.msgs = []msgRow{
		{group: "g", id: "a/1#1", kind: app, sender: "a/1", seq: 1, body: "early"},
		{group: "g", id: "commit:@2", kind: added, sender: "a/1", seq: 2, body: "added b/1,c/1"},
		{group: "g", id: "b/1#1", kind: app, sender: "b/1", seq: 3, epoch: 1, body: "hi"},
		{group: "g", id: "commit:@4", kind: removed, sender: "a/1", seq: 4, epoch: 1, body: "removed c/1"},
		{at: 2, group: "g", id: "b/1#2", kind: app, sender: "b/1", seq: 5, epoch: 1, body: "late"},
	}

	b := w.c("b/1")
	b.groups = []groupRow{{id: "g", epoch: 2, joined: 1}}
	b.cursors = []cursorRow{{group: "g", cursor: 4}, {at: 2, group: "g", cursor: 9}}
	b.members = []memberRow{{"g", []string{"a/1", "b/1"}}}
	b.epochs = []epochRow{
		{group: "g", epoch: 1, seq: 2, auth: "g1", via: "welcome"},
		{group: "g", epoch: 2, seq: 4, hash: "@4", auth: "g2", via: "commit"},
	}
	b.intents = []intentRow{
		{id: 1, group: "g", kind: sendK, data: "hi", state: committed, attempts: []string{"~lost", "@3"}},
		{id: 2, group: "g", kind: sendK, data: "late", state: committed, attempts: []string{"@5"}},
	}
	b.trans = []transRow{
		{intent: 1, group: "g", from: toSend, to: published, epoch: 1, hash: "~lost"},
		{intent: 1, group: "g", from: published, to: toSend, epoch: 1},
		{intent: 1, group: "g", from: toSend, to: published, epoch: 1, hash: "@3"},
		{intent: 1, group: "g", from: published, to: committed, epoch: 1},
		{intent: 2, group: "g", from: toSend, to: published, epoch: 1, hash: "@5"},
		{at: 2, intent: 2, group: "g", from: published, to: committed, epoch: 2},
	}
	b.msgs = []msgRow{
		{group: "g", id: "commit:@2", kind: added, sender: "a/1", seq: 2, epoch: 1, body: "added b/1,c/1"},
		{group: "g", id: "b/1#1", kind: app, sender: "b/1", seq: 3, epoch: 1, body: "hi"},
		{group: "g", id: "commit:@4", kind: removed, sender: "a/1", seq: 4, epoch: 1, body: "removed c/1"},
		{at: 2, group: "g", id: "b/1#2", kind: app, sender: "b/1", seq: 5, epoch: 1, body: "late"},
	}

	c := w.c("c/1")
	c.groups = []groupRow{{id: "g", epoch: 1, joined: 1, remove: 4}}
	c.cursors = []cursorRow{{group: "g", cursor: 4}}
	c.members = []memberRow{{"g", []string{"a/1", "b/1", "c/1"}}}
	c.epochs = []epochRow{{group: "g", epoch: 1, seq: 2, auth: "g1", via: "welcome"}}
	c.intents = []intentRow{
		{id: 1, group: "g", kind: sendK, data: "bye", state: failed, reason: "removed", attempts: []string{"~bye"}},
		{id: 2, group: "g", kind: sendK, data: "bye again", state: failed, reason: "removed"},
	}
	c.trans = []transRow{
		{intent: 1, group: "g", from: toSend, to: published, epoch: 1, hash: "~bye"},
		{intent: 1, group: "g", from: published, to: failed, reason: "removed", epoch: 1},
		{intent: 2, group: "g", from: toSend, to: failed, reason: "removed", epoch: 1},
	}
	c.msgs = []msgRow{
		{group: "g", id: "commit:@2", kind: added, sender: "a/1", seq: 2, epoch: 1, body: "added b/1,c/1"},
		{group: "g", id: "b/1#1", kind: app, sender: "b/1", seq: 3, epoch: 1, body: "hi"},
		{group: "g", id: "commit:@4", kind: removed, sender: "a/1", seq: 4, epoch: 1, body: "removed c/1"},
	}

	w.c("d/1")

	w.calls = []callRow{
		publish(1, "a/1", "@1", false),
		publish(1, "a/1", "@2", false),
		publish(1, "a/1", "@welcome/b/1:1", false),
		publish(1, "a/1", "@welcome/c/1:1", false),
		query(1, "b/1", 2, 2, 2),
		publish(1, "b/1", "~lost", true), // lost
		restart(1, "b/1"),
		publish(1, "b/1", "@3", false),
		publish(1, "a/1", "@4", true), // delayed: lands at step 2, as seq 8
		query(1, "a/1", 2, 3, 3),      // a full page to the head, without it
		publish(1, "a/1", "@4", true), // delayed again: seq 9
		query(1, "a/1", 3, 3, 3),
		publish(1, "a/1", "@4", false), // seq 4
		publish(1, "b/1", "@5", true),  // delayed: lands at step 2, as seq 6
		query(1, "b/1", 2, 4, 3),       // a short page; b/1's cursor reaches 4 this step
		publish(2, "b/1", "@5", false), // re-sent: seq 5
		query(2, "a/1", 4, 9, 9),
		query(2, "b/1", 4, 9, 9),
		publish(2, "c/1", "~bye", true),
	}
	return w
}

func publish(at int, id, payload string, failed bool) callRow {
	topic := wire.GroupTopic("g")
	if i := strings.LastIndexByte(payload, ':'); strings.HasPrefix(payload, "@") && i > 0 {
		topic = payload[1:i]
	}
	return callRow{Call: checker.Call{Step: at, Installation: id, Kind: checker.CallPublish, Topic: topic, Failed: failed}, payload: payload}
}

func query(at int, id string, after, head, last uint64) callRow {
	return callRow{Call: checker.Call{Step: at, Installation: id, Kind: checker.CallQuery, Topic: wire.GroupTopic("g"),
		After: after, Head: head, Last: last}}
}

func restart(at int, id string) callRow {
	return callRow{Call: checker.Call{Step: at, Installation: id, Kind: checker.CallRestart}}
}
