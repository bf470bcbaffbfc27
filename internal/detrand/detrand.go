// Package detrand provides the deterministic random streams a world is
// driven by: a keyed SHA-256 counter stream, so that each installation's
// stream depends only on (seed, name) and never on what other clients did.
package detrand

import (
	"crypto/sha256"
	"encoding/binary"
)

// Stream is an io.Reader of pseudo-random bytes derived from a seed and a
// label. It never fails.
type Stream struct {
	key     [32]byte
	counter uint64
	buf     [32]byte
	off     int
}

// New returns the stream for (seed, label).
func New(seed uint64, label string) *Stream {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(label))
	s := &Stream{off: 32}
	copy(s.key[:], h.Sum(nil))
	return s
}

// Read fills p; it always returns len(p), nil.
func (s *Stream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if s.off == len(s.buf) {
			s.refill()
		}
		c := copy(p[n:], s.buf[s.off:])
		s.off += c
		n += c
	}
	return n, nil
}

func (s *Stream) refill() {
	var in [40]byte
	copy(in[:32], s.key[:])
	binary.BigEndian.PutUint64(in[32:], s.counter)
	s.counter++
	s.buf = sha256.Sum256(in[:])
	s.off = 0
}

// Uint64 draws 8 bytes.
func (s *Stream) Uint64() uint64 {
	var b [8]byte
	_, _ = s.Read(b[:])
	return binary.BigEndian.Uint64(b[:])
}

// Intn draws a number in [0, n); n must be positive.
func (s *Stream) Intn(n int) int {
	return int(s.Uint64() % uint64(n))
}
