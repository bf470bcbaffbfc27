package live

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
)

// A client process records its network calls for the checker (S9) in a
// file of JSON lines, one file per process life: a publish is written
// when it starts and again when it ends, so that a publish cut short by
// SIGKILL — which may still land — is known; a query when it ends, with
// what it returned; a restart when the life begins. Written data survives
// SIGKILL of the writer (it is in the kernel's page cache), so no fsync.

// callLine is one line of a calls file.
type callLine struct {
	Kind    string `json:"k"` // start (publish), end (publish), query, restart
	Inst    string `json:"inst"`
	Topic   string `json:"topic,omitempty"`
	Payload []byte `json:"payload,omitempty"`
	Failed  bool   `json:"failed,omitempty"`
	After   uint64 `json:"after,omitempty"`
	Head    uint64 `json:"head,omitempty"`
	Last    uint64 `json:"last,omitempty"`
}

// callWriter appends call lines to one file; the first error stops it
// and is kept (the client process then exits: an unrecorded call would
// make the run unjudgeable).
type callWriter struct {
	w   io.Writer
	err error
}

func (cw *callWriter) write(l callLine) {
	if cw.err != nil {
		return
	}
	b, err := json.Marshal(l)
	if err == nil {
		_, err = cw.w.Write(append(b, '\n'))
	}
	if err != nil {
		cw.err = fmt.Errorf("recording calls: %w", err)
	}
}

// recordCalls wraps an installation's transport: its publishes and
// queries are written to cw.
func recordCalls(inner engine.Transport, inst string, cw *callWriter) engine.Transport {
	return &recordedTransport{Transport: inner, inst: inst, cw: cw}
}

type recordedTransport struct {
	engine.Transport
	inst string
	cw   *callWriter
}

func (t *recordedTransport) Publish(topic string, payload []byte) error {
	t.cw.write(callLine{Kind: "start", Inst: t.inst, Topic: topic, Payload: payload})
	err := t.Transport.Publish(topic, payload)
	t.cw.write(callLine{Kind: "end", Inst: t.inst, Topic: topic, Failed: err != nil})
	return err
}

func (t *recordedTransport) Query(topic string, after uint64, limit int) (engine.Page, error) {
	p, err := t.Transport.Query(topic, after, limit)
	last := after
	if n := len(p.Envelopes); n > 0 {
		last = p.Envelopes[n-1].Seq
	}
	t.cw.write(callLine{Kind: "query", Inst: t.inst, Topic: topic, Failed: err != nil, After: after, Head: p.Head, Last: last})
	return p, err
}

// callReader follows one calls file as its client process writes it.
type callReader struct {
	path    string
	offset  int64
	pending *checker.Call // a publish started, its end not read yet
	skipEnd bool          // the pending publish was handed over already
}

// read returns the calls completed since the last read, in order. A
// publish whose end is not written yet (in flight, or its process was
// killed during it) is handed over now as failed — its outcome unknown —
// so that a copy that already landed is never judged against fewer
// publishes than were made; its end line is then skipped.
func (r *callReader) read(step int) ([]checker.Call, error) {
	f, err := os.Open(r.path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(r.offset, io.SeekStart); err != nil {
		return nil, err
	}
	var out []checker.Call
	br := bufio.NewReader(f)
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			break // a partial line waits for the rest
		}
		if err != nil {
			return out, err
		}
		r.offset += int64(len(line))
		var l callLine
		if err := json.Unmarshal(bytes.TrimSpace(line), &l); err != nil {
			return out, fmt.Errorf("%s: bad line at offset %d: %w", r.path, r.offset-int64(len(line)), err)
		}
		switch l.Kind {
		case "start":
			r.pending = &checker.Call{Step: step, Installation: l.Inst, Kind: checker.CallPublish, Topic: l.Topic, Payload: l.Payload}
			r.skipEnd = false
		case "end":
			if r.pending != nil && !r.skipEnd {
				c := *r.pending
				c.Failed = l.Failed
				out = append(out, c)
			}
			r.pending, r.skipEnd = nil, false
		case "query":
			out = append(out, checker.Call{Step: step, Installation: l.Inst, Kind: checker.CallQuery, Topic: l.Topic,
				Failed: l.Failed, After: l.After, Head: l.Head, Last: l.Last})
		case "restart":
			out = append(out, checker.Call{Step: step, Installation: l.Inst, Kind: checker.CallRestart})
		default:
			return out, fmt.Errorf("%s: unknown call line kind %q", r.path, l.Kind)
		}
	}
	if r.pending != nil && !r.skipEnd {
		c := *r.pending
		c.Failed = true
		out = append(out, c)
		r.skipEnd = true
	}
	return out, nil
}
