package linearize

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
)

// Digest names a payload: the first 16 bytes of its SHA-256. The history
// keeps digests, not payloads.
type Digest [16]byte

// DigestOf is the digest of a payload.
func DigestOf(payload []byte) Digest {
	sum := sha256.Sum256(payload)
	var d Digest
	copy(d[:], sum[:])
	return d
}

func (d Digest) String() string { return hex.EncodeToString(d[:4]) }

// MarshalText writes the digest in hex.
func (d Digest) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(d[:])), nil }

// UnmarshalText reads the digest from hex.
func (d *Digest) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(d) {
		return fmt.Errorf("digest %q: want %d hex bytes", b, 2*len(d))
	}
	_, err := hex.Decode(d[:], b)
	return err
}

// Kind is what an operation did.
type Kind string

const (
	// Publish appended a payload to a topic.
	Publish Kind = "publish"
	// Query read a page of a topic.
	Query Kind = "query"
	// Delivery is one envelope a subscription delivered (Records holds
	// it; Call is its arrival, as Return).
	Delivery Kind = "delivery"
)

// Record is one envelope as a query returned it.
type Record struct {
	Seq         uint64 `json:"seq"`
	TimestampNs int64  `json:"ts"`
	Payload     Digest `json:"payload"`
}

// Op is one call a client made and what it observed.
type Op struct {
	Client string `json:"client"` // the recorder's name
	ID     uint64 `json:"id"`     // the recorder's count, from 1
	Kind   Kind   `json:"kind"`
	Topic  string `json:"topic"`
	Call   int64  `json:"call_ns"`
	// Return is when the answer came; zero when Pending or Unknown.
	Return int64 `json:"return_ns,omitempty"`
	// Pending: the call was made and has not returned (a line written
	// before the call; ReadHistory turns what is still pending into an
	// unknown outcome).
	Pending bool `json:"pending,omitempty"`
	// Unknown: a publish that failed in a way that may have stored it.
	Unknown bool `json:"unknown,omitempty"`
	// Failed: the call failed and changed nothing (a sink's last line for
	// it); ReadHistory leaves it out.
	Failed bool `json:"failed,omitempty"`

	// A publish: the payload sent, and when known the sequence id and
	// timestamp the server answered.
	Payload     Digest `json:"payload,omitzero"`
	Seq         uint64 `json:"seq,omitempty"`
	TimestampNs int64  `json:"ts,omitempty"`

	// A query: after which sequence id, the limit asked (0: the server's
	// page), and the answer.
	After   uint64   `json:"after,omitempty"`
	Limit   int      `json:"limit,omitempty"`
	Head    uint64   `json:"head,omitempty"`
	Records []Record `json:"records,omitempty"`
}

// History is what one or more clients observed.
type History []Op

// Merge joins histories (of several recorders or processes) in call
// order.
func Merge(hs ...History) History {
	var out History
	for _, h := range hs {
		out = append(out, h...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Call < out[j].Call })
	return out
}

// WriteJSON writes the history as JSON lines, one operation each.
func (h History) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, op := range h {
		if err := enc.Encode(op); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadHistory reads JSON lines written by WriteJSON or by a Recorder's
// sink (several files may be concatenated: the processes of a run, a
// process and its restarts). Of the lines of one operation (client, ID
// and call time, so a restarted process counting from 1 again under the
// same name is told apart) the last wins; an
// operation still pending at the end is a publish of unknown outcome or a
// query that is left out (the process died during the call). A last line
// cut short is ignored.
func ReadHistory(r io.Reader) (History, error) {
	type key struct {
		client string
		id     uint64
		call   int64
	}
	at := map[key]int{}
	var out History
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	var bad error
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if bad != nil {
			return nil, bad // a bad line that was not the last
		}
		var op Op
		if err := json.Unmarshal(line, &op); err != nil {
			bad = fmt.Errorf("history line %d: %w", n, err)
			continue
		}
		k := key{op.Client, op.ID, op.Call}
		if i, ok := at[k]; ok && op.ID != 0 {
			out[i] = op
			continue
		}
		at[k] = len(out)
		out = append(out, op)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, op := range out {
		if op.Failed {
			continue
		}
		if op.Pending {
			if op.Kind != Publish {
				continue
			}
			op.Pending, op.Unknown, op.Return = false, true, 0
		}
		kept = append(kept, op)
	}
	return Merge(kept), nil
}

// ReadFiles reads the sinks of several recorders or processes (each file
// on its own, so that one cut short does not spoil the next) and merges
// them.
func ReadFiles(paths ...string) (History, error) {
	hs := make([]History, 0, len(paths))
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		h, err := ReadHistory(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		hs = append(hs, h)
	}
	return Merge(hs...), nil
}
