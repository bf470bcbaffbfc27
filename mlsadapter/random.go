package mlsadapter

import (
	cryptorand "crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	mathrand "math/rand"
	"time"
)

// withSources installs the adapter's stream into go-mls's process-global
// crypto/rand source for the duration of f, and turns a go-mls panic into
// an error: malformed input must never crash the client.
func (a *Adapter) withSources(op string, f func() error) (err error) {
	return a.sourcesAround(op, a.meter, false, f)
}

// withSourcesAndMathRand is withSources for Protect, the one go-mls path
// that also reads the global math/rand (State.encrypt draws the reuse
// guard and sender-data nonce from it). Seeding math/rand costs more than
// a Protect, so the other calls skip it; TestOnlyProtectReadsMathRand
// holds go-mls to that.
func (a *Adapter) withSourcesAndMathRand(op string, f func() error) (err error) {
	return a.sourcesAround(op, a.meter, true, f)
}

// withoutRandomness runs go-mls work that needs no randomness (decoding a
// saved state, reading the authenticator) without drawing from the
// adapter's stream: reading a client — as the harness's snapshots do —
// must not move the randomness its next commit is built with. go-mls's
// crypto/rand source fails meanwhile, so a read that should not happen is
// an error, not a silent draw. meter is nil for work that is ours.
func (a *Adapter) withoutRandomness(op string, meter *Meter, f func() error) error {
	return around(op, meter, noRandomness{op}, f)
}

// noRandomness is the crypto/rand source while go-mls should need none.
type noRandomness struct{ op string }

func (n noRandomness) Read([]byte) (int, error) {
	return 0, fmt.Errorf("mls %s read randomness it should not need", n.op)
}

func (a *Adapter) sourcesAround(op string, meter *Meter, seedMathRand bool, f func() error) error {
	// Eight bytes are drawn for every call, seeded or not, so the stream's
	// position depends only on the sequence of calls.
	var seed [8]byte
	if _, rerr := io.ReadFull(a.rng, seed[:]); rerr != nil {
		return fmt.Errorf("mls %s: random source: %w", op, rerr)
	}
	if seedMathRand {
		// Re-seeding the global math/rand needs //go:debug randseednop=0 in
		// the binary.
		//lint:ignore SA1019 go-mls reads the global math/rand; seeding it is the only way to make it deterministic.
		mathrand.Seed(int64(binary.BigEndian.Uint64(seed[:])))
	}
	return around(op, meter, a.rng, f)
}

// around runs one go-mls call with source as go-mls's crypto/rand, timed
// into meter (nil: not go-mls's time), and turns a go-mls panic into an
// error: malformed input must never crash the client.
func around(op string, meter *Meter, source io.Reader, f func() error) (err error) {
	saved := cryptorand.Reader
	cryptorand.Reader = source
	var start time.Time
	if meter != nil {
		start = time.Now()
	}
	defer func() {
		if meter != nil {
			meter.Calls++
			meter.Total += time.Since(start)
		}
		cryptorand.Reader = saved
		if r := recover(); r != nil {
			err = fmt.Errorf("mls %s: %w: %v", op, ErrLibraryPanic, r)
		}
	}()
	return f()
}
