package checker_test

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/store"
	"github.com/mlsim/mlsim/wire"
)

// A small language for hand-built worlds: a server log of envelopes, a key
// package directory, the clients' network calls and, per client, the rows
// its store holds — written with plain SQL into real SQLite stores, so the
// checker reads them with its own queries exactly as it reads an engine's.
// No engine and no MLS run: a world is built in microseconds, and a test
// can break any one row.
//
// Everything carries the step it appears in (at; 0 means the first), so a
// world can grow over steps the way a run does (S2 and S10 compare with an
// earlier read; S9 follows calls across steps).
//
// Hashes are written as tokens, resolved when the world runs, so that a
// test that changes an envelope changes every row naming it:
//   - "@N" is the hash of record N of group/g, "@<topic>:N" of another topic's;
//   - "~text" is the hash of the bytes "text" (a payload never on the log);
//   - "" is no hash; anything else is literal hex.
// A message id "commit:@N" is the membership row id of the commit at N
// ("commit:" and the first 16 hex digits of its hash).

type (
	rec struct {
		at       int
		env      *wire.Envelope // nil: raw
		raw      []byte
		injected bool
		by       string // the publisher, when not the envelope's sender (a replay)
	}
	groupRow struct {
		at                    int
		id                    string
		epoch, joined, remove uint64
		broken                string
	}
	cursorRow struct {
		at     int
		group  string
		cursor uint64
	}
	memberRow struct {
		group string
		ids   []string
	}
	epochRow struct {
		at         int
		group      string
		epoch, seq uint64
		hash, auth string // hash: a token; auth: the bytes themselves
		via        string
	}
	msgRow struct {
		at         int
		group, id  string
		kind       checker.MessageKind
		sender     string
		seq, epoch uint64
		body       string
	}
	intentRow struct {
		at       int
		id       int64
		group    string
		kind     checker.IntentKind
		data     string
		state    checker.IntentState
		reason   string
		attempts []string // hash tokens, in attempt order
		skipped  []string // for the attempt after the last (a NOOP's)
	}
	transRow struct {
		at       int
		intent   int64
		group    string
		from, to checker.IntentState
		reason   string
		epoch    uint64
		hash     string // token
	}
	callRow struct {
		checker.Call        // Payload is filled from payload when the world runs
		payload      string // a token naming the bytes: "@N", "@<topic>:N" or "~text"
	}
)

// client is one installation's store, as rows.
type client struct {
	id      string
	groups  []groupRow
	cursors []cursorRow
	members []memberRow
	epochs  []epochRow
	intents []intentRow
	trans   []transRow
	msgs    []msgRow
	// policy, if set, is the group policy every group row of the client
	// is written with; otherwise the default with account a as super
	// admin (every fixture's creator is a/1).
	policy *wire.Policy
}

// world is everything a checker reads.
type world struct {
	log     map[string][]rec // topic -> records, seq = index + 1
	dir     map[string][]string
	kps     map[string]int
	revoked map[string]bool
	clients []*client
	calls   []callRow
	// withholders are declared to Final; withheld is what it returned.
	withholders []string
	withheld    []checker.Withheld
	reattach    bool // attach every store again before each step after the first (a restart)
	dirless     bool // the checker has no key package directory
	// viaRecords attaches each store as the observation records a
	// StoreObserver makes of it (records_test.go), not as a store.
	viaRecords bool
}

func newWorld() *world {
	return &world{log: map[string][]rec{}, dir: map[string][]string{}, kps: map[string]int{}}
}

// c returns the client, created on first use.
func (w *world) c(id string) *client {
	for _, c := range w.clients {
		if c.id == id {
			return c
		}
	}
	c := &client{id: id}
	w.clients = append(w.clients, c)
	return c
}

// put appends an envelope to its group's topic at step at.
func (w *world) put(at int, e wire.Envelope) {
	topic := wire.GroupTopic(e.GroupID)
	w.log[topic] = append(w.log[topic], rec{at: at, env: &e})
}

// putRaw appends raw bytes to a topic.
func (w *world) putRaw(at int, topic string, payload []byte, injected bool) {
	w.log[topic] = append(w.log[topic], rec{at: at, raw: payload, injected: injected})
}

// env is record seq of group/g, to change before the world runs.
func (w *world) env(seq int) *wire.Envelope { return w.log[wire.GroupTopic("g")][seq-1].env }

func (r rec) payload() []byte {
	if r.env != nil {
		return r.env.Encode()
	}
	return r.raw
}

func (r rec) publisher() string {
	if r.by != "" {
		return r.by
	}
	if r.env != nil {
		return r.env.Sender
	}
	return ""
}

// bytesOf resolves a payload token.
func (w *world) bytesOf(token string) []byte {
	if text, ok := strings.CutPrefix(token, "~"); ok {
		return []byte(text)
	}
	ref, ok := strings.CutPrefix(token, "@")
	if !ok {
		panic("not a payload token: " + token)
	}
	topic := wire.GroupTopic("g")
	if i := strings.LastIndexByte(ref, ':'); i >= 0 {
		topic, ref = ref[:i], ref[i+1:]
	}
	n, err := strconv.Atoi(ref)
	if err != nil || n < 1 || n > len(w.log[topic]) {
		panic("no record " + token)
	}
	return w.log[topic][n-1].payload()
}

// hash resolves a hash token to hex.
func (w *world) hash(token string) string {
	if token == "" || (token[0] != '@' && token[0] != '~') {
		return token
	}
	sum := wire.Hash(w.bytesOf(token))
	return hex.EncodeToString(sum[:])
}

// messageID resolves "commit:@N".
func (w *world) messageID(id string) string {
	if token, ok := strings.CutPrefix(id, "commit:"); ok && strings.HasPrefix(token, "@") {
		return "commit:" + w.hash(token)[:16]
	}
	return id
}

func (w *world) blob(token string) []byte {
	b, err := hex.DecodeString(w.hash(token))
	if err != nil {
		panic(fmt.Sprintf("hash %q: %v", token, err))
	}
	return b
}

// last is the last step anything appears in.
func (w *world) last() int {
	n := 1
	see := func(at int) { n = max(n, at) }
	for _, recs := range w.log {
		for _, r := range recs {
			see(r.at)
		}
	}
	for _, call := range w.calls {
		see(call.Step)
	}
	for _, c := range w.clients {
		for _, r := range c.groups {
			see(r.at)
		}
		for _, r := range c.cursors {
			see(r.at)
		}
		for _, r := range c.epochs {
			see(r.at)
		}
		for _, r := range c.intents {
			see(r.at)
		}
		for _, r := range c.trans {
			see(r.at)
		}
		for _, r := range c.msgs {
			see(r.at)
		}
	}
	return n
}

func step(at int) int { return max(at, 1) }

// run builds the stores, steps a checker through the world and runs the
// final checks; it returns the checker.
func (w *world) run(t *testing.T) *checker.Checker {
	t.Helper()
	view := &worldLog{w: w}
	cfg := checker.Config{MaxPastEpochs: 3, Log: view, Directory: worldDir{w}}
	if w.dirless {
		cfg.Directory = nil
	}
	c := checker.New(cfg)
	dbs := map[string]*store.DB{}
	feeds := map[string]*recordsFeed{}
	attach := func(id string) {
		if w.viaRecords {
			feeds[id].restart()
			c.AttachRecords(id, feeds[id].rec)
			return
		}
		c.Attach(id, observe.Store(dbs[id]))
	}
	for _, cl := range w.clients {
		db, err := store.OpenMemory()
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		dbs[cl.id] = db
		if w.viaRecords {
			feeds[cl.id] = newRecordsFeed(observe.Store(db))
		}
		attach(cl.id)
	}
	// poll feeds every Records what its store gained, and checks that
	// the two sources answer the same.
	poll := func(final bool) {
		for _, cl := range w.clients {
			if f := feeds[cl.id]; f != nil {
				f.poll(t, cl.id, final)
			}
		}
	}
	last := w.last()
	for k := 1; k <= last; k++ {
		view.now = k
		if w.reattach && k > 1 {
			for _, cl := range w.clients {
				attach(cl.id)
			}
		}
		for _, cl := range w.clients {
			require.NoError(t, w.write(dbs[cl.id], cl, k), "%s at step %d", cl.id, k)
		}
		poll(false)
		var calls []checker.Call
		for _, call := range w.calls {
			if step(call.Step) == k {
				if call.payload != "" {
					call.Payload = w.bytesOf(call.payload)
				}
				call.Step = k
				calls = append(calls, call.Call)
			}
		}
		require.NoError(t, c.Step(k, calls))
	}
	poll(true)
	var err error
	w.withheld, err = c.Final(last+1, w.withholders)
	require.NoError(t, err)
	return c
}

// write inserts a client's rows of step k, in one transaction (if any).
func (w *world) write(db *store.DB, cl *client, k int) error {
	var stmts []func(engine.Tx) error
	exec := func(query string, args ...any) {
		stmts = append(stmts, func(tx engine.Tx) error {
			_, err := tx.Exec(query, args...)
			return err
		})
	}
	for _, r := range cl.groups {
		if step(r.at) == k {
			exec(`INSERT OR REPLACE INTO groups(id, created_at_ns, membership_state, epoch, joined_epoch, removed_at_seq, broken)
				VALUES (?, 0, 1, ?, ?, ?, ?)`, r.id, r.epoch, r.joined, r.remove, r.broken)
			pol := wire.DefaultPolicy("a")
			if cl.policy != nil {
				pol = *cl.policy
			}
			exec(`INSERT OR REPLACE INTO group_policy(group_id, epoch, policy) VALUES (?, ?, ?)`, r.id, r.epoch, wire.EncodePolicy(pol))
		}
	}
	for _, r := range cl.cursors {
		if step(r.at) == k {
			exec(`INSERT OR REPLACE INTO topic_refresh_state(topic, cursor) VALUES (?, ?)`, wire.GroupTopic(r.group), r.cursor)
		}
	}
	if k == 1 {
		for _, r := range cl.members {
			for _, id := range r.ids {
				exec(`INSERT INTO group_members(group_id, installation_id, since_epoch) VALUES (?, ?, 0)`, r.group, id)
			}
		}
	}
	for _, r := range cl.epochs {
		if step(r.at) == k {
			exec(`INSERT INTO epoch_history(group_id, epoch, commit_seq, commit_hash, authenticator, via) VALUES (?, ?, ?, ?, ?, ?)`,
				r.group, r.epoch, r.seq, w.blob(r.hash), []byte(r.auth), r.via)
		}
	}
	for _, r := range cl.intents {
		if step(r.at) != k {
			continue
		}
		exec(`INSERT INTO group_intents(id, kind, group_id, publish_data, state, reason, attempts) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.id, r.kind, r.group, []byte(r.data), r.state, r.reason, len(r.attempts))
		for i, h := range r.attempts {
			exec(`INSERT INTO intent_attempts(hash, intent_id, attempt) VALUES (?, ?, ?)`, w.blob(h), r.id, i+1)
		}
		for _, id := range r.skipped {
			exec(`INSERT INTO intent_skipped(intent_id, attempt, installation_id, epoch) VALUES (?, ?, ?, 0)`, r.id, len(r.attempts)+1, id)
		}
	}
	for _, r := range cl.trans {
		if step(r.at) == k {
			var hash []byte
			if r.hash != "" {
				hash = w.blob(r.hash)
			}
			exec(`INSERT INTO intent_transitions(intent_id, group_id, from_state, to_state, reason, epoch, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				r.intent, r.group, r.from, r.to, r.reason, r.epoch, hash)
		}
	}
	for _, r := range cl.msgs {
		if step(r.at) == k {
			exec(`INSERT INTO group_messages(id, group_id, decrypted_message_bytes, sent_at_ns, kind, sender_installation_id, sender_account, seq, epoch)
				VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)`, w.messageID(r.id), r.group, []byte(r.body), r.kind, r.sender, account(r.sender), r.seq, r.epoch)
		}
	}
	if len(stmts) == 0 {
		return nil
	}
	return db.Update(func(tx engine.Tx) error {
		for _, s := range stmts {
			if err := s(tx); err != nil {
				return err
			}
		}
		return nil
	})
}

func account(installation string) string {
	if i := strings.LastIndexByte(installation, '/'); i > 0 {
		return installation[:i]
	}
	return installation
}

// worldLog is the world's log as of step now: each topic's records that
// have landed (a record lands at its step, and never before the records
// ahead of it).
type worldLog struct {
	w   *world
	now int
}

func (l *worldLog) landed(topic string) []rec {
	recs := l.w.log[topic]
	for i, r := range recs {
		if step(r.at) > l.now {
			return recs[:i]
		}
	}
	return recs
}

func (l *worldLog) Topics() []string {
	var out []string
	for topic := range l.w.log {
		if len(l.landed(topic)) > 0 {
			out = append(out, topic)
		}
	}
	sort.Strings(out)
	return out
}

func (l *worldLog) Count() uint64 {
	n := 0
	for topic := range l.w.log {
		n += len(l.landed(topic))
	}
	return uint64(n)
}

func (l *worldLog) Records(topic string, after uint64) []checker.Record {
	recs := l.landed(topic)
	var out []checker.Record
	for i := after; i < uint64(len(recs)); i++ {
		r := recs[i]
		out = append(out, checker.Record{Seq: i + 1, Payload: r.payload(), Publisher: r.publisher(), Injected: r.injected})
	}
	return out
}

type worldDir struct{ w *world }

func (d worldDir) Installations(account string) []string { return d.w.dir[account] }
func (d worldDir) KeyPackages(installation string) int   { return d.w.kps[installation] }
func (d worldDir) Revoked(installation string) bool      { return d.w.revoked[installation] }

// Row finders, for the tests that break one row.

func (c *client) group(id string) *groupRow {
	for i := range c.groups {
		if c.groups[i].id == id {
			return &c.groups[i]
		}
	}
	panic(c.id + " holds no group " + id)
}

func (c *client) epoch(group string, epoch uint64) *epochRow {
	for i := range c.epochs {
		if c.epochs[i].group == group && c.epochs[i].epoch == epoch {
			return &c.epochs[i]
		}
	}
	panic(fmt.Sprintf("%s never entered %s epoch %d", c.id, group, epoch))
}

func (c *client) msg(id string) *msgRow {
	for i := range c.msgs {
		if c.msgs[i].id == id {
			return &c.msgs[i]
		}
	}
	panic(c.id + " stores no " + id)
}

func (c *client) intent(id int64) *intentRow {
	for i := range c.intents {
		if c.intents[i].id == id {
			return &c.intents[i]
		}
	}
	panic(fmt.Sprintf("%s has no intent %d", c.id, id))
}

// transition is intent's n-th transition (from 1).
func (c *client) transition(intent int64, n int) *transRow {
	for i := range c.trans {
		if c.trans[i].intent == intent {
			if n--; n == 0 {
				return &c.trans[i]
			}
		}
	}
	panic(fmt.Sprintf("%s: intent %d has no such transition", c.id, intent))
}

// without drops the rows that match.
func without[T any](rows []T, drop func(T) bool) []T {
	out := rows[:0:0]
	for _, r := range rows {
		if !drop(r) {
			out = append(out, r)
		}
	}
	return out
}

// renameMessage changes a message id on the log (record seq of group/g)
// and in every store.
func (w *world) renameMessage(seq int, id string) {
	old := w.env(seq).MessageID
	w.env(seq).MessageID = id
	for _, c := range w.clients {
		for i := range c.msgs {
			if c.msgs[i].id == old {
				c.msgs[i].id = id
			}
		}
	}
}
