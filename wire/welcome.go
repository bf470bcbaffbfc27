package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Welcome is what an adder puts on a joiner's welcome topic.
type Welcome struct {
	GroupID   string
	Epoch     uint64 // the epoch the joiner enters
	CommitSeq uint64 // sequence id of the commit that added it
	Adder     string
	MLS       []byte
}

// Encode returns the canonical encoding.
func (w *Welcome) Encode() []byte {
	// Sized up front: a welcome carries the group's whole state, and
	// growing the buffer by doubling copied it several times.
	wr := &writer{buf: make([]byte, 0, 5*binary.MaxVarintLen64+len(w.GroupID)+len(w.Adder)+len(w.MLS))}
	wr.uint(Version)
	wr.string(w.GroupID)
	wr.uint(w.Epoch)
	wr.uint(w.CommitSeq)
	wr.string(w.Adder)
	wr.bytes(w.MLS)
	return wr.buf
}

// DecodeWelcome parses a welcome payload.
func DecodeWelcome(payload []byte) (*Welcome, error) {
	r := &reader{buf: payload}
	if v := r.uint(); r.err == nil && v != Version {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, v)
	}
	w := &Welcome{GroupID: r.string(), Epoch: r.uint(), CommitSeq: r.uint(), Adder: r.string(), MLS: r.bytes()}
	r.done()
	if r.err != nil {
		return nil, r.err
	}
	if !bytes.Equal(w.Encode(), payload) || w.GroupID == "" || w.Epoch == 0 || w.CommitSeq == 0 || len(w.MLS) == 0 {
		return nil, fmt.Errorf("%w: welcome not canonical or incomplete", ErrMalformed)
	}
	return w, nil
}
