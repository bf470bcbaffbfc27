package checker_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/wire"
)

// The checker proves its own checks: for every comparison that can report
// a violation (safety.go, noop.go, copies.go, liveness.go) one fixture
// breaks the healthy world (healthy_test.go) in exactly that place, and
// the test asserts that exactly that property fires, with a message that
// names the comparison. A check that can never fire, or that fires on
// correct data, fails here; docs/PROPERTIES.md names these fixtures, and
// docs/CHECKER-MUTATION.md measures what they leave unproven.
//
// A few comparisons cannot be broken alone, because the data that breaks
// them breaks a sibling of the same property too (a message id stored
// twice is also a second copy); those rows still assert the one property
// and look for their own message among its violations.

type comparison struct {
	name string       // property/comparison
	want string       // the one property that must fire
	says string       // a piece of the message that names the comparison
	brk  func(*world) // the one change to the base world
	base func() *world
	// with is a property that must fire too, when no data can break
	// this comparison without breaking it (said why in the row).
	with string
}

var comparisons = []comparison{
	// S1 no fork (checkEpoch)
	{"S1/no-accepted-commit-into-epoch", "S1", "no accepted commit into that epoch", func(w *world) {
		w.c("a/1").epochs = append(w.c("a/1").epochs, epochRow{at: 2, group: "g", epoch: 3, seq: 7, hash: "@5", auth: "g2", via: "commit"})
	}, nil, ""},
	{"S1/group-not-on-any-topic", "S1", "no accepted commit into that epoch", func(w *world) {
		w.c("a/1").epochs = append(w.c("a/1").epochs, epochRow{group: "zz", epoch: 1, seq: 1, hash: "@1", auth: "z1", via: "welcome"})
	}, nil, ""},
	{"S1/commit-position", "S1", "but the accepted one is at seq 4", func(w *world) {
		w.c("a/1").epoch("g", 2).seq = 3
	}, nil, ""},
	{"S1/commit-hash", "S1", "whose hash", func(w *world) {
		w.c("a/1").epoch("g", 2).hash = "@3"
	}, nil, ""},
	{"S1/authenticator", "S1", "epoch 1: authenticator 7477656c76652d6279746573 differs from a/1's 6731", func(w *world) {
		w.c("c/1").epoch("g", 1).auth = "twelve-bytes" // 24 hex digits: shown whole
	}, nil, ""},
	{"S1/authenticator-long", "S1", "epoch 1: authenticator 6731206275..6f74686572 differs", func(w *world) {
		w.c("c/1").epoch("g", 1).auth = "g1 but another" // longer: both ends shown
	}, nil, ""},
	{"S1/create-not-at-epoch-0", "S1", "created the group at epoch 1", func(w *world) {
		w.c("a/1").epoch("g", 0).epoch = 1
	}, nil, ""},
	{"S1/create-not-at-seq-0", "S1", "created the group at epoch 0 (seq 1)", func(w *world) {
		w.c("a/1").epoch("g", 0).seq = 1
	}, nil, ""},
	{"S1/create-by-non-creator", "S1", "the topic says a/1 created", func(w *world) {
		b := w.c("b/1")
		b.epochs = append([]epochRow{{group: "g", via: "create", auth: "g0"}}, b.epochs...)
	}, nil, ""},
	{"S1/unknown-via", "S1", `by "join": not create, commit or welcome`, func(w *world) {
		w.c("a/1").epoch("g", 1).via = "join"
	}, nil, ""},

	// S2 monotonic (checkPosition): back at step 2, forward again at 3.
	{"S2/epoch-back", "S2", "epoch went back from 2 to 1", func(w *world) {
		a := w.c("a/1")
		a.groups = append(a.groups, groupRow{at: 2, id: "g", epoch: 1}, groupRow{at: 3, id: "g", epoch: 2})
	}, nil, ""},
	{"S2/cursor-back", "S2", "cursor went back from 4 to 3", func(w *world) {
		a := w.c("a/1")
		a.cursors[1].cursor = 3
		a.cursors = append(a.cursors, cursorRow{at: 3, group: "g", cursor: 7})
	}, nil, ""},

	// S3 exactly once (checkEpoch, checkMessage, checkMembershipMessage)
	{"S3/commit-entered-twice", "S3", "after already entering one at seq 4", func(w *world) {
		w.c("a/1").epochs = append(w.c("a/1").epochs, epochRow{at: 2, group: "g", epoch: 2, seq: 4, hash: "@4", auth: "g2", via: "commit"})
	}, nil, ""},
	{"S3/message-id-twice", "S3", "stored message id b/1#2 twice (seq 5 and 6)", func(w *world) {
		w.c("a/1").msgs = append(w.c("a/1").msgs, msgRow{at: 2, group: "g", id: "b/1#2", kind: app, sender: "b/1", seq: 6, epoch: 1, body: "late"})
	}, nil, ""},
	{"S3/message-the-oracle-rejected", "S3", "which the oracle rejected (injected)", func(w *world) {
		w.c("a/1").msgs = append(w.c("a/1").msgs, msgRow{at: 2, group: "g", id: "x/1#1", kind: app, sender: "x/1", seq: 7, epoch: 2, body: "?"})
	}, nil, ""},
	{"S3/message-at-the-last-position", "S3", "which the oracle rejected (commit for epoch 1 at epoch 2)", func(w *world) {
		w.c("a/1").msgs = append(w.c("a/1").msgs, msgRow{at: 2, group: "g", id: "x/1#1", kind: app, sender: "x/1", seq: 9, epoch: 2, body: "?"})
	}, nil, ""},
	{"S3/message-beyond-the-log", "S3", "which the oracle rejected (not on the topic)", func(w *world) {
		w.c("a/1").msgs = append(w.c("a/1").msgs, msgRow{at: 2, group: "g", id: "x/1#1", kind: app, sender: "x/1", seq: 10, epoch: 2, body: "?"})
	}, nil, ""},
	{"S3/message-of-a-group-not-on-any-topic", "S3", "which the oracle rejected (not on the topic)", func(w *world) {
		w.c("a/1").msgs = append(w.c("a/1").msgs, msgRow{group: "zz", id: "x/1#1", kind: app, sender: "x/1", seq: 1, body: "?"})
	}, nil, ""},
	{"S3/second-copy", "S3", "a second copy of the one accepted at seq 5", func(w *world) {
		w.c("c/1").msgs = append(w.c("c/1").msgs, msgRow{at: 2, group: "g", id: "b/1#2", kind: app, sender: "b/1", seq: 6, epoch: 1, body: "late"})
	}, nil, ""},
	{"S3/membership-row-without-commit", "S3", "for seq 7, which holds no accepted commit", func(w *world) {
		w.c("a/1").msgs = append(w.c("a/1").msgs, msgRow{at: 2, group: "g", id: "commit:@5", kind: added, sender: "a/1", seq: 7, epoch: 2, body: "added x/1"})
	}, nil, ""},
	{"S3/membership-row-of-a-group-not-on-any-topic", "S3", "which holds no accepted commit", func(w *world) {
		w.c("a/1").msgs = append(w.c("a/1").msgs, msgRow{group: "zz", id: "commit:@2", kind: added, sender: "a/1", seq: 2, body: "added b/1,c/1"})
	}, nil, ""},

	// S4 legal intent transitions (checkTransition, legalEdge)
	{"S4/unknown-intent", "S4", "the store holds no such intent", func(w *world) {
		w.c("a/1").trans = append(w.c("a/1").trans, transRow{at: 2, intent: 99, group: "g", from: toSend, to: published, hash: "~99"})
	}, nil, ""},
	{"S4/from-state", "S4", "moved from PUBLISHED, but it was COMMITTED", func(w *world) {
		w.c("b/1").trans = append(w.c("b/1").trans, transRow{at: 2, intent: 1, group: "g", from: published, to: toSend, epoch: 2})
	}, nil, ""},
	{"S4/edge/to-send-published-with-reason", "S4", `TO_SEND -> PUBLISHED (reason "noop"), not an edge`, func(w *world) {
		w.c("b/1").transition(1, 1).reason = "noop"
	}, nil, ""},
	{"S4/edge/to-send-committed-not-noop", "S4", `TO_SEND -> COMMITTED (reason ""), not an edge`, func(w *world) {
		w.c("a/1").transition(4, 1).reason = ""
	}, nil, ""},
	{"S4/edge/to-send-failed-not-cap-removed-invalid", "S4", `TO_SEND -> FAILED (reason "noop"), not an edge`, func(w *world) {
		w.c("a/1").transition(7, 1).reason = "noop"
	}, nil, ""},
	{"S4/edge/to-send-to-send", "S4", "TO_SEND -> TO_SEND", func(w *world) {
		w.c("a/1").transition(4, 1).to = toSend
	}, nil, ""},
	{"S4/edge/published-to-send-with-reason", "S4", `PUBLISHED -> TO_SEND (reason "invalid"), not an edge`, func(w *world) {
		w.c("b/1").transition(1, 2).reason = "invalid"
	}, nil, ""},
	{"S4/edge/published-committed-with-reason", "S4", `PUBLISHED -> COMMITTED (reason "removed"), not an edge`, func(w *world) {
		w.c("b/1").transition(1, 4).reason = "removed"
	}, nil, ""},
	{"S4/edge/published-failed-not-removed", "S4", `PUBLISHED -> FAILED (reason "invalid"), not an edge`, func(w *world) {
		w.c("c/1").transition(1, 2).reason = "invalid"
	}, nil, ""},
	{"S4/edge/published-published", "S4", "PUBLISHED -> PUBLISHED", func(w *world) {
		b := w.c("b/1")
		b.transition(1, 2).to = published
		b.trans = slices.Delete(b.trans, 2, 3) // its second TO_SEND -> PUBLISHED
	}, nil, ""},
	{"S4/edge/out-of-committed", "S4", "COMMITTED -> PUBLISHED", func(w *world) {
		w.c("a/1").trans = append(w.c("a/1").trans, transRow{at: 2, intent: 1, group: "g", from: committed, to: published, hash: "~again"})
	}, nil, ""},
	{"S4/edge/out-of-failed", "S4", "FAILED -> TO_SEND", func(w *world) {
		w.c("c/1").trans = append(w.c("c/1").trans, transRow{at: 2, intent: 2, group: "g", from: failed, to: toSend, epoch: 1})
	}, nil, ""},

	// S5 confidentiality (checkMessage)
	{"S5", "S5", "stored a/1#1 of epoch 0, in which it was not a member", func(w *world) {
		b := w.c("b/1")
		b.msgs = append([]msgRow{{group: "g", id: "a/1#1", kind: app, sender: "a/1", seq: 1, body: "early"}}, b.msgs...)
	}, nil, ""},

	// S6 order (checkMessage)
	{"S6", "S6", "stored b/1#1 (seq 3) after a message at seq 4", func(w *world) {
		m := w.c("a/1").msgs
		m[2], m[3] = m[3], m[2]
	}, nil, ""},

	// S7 owed only (checkEpoch, checkMessage, checkMembershipMessage)
	{"S7/commit-entry-by-non-continuous-member", "S7", "not a member from epoch 1 into 2", func(w *world) {
		w.c("c/1").epochs = append(w.c("c/1").epochs, epochRow{group: "g", epoch: 2, seq: 4, hash: "@4", auth: "g2", via: "commit"})
	}, nil, ""},
	{"S7/commit-entry-into-the-epoch-it-joined", "S7", "not a member from epoch 0 into 1", func(w *world) {
		e := w.c("b/1").epoch("g", 1)
		e.via, e.hash = "commit", "@2"
	}, nil, ""},
	{"S7/welcome-entry-not-added-there", "S7", "entered epoch 1 by a welcome, but the commit at seq 2 did not add it", func(w *world) {
		w.c("a/1").epoch("g", 1).via = "welcome"
	}, nil, ""},
	{"S7/message-not-continuous", "S7", "stored b/1#2 (epoch 1, seq 5 at epoch 2), but it was not a member throughout", func(w *world) {
		w.c("c/1").msgs = append(w.c("c/1").msgs, msgRow{at: 2, group: "g", id: "b/1#2", kind: app, sender: "b/1", seq: 5, epoch: 1, body: "late"})
	}, nil, ""},
	{"S7/membership-row-not-owed", "S7", "neither a member for nor added by", func(w *world) {
		w.c("d/1").msgs = []msgRow{{group: "g", id: "commit:@4", kind: removed, sender: "a/1", seq: 4, epoch: 1, body: "removed c/1"}}
	}, nil, ""},

	// S8 publish order (publishOrder)
	{"S8", "S8", "intent 2 (ADD_MEMBERS) left TO_SEND before the earlier intent 1", func(w *world) {
		t := w.c("a/1").trans
		t[0], t[1], t[2], t[3] = t[2], t[3], t[0], t[1]
	}, nil, ""},

	// S9 no needless copy (copies.go)
	{"S9/unjustified-republish", "S9", "the publish at step 2 sent them again", func(w *world) {
		w.calls = without(w.calls, func(c callRow) bool { return c.Kind == checker.CallQuery && c.Step == 1 && c.Head == 4 })
	}, nil, ""},
	{"S9/short-page-whose-head-the-cursor-never-reached", "S9", "the publish at step 2 sent them again", func(w *world) {
		w.c("b/1").cursors[0].cursor = 3
	}, nil, ""},
	{"S9/sync-found-the-copy", "S9", "the publish at step 2 sent them again", func(w *world) {
		w.calls = without(w.calls, func(c callRow) bool { return c.Kind == checker.CallQuery && c.Step == 1 && c.Head == 4 })
		i := slices.IndexFunc(w.calls, func(c callRow) bool { return c.Step == 2 })
		w.calls = slices.Insert(w.calls, i, query(2, "b/1", 4, 5, 5))
	}, nil, ""},
	{"S9/second-republish-unjustified", "S9", "seqs 4,8,9: the publish at step 1 sent them again", func(w *world) {
		w.calls = without(w.calls, func(c callRow) bool { return c.Kind == checker.CallQuery && c.Installation == "a/1" && c.After == 3 })
	}, nil, ""},
	{"S9/copy-replayed-by-another-is-the-first-publisher's", "S9", "2 copies of 1 publishes", func(w *world) {
		w.log["group/g"][5].by = "a/1"
		w.calls = without(w.calls, func(c callRow) bool { return c.Kind == checker.CallPublish && c.Step == 2 && c.payload == "@5" })
	}, nil, ""},
	{"S9/short-page-confirmed-late-then-not-reached", "S9", "the publish at step 3 sent them again", func(w *world) {
		w.c("b/1").cursors[1].cursor = 3
	}, lateConfirm, ""},
	// A successful publish is never re-sent (SPEC §4 rule 6: only an
	// error or a restart makes delivery unknown), even when a later
	// sync does not see the copy — a lagging read, which memnet never
	// serves but a replicated server could.
	{"S9/republish-after-a-successful-publish", "S9", "the publish at step 2 sent them again", func(w *world) {
		i := slices.IndexFunc(w.calls, func(c callRow) bool { return c.payload == "@5" && c.Failed })
		w.calls[i].Failed = false
	}, nil, ""},
	{"S9/more-copies-than-publishes", "S9", "2 copies of 1 publishes", func(w *world) {
		w.calls = without(w.calls, func(c callRow) bool { return c.Kind == checker.CallPublish && c.Step == 2 && c.payload == "@5" })
	}, nil, ""},
	{"S9/copies-never-published", "S9", "2 copies of 0 publishes", func(w *world) {
		w.calls = without(w.calls, func(c callRow) bool { return c.payload == "@5" })
	}, nil, ""},

	// S10 justified NOOP (justifiedNoop)
	{"S10/not-add-or-remove", "S10", "intent 4 (KEY_UPDATE) ended NOOP: only an add, a remove or an installation update", func(w *world) {
		w.c("a/1").intent(4).kind = keyK
	}, nil, ""},
	{"S10/judged-behind-the-client", "S10", "judged at epoch 1, but the client was already at epoch 2", func(w *world) {
		w.c("a/1").transition(4, 1).epoch = 1
	}, nil, ""},
	{"S10/judged-ahead-of-the-group", "S10", "judged at epoch 3, but the group is at epoch 2", func(w *world) {
		w.c("a/1").transition(4, 1).epoch = 3
	}, nil, ""},
	{"S10/remove-target-still-member", "S10", "intent 5 (remove b) ended NOOP, but b/1 was a member at epoch 2", func(w *world) {
		w.c("a/1").intent(5).data = "b"
	}, nil, ""},
	{"S10/add-target-neither-member-nor-skipped", "S10", "but d/1 was not a member at epoch 2 and was not recorded as skipped", func(w *world) {
		w.c("a/1").intent(6).skipped = nil
	}, nil, ""},
	{"S10/skipped-but-directory-has-key-packages", "S10", "skipping d/1 for want of a key package, but the directory holds some", func(w *world) {
		w.kps["d/1"] = 1
	}, nil, ""},
	// An UPDATE_INSTALLATIONS NOOP with work left is also work left at the
	// end (L6): no data breaks the one without the other.
	{"S10/update-installations-not-all-in", "S10", "intent 4 (update installations of a) ended NOOP, but a/2 was not a member at epoch 2", func(w *world) {
		w.c("a/1").intent(4).kind = updateK
		secondDevice(w)
	}, nil, "L6"},
	{"S10/update-installations-revoked-member", "S10", "intent 4 (update installations) ended NOOP, but b/1, revoked, was a member at epoch 2", func(w *world) {
		w.c("a/1").intent(4).kind = updateK
		w.dir["b"], w.revoked = nil, map[string]bool{"b/1": true}
	}, nil, "L6"},

	// S11 content (checkContent, checkMembershipMessage)
	{"S11/message-sender", "S11", "stored b/1#1 with sender a/1, the envelope's is b/1", func(w *world) {
		w.c("a/1").msg("b/1#1").sender = "a/1"
	}, nil, ""},
	{"S11/message-epoch", "S11", "stored b/1#1 with epoch 0, the envelope's is 1", func(w *world) {
		w.c("a/1").msg("b/1#1").epoch = 0
	}, nil, ""},
	{"S11/message-id-without-intent-number", "S11", "message id b/1#hi does not name its sender b/1 and an intent", func(w *world) {
		w.renameMessage(3, "b/1#hi")
	}, nil, ""},
	{"S11/message-id-naming-another-sender", "S11", "message id b/1#x#1 does not name its sender b/1", func(w *world) {
		w.renameMessage(3, "b/1#x#1")
	}, nil, ""},
	{"S11/message-id-zero", "S11", "message id b/1#0 does not name its sender b/1", func(w *world) {
		w.renameMessage(3, "b/1#0")
	}, nil, ""},
	{"S11/no-such-intent", "S11", "but b/1 recorded no intent 9", func(w *world) {
		w.renameMessage(3, "b/1#9")
	}, nil, ""},
	{"S11/intent-kind", "S11", "as a message, but b/1's intent 1 is KEY_UPDATE", func(w *world) {
		w.c("b/1").intent(1).kind = keyK
	}, nil, ""},
	{"S11/intent-group", "S11", "stored b/1#1 in g, but b/1's intent 1 is for solo", func(w *world) {
		// Not COMMITTED, so that L4 (intent truth, judged in the
		// intent's group) does not see its accepted payload.
		in := w.c("b/1").intent(1)
		in.group, in.state, in.reason = "solo", failed, "removed"
	}, nil, ""},
	{"S11/body", "S11", `stored b/1#1 with body "hi", but b/1's intent 1 says "hello, this body is forty bytes long, ok"`, func(w *world) {
		w.c("b/1").intent(1).data = "hello, this body is forty bytes long, ok" // 40: not clipped
	}, nil, ""},
	{"S11/body-long", "S11", `but b/1's intent 1 says "hello, a longer body, clipped at forty b..."`, func(w *world) {
		w.c("b/1").intent(1).data = "hello, a longer body, clipped at forty bytes"
	}, nil, ""},
	{"S11/membership-id", "S11", "stored the commit at seq 2 as commit:0123456789abcdef, want commit:", func(w *world) {
		w.c("a/1").msg("commit:@2").id = "commit:0123456789abcdef"
	}, nil, ""},
	{"S11/membership-kind", "S11", "stored the commit at seq 4 as MEMBER_ADDED, its manifest makes it MEMBER_REMOVED", func(w *world) {
		w.c("a/1").msg("commit:@4").kind = added
	}, nil, ""},
	{"S11/membership-sender", "S11", "stored the commit at seq 2 with sender b/1, the committer is a/1", func(w *world) {
		w.c("a/1").msg("commit:@2").sender = "b/1"
	}, nil, ""},
	{"S11/membership-epoch", "S11", "stored the commit at seq 2 with epoch 1, it was built for 0", func(w *world) {
		w.c("a/1").msg("commit:@2").epoch = 1
	}, nil, ""},
	{"S11/membership-epoch-of-a-joiner", "S11", "stored the commit at seq 2 with epoch 0, but it joined by it: a joiner stores it at the epoch it enters, 1", func(w *world) {
		w.c("b/1").msg("commit:@2").epoch = 0
	}, nil, ""},
	{"S11/membership-epoch-of-the-removed", "S11", "stored the commit at seq 4 with epoch 2, it was built for 1", func(w *world) {
		w.c("c/1").msg("commit:@4").epoch = 2
	}, nil, ""},
	{"S11/membership-row-for-a-commit-that-changes-none", "S11", "stored the commit at seq 11 as MEMBER_REMOVED, its manifest makes it KIND(0)", func(w *world) {
		a := w.c("a/1")
		i := slices.IndexFunc(a.msgs, func(r msgRow) bool { return r.id == "c/1#3" })
		a.msgs = slices.Insert(a.msgs, i, msgRow{at: 3, group: "g", id: "commit:@11", kind: removed, sender: "b/1", seq: 11, epoch: 3, body: "removed "})
	}, regrown, ""},
	{"S11/membership-body", "S11", `with body "added c/1,b/1", its manifest says "added b/1,c/1"`, func(w *world) {
		w.c("a/1").msg("commit:@2").body = "added c/1,b/1"
	}, nil, ""},

	// L1 convergence (convergence)
	{"L1/not-holding", "L1", "a member at epoch 2 does not hold the group", func(w *world) {
		a := w.c("a/1")
		a.groups = without(a.groups, func(r groupRow) bool { return r.id == "g" })
	}, nil, ""},
	{"L1/broken", "L1", "stopped: cannot process", func(w *world) {
		w.c("b/1").group("g").broken = "cannot process"
	}, nil, ""},
	{"L1/believes-removed", "L1", "believes it was removed at seq 4, but it is a member", func(w *world) {
		w.c("b/1").group("g").remove = 4
	}, nil, ""},
	{"L1/epoch", "L1", "at epoch 1, the group is at 2", func(w *world) {
		w.c("b/1").group("g").epoch = 1
	}, nil, ""},
	{"L1/member-list", "L1", "members b/1, the group has a/1,b/1", func(w *world) {
		w.c("b/1").members[0].ids = []string{"b/1"}
	}, nil, ""},
	{"L1/authenticators-differ", "L1", "2 different authenticators at epoch 2", func(w *world) {
		// b/1's last epoch entered is its welcome into 1 (its entry
		// into 2 is missing): it holds that epoch's authenticator.
		// Two for one (group, epoch) would be S1.
		b := w.c("b/1")
		b.epochs = without(b.epochs, func(r epochRow) bool { return r.epoch == 2 })
	}, nil, ""},

	// L2 no intent lost (intentsSettled)
	{"L2/still-published", "L2", "intent 1 (SEND_MESSAGE): still PUBLISHED after the liveness phase", func(w *world) {
		w.c("c/1").intent(1).state = published
	}, nil, ""},
	{"L2/still-to-send", "L2", "intent 2 (SEND_MESSAGE): still TO_SEND after the liveness phase", func(w *world) {
		w.c("c/1").intent(2).state = toSend
	}, nil, ""},
	{"L2/failed-with-a-reason-not-permitted", "L2", `FAILED with reason "invalid"`, func(w *world) {
		w.c("c/1").intent(1).reason = "invalid"
	}, nil, ""},

	// L3 completeness (completeness)
	{"L3", "L3", "does not hold b/1#2 (seq 5, epoch 1), accepted while it was a member", func(w *world) {
		a := w.c("a/1")
		a.msgs = without(a.msgs, func(r msgRow) bool { return r.id == "b/1#2" })
	}, nil, ""},

	{"L3/member-lacks-a-membership-row", "L3", "the row of the commit at seq 4 (epoch 1), owed to it as a member", func(w *world) {
		a := w.c("a/1")
		a.msgs = without(a.msgs, func(r msgRow) bool { return r.id == "commit:@4" })
	}, nil, ""},
	{"L3/joiner-lacks-its-join-row", "L3", "the row of the commit at seq 2 (epoch 1), owed to it as the installation it added", func(w *world) {
		b := w.c("b/1")
		b.msgs = without(b.msgs, func(r msgRow) bool { return r.id == "commit:@2" })
	}, nil, ""},
	{"L3/removed-lacks-its-removal-row", "L3", "the row of the commit at seq 4 (epoch 1), owed to it as the installation it removed", func(w *world) {
		c := w.c("c/1")
		c.msgs = without(c.msgs, func(r msgRow) bool { return r.id == "commit:@4" })
	}, nil, ""},
	{"L3/re-added-lacks-its-join-row", "L3", "the row of the commit at seq 10 (epoch 3), owed to it as the installation it added", func(w *world) {
		c := w.c("c/1")
		c.msgs = without(c.msgs, func(r msgRow) bool { return r.id == "commit:@10" })
	}, overtaken, ""},

	{"L3/welcome-not-overtaken", "L3", "does not hold b/1#1 (seq 3, epoch 1)", func(w *world) {
		topic := "welcome/c/1"
		w.log[topic][0], w.log[topic][1] = w.log[topic][1], w.log[topic][0]
	}, overtaken, ""},
	{"L3/re-added-member-owed-its-new-membership", "L3", "does not hold c/1#3 (seq 12, epoch 4)", func(w *world) {
		c := w.c("c/1")
		c.msgs = without(c.msgs, func(r msgRow) bool { return r.id == "c/1#3" })
	}, overtaken, ""},

	// L4 intent truth (intentsSettled, payloadsOwned)
	{"L4/noop-but-accepted", "L4", "intent 3 (ADD_MEMBERS): ended NOOP, but one of its payloads was accepted", func(w *world) {
		w.c("c/1").intents = append(w.c("c/1").intents, intentRow{id: 3, group: "g", kind: addK, data: "x", state: committed, reason: "noop", attempts: []string{"@3"}})
	}, nil, ""},
	{"L4/committed-but-none-accepted", "L4", "intent 1 (SEND_MESSAGE): COMMITTED, but none of its 1 payloads was accepted", func(w *world) {
		in := w.c("c/1").intent(1)
		in.state, in.reason = committed, ""
	}, nil, ""},
	{"L4/not-committed-but-accepted", "L4", "intent 1 (SEND_MESSAGE): FAILED, but one of its payloads was accepted", func(w *world) {
		in := w.c("b/1").intent(1)
		in.state, in.reason = failed, "removed"
	}, nil, ""},
	{"L4/two-accepted", "L4", "intent 3 (SEND_MESSAGE): 2 of its payloads were accepted", func(w *world) {
		w.c("c/1").intents = append(w.c("c/1").intents, intentRow{id: 3, group: "g", kind: sendK, data: "x", state: committed, attempts: []string{"@3", "@5"}})
	}, nil, ""},
	{"L4/commit-owned-by-no-intent", "L4", "the commit accepted at seq 4 is not an attempt of any of its intents", func(w *world) {
		a := w.c("a/1")
		a.intents = without(a.intents, func(r intentRow) bool { return r.id == 3 })
		a.trans = without(a.trans, func(r transRow) bool { return r.intent == 3 })
	}, nil, ""},
	{"L4/message-owned-by-no-intent", "L4", "the message accepted at seq 5 is not an attempt of any of its intents", func(w *world) {
		w.c("b/1").intent(2).attempts = nil
	}, nil, ""},

	// L5 welcomes (welcomed)
	{"L5", "L5", "added by a/1 at seq 2 but does not hold the group", func(w *world) {
		w.c("c/1").groups = nil
	}, nil, ""},
	// c/1 was owed b/1#1 in the membership it never entered: L3 too.
	{"L5/withheld-but-not-declared", "L5", "added by a/1 at seq 2 but does not hold the group", func(w *world) {
		w.withholders = nil
	}, withheld, "L3"},
	{"L5/withheld-by-another-than-declared", "L5", "added by a/1 at seq 2 but does not hold the group", func(w *world) {
		w.withholders = []string{"b/1"}
	}, withheld, "L3"},

	// L6 installations follow their account (installationsFollow)
	{"L6/installation-of-member-account-missing", "L6", "a/2 is an installation of member account a but not a member at epoch 2", secondDevice, nil, ""},
	{"L6/revoked-still-member", "L6", "b/1 was revoked but is still a member at epoch 2", func(w *world) {
		w.dir["b"], w.revoked = nil, map[string]bool{"b/1": true}
	}, nil, ""},

	// S12 revoked stores nothing after (revokedAfter in checkEpoch, checkMessage)
	{"S12/revoked-enters-after-removal", "S12", "entered epoch 2 by the commit at seq 4, but it was revoked and removed at epoch 2", func(w *world) {
		w.dir["c"], w.revoked = nil, map[string]bool{"c/1": true}
		w.c("c/1").epochs = append(w.c("c/1").epochs, epochRow{at: 2, group: "g", epoch: 2, seq: 4, hash: "@4", auth: "g2", via: "commit"})
	}, nil, ""},
	{"S12/revoked-stores-message-after-removal", "S12", "stored b/1#2 (seq 5, landed at epoch 2), but it was revoked and removed at epoch 2", func(w *world) {
		w.dir["c"], w.revoked = nil, map[string]bool{"c/1": true}
		m := *w.c("a/1").msg("b/1#2")
		m.at = 2
		w.c("c/1").msgs = append(w.c("c/1").msgs, m)
	}, nil, ""},

	{"L1/policy", "L1", `holds policy "super=a admins=b add=everyone`, func(w *world) {
		p := wire.DefaultPolicy("a")
		p.Admins = []string{"b"}
		w.c("b/1").policy = &p
	}, nil, ""},

	// S13 policy obeyed (checkEpoch; justifiedRefusal in transitions)
	{"S13/enters-by-forbidden-commit", "S13", "entered epoch 3 by the commit at seq 10, which the policy of its epoch forbids: not permitted: b may not change the policy", func(w *world) {
		e := commit(2, "b/1", nil, nil)
		e.Policy.ChangePolicy = wire.Everyone // b is no super admin
		w.put(2, e)
		w.c("b/1").epochs = append(w.c("b/1").epochs, epochRow{at: 2, group: "g", epoch: 3, seq: 10, hash: "@10", auth: "g2", via: "commit"}) // the last row L1 compares: as a/1's
	}, nil, ""},
	{"S13/refused-while-permitted", "S13", "intent 9 (ADD_MEMBERS) ended FAILED permission at epoch 2, but the policy there", func(w *world) {
		a := w.c("a/1")
		a.intents = append(a.intents, intentRow{at: 2, id: 9, group: "g", kind: addK, data: "d", state: failed, reason: "permission"})
		a.trans = append(a.trans, transRow{at: 2, intent: 9, group: "g", from: toSend, to: failed, reason: "permission", epoch: 2})
	}, nil, ""},
	// S10 for the policy kinds (policyNoop)
	{"S10/admins-noop-but-changes", "S10", "intent 9 (UPDATE_ADMINS) ended NOOP at epoch 2, but the policy there was super=a admins=", func(w *world) {
		a := w.c("a/1")
		a.intents = append(a.intents, intentRow{at: 2, id: 9, group: "g", kind: checker.KindUpdateAdmins, data: "+b", state: committed, reason: "noop"})
		a.trans = append(a.trans, transRow{at: 2, intent: 9, group: "g", from: toSend, to: committed, reason: "noop", epoch: 2})
	}, nil, ""},
}

// The healthy world is clean, and its extra copies are attributed to the
// justified re-sends.
func TestComparisonsHealthyWorld(t *testing.T) {
	c := healthy().run(t)
	require.Empty(t, describe(c.Violations()))
	var got []string
	for _, x := range c.Copies() {
		got = append(got, fmt.Sprintf("%d of %d by %s: %s", x.Seq, x.FirstSeq, x.Publisher, x.Because))
	}
	require.Equal(t, []string{
		"6 of 5 by b/1: re-sent at step 2 after publish at step 1 failed; the sync begun at step 1 read to head 4 without finding it",
		"8 of 4 by a/1: re-sent at step 1 after publish at step 1 failed; the sync begun at step 1 read to head 3 without finding it",
		"9 of 4 by a/1: re-sent at step 1 after publish at step 1 failed; the sync begun at step 1 read to head 3 without finding it",
	}, got)
}

// The other bases are clean too.
func TestComparisonsCleanVariants(t *testing.T) {
	for name, base := range map[string]func() *world{"lateConfirm": lateConfirm, "regrown": regrown, "overtaken": overtaken} {
		t.Run(name, func(t *testing.T) {
			w := base()
			require.Empty(t, describe(w.run(t).Violations()))
			require.Empty(t, w.withheld)
		})
	}
	t.Run("withheld", func(t *testing.T) {
		w := withheld()
		require.Empty(t, describe(w.run(t).Violations()))
		require.Equal(t, []checker.Withheld{{Group: "g", Installation: "c/1", CommitSeq: 2, Withholder: "a/1"}}, w.withheld)
	})
}

func TestComparisons(t *testing.T) {
	names := map[string]bool{}
	for _, tc := range comparisons {
		require.False(t, names[tc.name], "two fixtures named %s", tc.name)
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			base := tc.base
			if base == nil {
				base = healthy
			}
			w := base()
			tc.brk(w)
			vs := w.run(t).Violations()
			want := map[string]bool{tc.want: true}
			if tc.with != "" {
				want[tc.with] = true
			}
			require.Equal(t, want, properties(vs), "want %s alone; got:\n%s", tc.want, describe(vs))
			// One fault is reported once: the same violation twice
			// is a checker that judged the same thing twice.
			seen := map[string]bool{}
			for _, v := range vs {
				require.False(t, seen[v.String()], "reported twice: %s", v)
				seen[v.String()] = true
			}
			require.True(t, slices.ContainsFunc(vs, func(v checker.Violation) bool { return strings.Contains(v.Message, tc.says) }),
				"no %s violation says %q; got:\n%s", tc.want, tc.says, describe(vs))
		})
	}
	// Every property has at least one fixture.
	for p := range checker.PropertyNames {
		require.True(t, slices.ContainsFunc(comparisons, func(tc comparison) bool { return tc.want == p }), "no fixture for %s", p)
	}
}

func describe(vs []checker.Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// secondDevice gives account a a second installation, a/2, with no key
// package left: the add NOOP in "solo" (intent 8, of account a) skipped it.
func secondDevice(w *world) {
	w.dir["a"] = []string{"a/1", "a/2"}
	w.c("a/1").intent(8).skipped = append(w.c("a/1").intent(8).skipped, "a/2")
}
