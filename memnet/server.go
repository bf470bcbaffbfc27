package memnet

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/mlsim/mlsim/engine"
)

// Record is one stored envelope with what the oracle may know about it.
type Record struct {
	engine.TopicEnvelope
	Publisher string // installation that published it ("" for injected)
	Garbage   bool   // injected by the simulator, not by a client
}

// Server is the one topic server of a world.
type Server struct {
	topics     map[string][]Record
	names      []string // topic names, sorted (kept so Topics need not sort)
	records    uint64   // records appended to any topic, ever
	nowNs      int64
	tick       int64               // how far the clock moves per publish (0: timestamps tie)
	dir        map[string][][]byte // installation -> unused key packages
	accounts   map[string][]string // account -> installations, registration order
	registered map[string]bool
	revoked    map[string]bool
	// dirVersion moves whenever what the directory would answer about
	// installations changes: a registration, an upload, a revocation.
	dirVersion uint64

	publishFaults map[string][]Fault // installation -> armed publish faults
	queryFaults   map[string][]Fault
	// directoryFaults fail an installation's next key package upload or fetch.
	directoryFaults map[string][]Fault
	partitioned     map[string]bool
	delayed         []delayedPublish
	streams         streamHub // open subscriptions and armed stream faults (stream.go)
	stats           Stats
}

type delayedPublish struct {
	topic, publisher string
	payload          []byte
}

// Stats counts what the server did; tests and the simulator read it.
type Stats struct {
	Published, Lost, Ambiguous, Delayed, QueryErrors, ShortPages, Partitioned, Injected, DirectoryErrors int
	// Stream faults that fired (an armed break; a partition's breaks are not counted here).
	StreamDropped, StreamDuplicated, StreamDelayed, StreamBroken int
}

// New returns an empty server whose clock starts at startNs and moves tickNs
// per publish.
func New(startNs, tickNs int64) *Server {
	return &Server{
		topics:          map[string][]Record{},
		nowNs:           startNs,
		tick:            tickNs,
		dir:             map[string][][]byte{},
		accounts:        map[string][]string{},
		registered:      map[string]bool{},
		revoked:         map[string]bool{},
		publishFaults:   map[string][]Fault{},
		queryFaults:     map[string][]Fault{},
		directoryFaults: map[string][]Fault{},
		partitioned:     map[string]bool{},
	}
}

// ErrNetwork is wrapped by every simulated network failure.
var ErrNetwork = errors.New("network error")

// Stats returns the counts so far.
func (s *Server) Stats() Stats { return s.stats }

// SetTick changes how far the clock moves per publish (0 makes timestamps
// tie; a large value makes them jump).
func (s *Server) SetTick(ns int64) { s.tick = ns }

// Log returns a topic's records in order. The slice is the server's: do not
// modify it.
func (s *Server) Log(topic string) []Record { return s.topics[topic] }

// Topics lists topic names in sorted order. The checker asks twice per
// simulated step, so the list is kept sorted as topics appear rather than
// sorted per call (a large world has over a thousand topics).
func (s *Server) Topics() []string { return slices.Clone(s.names) }

// Records counts the records appended to any topic so far: when it has not
// moved, no log has changed.
func (s *Server) Records() uint64 { return s.records }

// LogDigest is the SHA-256 of every record of every topic, topics in name
// order and records in sequence: topic, sequence, timestamp, publisher,
// whether injected, and the payload, each length-prefixed.
func (s *Server) LogDigest() []byte {
	h := sha256.New()
	var buf []byte
	field := func(b []byte) {
		buf = binary.AppendUvarint(buf[:0], uint64(len(b)))
		h.Write(buf)
		h.Write(b)
	}
	for _, topic := range s.names {
		for _, r := range s.topics[topic] {
			field([]byte(topic))
			buf = binary.AppendUvarint(buf[:0], r.Seq)
			buf = binary.AppendVarint(buf, r.TimestampNs)
			if r.Garbage {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
			}
			h.Write(buf)
			field([]byte(r.Publisher))
			field(r.Payload)
		}
	}
	return h.Sum(nil)
}

// Head is a topic's last sequence id.
func (s *Server) Head(topic string) uint64 { return uint64(len(s.topics[topic])) }

func (s *Server) appendRecord(topic, publisher string, payload []byte, garbage bool) uint64 {
	log, known := s.topics[topic]
	if !known {
		i, _ := slices.BinarySearch(s.names, topic)
		s.names = slices.Insert(s.names, i, topic)
	}
	s.records++
	seq := uint64(len(log)) + 1
	s.topics[topic] = append(log, Record{
		TopicEnvelope: engine.TopicEnvelope{Seq: seq, TimestampNs: s.nowNs, Payload: append([]byte(nil), payload...)},
		Publisher:     publisher,
		Garbage:       garbage,
	})
	s.nowNs += s.tick
	s.streams.deliver(topic, seq)
	return seq
}

// Inject appends a payload no client published (garbage, a replay, a
// forged header), tagged so the oracle rejects it without keys.
func (s *Server) Inject(topic string, payload []byte) uint64 {
	s.stats.Injected++
	return s.appendRecord(topic, "", payload, true)
}

// Heal lands every delayed publish, in the order they were made, and lifts
// every partition and armed fault.
func (s *Server) Heal() {
	for _, d := range s.delayed {
		s.appendRecord(d.topic, d.publisher, d.payload, false)
	}
	s.delayed = nil
	s.partitioned = map[string]bool{}
	s.publishFaults = map[string][]Fault{}
	s.queryFaults = map[string][]Fault{}
	s.directoryFaults = map[string][]Fault{}
	s.streams.faults = nil // broken subscriptions stay broken: clients subscribe again
}

// LandDelayed lands the oldest delayed publish, if any; it reports whether
// one landed.
func (s *Server) LandDelayed() bool {
	if len(s.delayed) == 0 {
		return false
	}
	d := s.delayed[0]
	s.delayed = s.delayed[1:]
	s.appendRecord(d.topic, d.publisher, d.payload, false)
	return true
}

// PendingDelayed is how many delayed publishes have not landed.
func (s *Server) PendingDelayed() int { return len(s.delayed) }

// For returns the transport an installation uses.
func (s *Server) For(installation string) engine.Transport {
	return &conn{s: s, who: installation}
}

func (s *Server) netErr(who, what string) error {
	return fmt.Errorf("%s for %s: %w", what, who, ErrNetwork)
}

// KeyPackages returns the unused key packages the directory holds for an
// installation, without consuming them.
func (s *Server) KeyPackages(installation string) [][]byte {
	return append([][]byte(nil), s.dir[installation]...)
}

// Installations lists an account's registered installations, in
// registration order (what the directory answers a client).
func (s *Server) Installations(account string) []string {
	return append([]string(nil), s.accounts[account]...)
}
