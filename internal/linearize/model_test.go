package linearize

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"
)

// The hand-written histories: a payload is named by a string, its
// timestamp is 100 times its seq.

func pub(client, topic, payload string, call, ret int64, seq uint64) Op {
	return Op{Client: client, Kind: Publish, Topic: topic, Call: call, Return: ret,
		Payload: DigestOf([]byte(payload)), Seq: seq, TimestampNs: int64(seq) * 100}
}

func lost(client, topic, payload string, call int64) Op {
	return Op{Client: client, Kind: Publish, Topic: topic, Call: call, Unknown: true, Payload: DigestOf([]byte(payload))}
}

// read returns records named "seq:payload" (the timestamp 100*seq) or
// "seq:payload@ts".
func read(client, topic string, call, ret int64, after uint64, limit int, head uint64, recs ...string) Op {
	op := Op{Client: client, Kind: Query, Topic: topic, Call: call, Return: ret, After: after, Limit: limit, Head: head}
	for _, r := range recs {
		var seq uint64
		var ts int64
		name, at, _ := strings.Cut(r, "@")
		s, payload, _ := strings.Cut(name, ":")
		for _, c := range s {
			seq = seq*10 + uint64(c-'0')
		}
		ts = int64(seq) * 100
		if at != "" {
			ts = 0
			for _, c := range at {
				ts = ts*10 + int64(c-'0')
			}
		}
		op.Records = append(op.Records, Record{Seq: seq, TimestampNs: ts, Payload: DigestOf([]byte(payload))})
	}
	return op
}

// deliv is a subscription's delivery arriving at time at.
func deliv(client, topic string, at int64, rec string) Op {
	op := read(client, topic, at, at, 0, 0, 0, rec)
	op.Kind = Delivery
	return op
}

var histories = []struct {
	name string
	ok   bool
	h    History
}{
	{"sequential appends then a read", true, History{
		pub("a", "t", "x", 0, 1, 1), pub("a", "t", "y", 2, 3, 2),
		read("b", "t", 4, 5, 0, 0, 2, "1:x", "2:y"),
	}},
	{"overlapping appends in either order", true, History{
		pub("a", "t", "x", 0, 10, 2), pub("b", "t", "y", 1, 9, 1),
		read("c", "t", 11, 12, 0, 0, 2, "1:y", "2:x"),
	}},
	{"a read during an append sees it or not", true, History{
		pub("a", "t", "x", 0, 10, 1),
		read("b", "t", 1, 2, 0, 0, 0),
		read("c", "t", 3, 4, 0, 0, 1, "1:x"),
	}},
	{"a page cut by its limit, the head beyond", true, History{
		pub("a", "t", "x", 0, 1, 1), pub("a", "t", "y", 2, 3, 2), pub("a", "t", "z", 4, 5, 3),
		read("b", "t", 6, 7, 0, 2, 3, "1:x", "2:y"),
		read("b", "t", 8, 9, 2, 2, 3, "3:z"),
		read("b", "t", 10, 11, 5, 0, 3),
	}},
	{"an unknown publish that landed, read twice alike", true, History{
		lost("a", "t", "x", 0), pub("b", "t", "y", 5, 6, 2),
		read("c", "t", 7, 8, 0, 0, 2, "1:x@42", "2:y"),
		read("c", "t", 9, 10, 0, 1, 2, "1:x@42"),
	}},
	{"an unknown publish that never landed", true, History{
		lost("a", "t", "x", 0), pub("b", "t", "y", 5, 6, 1),
		read("c", "t", 7, 8, 0, 0, 1, "1:y"),
	}},
	{"an unknown publish no read showed, at a seq no one else took", true, History{
		pub("a", "t", "x", 0, 1, 1), lost("b", "t", "u", 2), pub("a", "t", "z", 3, 4, 3),
		read("c", "t", 5, 6, 2, 0, 3, "3:z"),
	}},
	{"an unknown publish re-sent, both copies landed", true, History{
		lost("a", "t", "x", 0), pub("a", "t", "x", 5, 6, 2),
		read("c", "t", 7, 8, 0, 0, 2, "1:x@42", "2:x"),
	}},
	{"two unknown copies of one payload, one landed", true, History{
		lost("a", "t", "x", 0), lost("a", "t", "x", 1),
		read("c", "t", 7, 8, 0, 0, 1, "1:x@42"),
	}},
	{"deliveries of what was stored, one during its publish", true, History{
		pub("a", "t", "x", 0, 10, 1), deliv("s", "t", 5, "1:x"),
		lost("a", "t", "y", 11), deliv("s", "t", 20, "2:y@42"),
		read("c", "t", 21, 22, 1, 0, 2, "2:y@42"),
	}},
	{"topics are independent", true, History{
		pub("a", "t", "x", 0, 1, 1), pub("a", "u", "x", 2, 3, 1),
		read("b", "u", 4, 5, 0, 0, 1, "1:x"),
	}},

	{"a stale read after an acknowledged append", false, History{
		pub("a", "t", "x", 0, 1, 1),
		read("b", "t", 2, 3, 0, 0, 0),
	}},
	{"two appends given one seq", false, History{
		pub("a", "t", "x", 0, 10, 1), pub("b", "t", "y", 1, 9, 1),
	}},
	{"a gap: seq 2 with no seq 1", false, History{
		pub("a", "t", "x", 0, 1, 2),
	}},
	{"a page missing its last record, the true head", false, History{
		pub("a", "t", "x", 0, 1, 1), pub("a", "t", "y", 2, 3, 2),
		read("b", "t", 4, 5, 0, 0, 2, "1:x"),
	}},
	{"a record that changed", false, History{
		pub("a", "t", "x", 0, 10, 1),
		read("b", "t", 1, 2, 0, 0, 1, "1:x"),
		read("b", "t", 3, 4, 0, 0, 1, "1:z"),
	}},
	{"two records swapped", false, History{
		pub("a", "t", "x", 0, 1, 1), pub("a", "t", "y", 2, 3, 2),
		read("b", "t", 4, 5, 0, 0, 2, "1:y", "2:x"),
	}},
	{"the head going back", false, History{
		pub("a", "t", "x", 0, 20, 1), pub("b", "t", "y", 0, 20, 2),
		read("c", "t", 1, 2, 0, 0, 2, "1:x", "2:y"),
		read("c", "t", 3, 4, 1, 0, 1),
	}},
	{"a record that vanished", false, History{
		pub("a", "t", "x", 0, 1, 1),
		read("b", "t", 2, 3, 0, 0, 1, "1:x"),
		read("b", "t", 4, 5, 0, 0, 0),
	}},
	{"an unknown publish read with two timestamps", false, History{
		lost("a", "t", "x", 0),
		read("c", "t", 7, 8, 0, 0, 1, "1:x@42"),
		read("c", "t", 9, 10, 0, 0, 1, "1:x@43"),
	}},
	{"an unknown publish read at a seq another publish was given", false, History{
		lost("a", "t", "u", 0), pub("b", "t", "y", 1, 2, 1),
		read("c", "t", 7, 8, 0, 0, 1, "1:u@42"),
	}},
	{"an unseen unknown publish cannot fill a seq a read shows otherwise", false, History{
		pub("a", "t", "x", 0, 1, 1), lost("b", "t", "u", 2), pub("a", "t", "z", 3, 4, 3),
		read("c", "t", 5, 6, 0, 0, 3, "1:x", "2:w", "3:z"),
	}},
	{"an unseen unknown publish cannot explain a head beyond the answers", false, History{
		pub("a", "t", "x", 0, 1, 1), lost("b", "t", "u", 2),
		read("c", "t", 5, 6, 0, 0, 3, "1:x", "2:w", "3:v"),
	}},
	{"a delivery before anything was published", false, History{
		deliv("s", "t", 1, "1:x"), pub("a", "t", "x", 2, 3, 1),
	}},
	{"a delivery unlike what a read shows at its seq", false, History{
		pub("a", "t", "x", 0, 1, 1), deliv("s", "t", 2, "1:z"),
	}},
	{"two deliveries of an unknown publish with two timestamps", false, History{
		lost("a", "t", "x", 0), deliv("s", "t", 5, "1:x@42"), deliv("r", "t", 6, "1:x@43"),
	}},
	{"a read timestamp unlike the publish's answer", false, History{
		pub("a", "t", "x", 0, 1, 1),
		read("b", "t", 2, 3, 0, 0, 1, "1:x@7"),
	}},
	{"a record no one published", false, History{
		read("b", "t", 2, 3, 0, 0, 1, "1:x"),
	}},
	{"one broken topic among good ones", false, History{
		pub("a", "t", "x", 0, 1, 1), read("b", "t", 2, 3, 0, 0, 1, "1:x"),
		pub("a", "u", "x", 0, 1, 1), read("b", "u", 2, 3, 0, 0, 0),
	}},
}

func TestModelOnHandWrittenHistories(t *testing.T) {
	for _, c := range histories {
		t.Run(c.name, func(t *testing.T) {
			ok, info := Check(c.h)
			if ok != c.ok {
				t.Fatalf("linearizable = %v, want %v (%s)", ok, c.ok, info)
			}
			want := porcupine.Ok
			if !c.ok {
				want = porcupine.Illegal
			}
			if info.Result != want {
				t.Fatalf("result %s, want %s", info.Result, want)
			}
			// The partition by topic and what Check settles of unknown
			// outcomes change nothing but speed: the whole history under
			// one state of every topic, unknown outcomes left to
			// porcupine, agrees.
			if got := plainCheck(c.h); got != c.ok {
				t.Fatalf("unpartitioned, unsettled: linearizable = %v, want %v", got, c.ok)
			}
		})
	}
}

func TestFailingNamesTheTopic(t *testing.T) {
	h := histories[len(histories)-1].h
	ok, info := Check(h)
	if ok || len(info.Failing) != 1 || info.Failing[0] != "u" {
		t.Fatalf("ok %v, failing %v, want [u]", ok, info.Failing)
	}
	if !strings.Contains(info.String(), "not linearizable: u") {
		t.Fatalf("summary %q does not name u", info)
	}
	path := filepath.Join(t.TempDir(), "history.html")
	if err := info.WriteHTML(path); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(page, []byte("publish(u,")) {
		t.Fatalf("visualization: %v, %d bytes, no publish(u, …)", err, len(page))
	}
}

// A sink's lines: a call still pending when the process died is a publish
// of unknown outcome (or a query left out); a failed call is left out; a
// last line cut short is ignored.
func TestReadHistoryCompletesPendingCalls(t *testing.T) {
	var buf bytes.Buffer
	r := NewRecorder("a")
	r.Sink(&buf)
	p := r.Begin(Op{Kind: Publish, Topic: "t", Payload: DigestOf([]byte("x"))})
	r.End(p, Op{Seq: 1, TimestampNs: 100})
	r.Begin(Op{Kind: Publish, Topic: "t", Payload: DigestOf([]byte("y"))}) // killed here
	r.Begin(Op{Kind: Query, Topic: "t"})                                   // and here
	f := r.Begin(Op{Kind: Publish, Topic: "t", Payload: DigestOf([]byte("z"))})
	r.Fail(f, false)
	u := r.Begin(Op{Kind: Publish, Topic: "t", Payload: DigestOf([]byte("w"))})
	r.Fail(u, true)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	// The process restarted under the same name: its IDs count from 1
	// again.
	r2 := NewRecorder("a")
	r2.Sink(&buf)
	p2 := r2.Begin(Op{Kind: Publish, Topic: "t", Payload: DigestOf([]byte("v"))})
	r2.End(p2, Op{Seq: 3, TimestampNs: 300})
	buf.WriteString(`{"client":"a","id":9,"ki`)
	h, err := ReadHistory(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 4 || h[0].Seq != 1 || !h[1].Unknown || !h[2].Unknown || h[1].Payload != DigestOf([]byte("y")) || h[3].Seq != 3 {
		t.Fatalf("history %+v", h)
	}
	if mem := r.History(); len(mem) != 2 || mem[0].Seq != 1 || !mem[1].Unknown {
		t.Fatalf("in memory %+v", mem)
	}
	if ok, info := Check(h); !ok {
		t.Fatal(info)
	}
}

// plainCheck is porcupine on the history as recorded: no partition, every
// unknown outcome left to the search.
func plainCheck(h History) bool {
	whole := NewModel(1000)
	whole.Partition = nil
	return porcupine.CheckOperations(whole, (&Info{}).operations(h, false))
}

// Two processes' sinks, the first cut short mid-line by a kill: read each
// on its own and merged in the order of one machine-wide clock.
func TestReadFilesMergesProcesses(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, cut bool, payloads ...string) string {
		path := filepath.Join(dir, name+".jsonl")
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := NewRecorder(name)
		r.Sink(f)
		for _, p := range payloads {
			id := r.Begin(Op{Kind: Publish, Topic: "t", Payload: DigestOf([]byte(p))})
			r.End(id, Op{Seq: uint64(p[0] - '0'), TimestampNs: int64(p[0]-'0') * 100})
		}
		if cut {
			_, _ = f.WriteString(`{"client":"` + name + `","id":`)
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	a := write("a", true, "1", "2")
	b := write("b", false, "3")
	h, err := ReadFiles(b, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[0].Client != "a" || h[1].Client != "a" || h[2].Client != "b" || h[1].Return > h[2].Call {
		t.Fatalf("merged %+v", h)
	}
	if ok, info := Check(h); !ok {
		t.Fatal(info)
	}
}
