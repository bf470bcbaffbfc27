package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is returned for any payload that is not a canonical
// encoding.
var ErrMalformed = errors.New("malformed payload")

// maxField bounds one length-prefixed field, so garbage cannot make the
// decoder allocate much.
const maxField = 1 << 24

type writer struct{ buf []byte }

func (w *writer) uint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }
func (w *writer) bytes(b []byte) {
	w.uint(uint64(len(b)))
	w.buf = append(w.buf, b...)
}
func (w *writer) string(s string) { w.bytes([]byte(s)) }
func (w *writer) list(items [][]byte) {
	w.uint(uint64(len(items)))
	for _, it := range items {
		w.bytes(it)
	}
}
func (w *writer) strings(items []string) {
	w.uint(uint64(len(items)))
	for _, it := range items {
		w.string(it)
	}
}

type reader struct {
	buf []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrMalformed, what)
	}
}

func (r *reader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.buf)
	if n <= 0 {
		r.fail("bad integer")
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uint()
	if r.err != nil {
		return nil
	}
	if n > maxField || n > uint64(len(r.buf)) {
		r.fail("truncated field")
		return nil
	}
	out := append([]byte(nil), r.buf[:n]...)
	r.buf = r.buf[n:]
	return out
}

func (r *reader) string() string { return string(r.bytes()) }

func (r *reader) count() int {
	n := r.uint()
	if n > uint64(len(r.buf)) { // every item takes at least one byte
		r.fail("bad count")
		return 0
	}
	return int(n)
}

func (r *reader) list() [][]byte {
	n := r.count()
	var out [][]byte
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.bytes())
	}
	return out
}

func (r *reader) strings() []string {
	n := r.count()
	var out []string
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.string())
	}
	return out
}

func (r *reader) done() {
	if r.err == nil && len(r.buf) != 0 {
		r.fail("trailing bytes")
	}
}
