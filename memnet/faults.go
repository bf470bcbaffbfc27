package memnet

// Fault is a network fault that can be armed for an installation's next
// publish or query.
type Fault int

const (
	// PublishLost: the payload is not stored; an error is returned.
	PublishLost Fault = iota + 1
	// PublishAmbiguous: the payload is stored; an error is returned anyway.
	PublishAmbiguous
	// PublishDelayed: the payload is stored later (after other envelopes,
	// at the latest on Heal); an error is returned.
	PublishDelayed
	// QueryError: the query fails.
	QueryError
	// QueryShortPage: the query returns fewer envelopes than it could.
	QueryShortPage
	// DirectoryError: the next key package upload or fetch fails (the
	// directory is unreachable while the topics are not). A partition
	// cannot reach these calls: it fails the directory lookups that come
	// first in the same engine call.
	DirectoryError
	// StreamDrop: a delivery of one of the installation's subscriptions
	// is lost: the client sees a gap (stream.go).
	StreamDrop
	// StreamDuplicate: a delivery comes twice.
	StreamDuplicate
	// StreamDelay: a delivery comes after every other one pending.
	StreamDelay
	// StreamBreak: the subscription breaks; the client must subscribe
	// again.
	StreamBreak
)

func (f Fault) String() string {
	switch f {
	case PublishLost:
		return "publish_lost"
	case PublishAmbiguous:
		return "publish_ambiguous"
	case PublishDelayed:
		return "publish_delayed"
	case QueryError:
		return "query_error"
	case QueryShortPage:
		return "query_short_page"
	case DirectoryError:
		return "directory_error"
	case StreamDrop:
		return "stream_drop"
	case StreamDuplicate:
		return "stream_duplicate"
	case StreamDelay:
		return "stream_delay"
	case StreamBreak:
		return "stream_break"
	}
	return "fault"
}

// Arm makes the installation's next publish (for publish faults), next
// query (for query faults), next key package upload or fetch (directory
// faults) or next stream delivery (stream faults) fail that way. Faults
// queue up.
func (s *Server) Arm(installation string, f Fault) {
	switch f {
	case PublishLost, PublishAmbiguous, PublishDelayed:
		s.publishFaults[installation] = append(s.publishFaults[installation], f)
	case QueryError, QueryShortPage:
		s.queryFaults[installation] = append(s.queryFaults[installation], f)
	case DirectoryError:
		s.directoryFaults[installation] = append(s.directoryFaults[installation], f)
	case StreamDrop, StreamDuplicate, StreamDelay, StreamBreak:
		s.streams.arm(installation, f)
	}
}

// Partition cuts an installation off: every call fails until Unpartition or
// Heal, and every subscription it holds breaks.
func (s *Server) Partition(installation string) {
	s.partitioned[installation] = true
	s.streams.breakAll(installation)
}

// Unpartition reconnects an installation.
func (s *Server) Unpartition(installation string) { delete(s.partitioned, installation) }

// Partitioned reports whether an installation is cut off.
func (s *Server) Partitioned(installation string) bool { return s.partitioned[installation] }

func (s *Server) takeFault(m map[string][]Fault, who string) Fault {
	q := m[who]
	if len(q) == 0 {
		return 0
	}
	f := q[0]
	if len(q) == 1 {
		delete(m, who)
	} else {
		m[who] = q[1:]
	}
	return f
}
