package intentclient

import (
	"fmt"
	"sync"

	"github.com/mlsim/mlsim/checker"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// recordLog is one installation's observation records for as long as the
// process lives: what its store gained, read with the checker's own
// schema reader after every call, numbered 1, 2, 3, … Observe streams
// read it; a call appends to it under the server's lock.
type recordLog struct {
	obs *checker.StoreObserver

	mu      sync.Mutex
	records []*pb.Observation
	grew    chan struct{} // closed (and replaced) when records grow
	closed  bool
}

func newRecordLog(st checker.Store) *recordLog {
	return &recordLog{obs: checker.NewStoreObserver(st), grew: make(chan struct{})}
}

// poll appends what the store gained since the last poll and returns the
// last record's seq.
func (l *recordLog) poll() (uint64, error) {
	got, err := l.obs.Poll()
	l.mu.Lock()
	defer l.mu.Unlock()
	before := len(l.records)
	defer func() {
		if len(l.records) > before {
			close(l.grew) // wake the streams for what was appended
			l.grew = make(chan struct{})
		}
	}()
	for _, o := range got {
		if want := uint64(len(l.records)) + 1; o.Seq != want {
			return uint64(len(l.records)), fmt.Errorf("observer numbered a record %d, want %d", o.Seq, want)
		}
		l.records = append(l.records, ObservationToProto(o))
	}
	return uint64(len(l.records)), err
}

// after returns the records above seq, and a channel closed when more
// arrive; done when the log is closed.
func (l *recordLog) after(seq uint64) (recs []*pb.Observation, grew <-chan struct{}, done bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq < uint64(len(l.records)) {
		recs = l.records[seq:]
	}
	return recs, l.grew, l.closed
}

// close ends the Observe streams following the log.
func (l *recordLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.grew)
	}
}

// Observe streams an installation's records above after_seq, then each
// new one, until the driver cancels or the server closes.
func (s *Server) Observe(req *pb.ObserveRequest, stream pb.IntentClientService_ObserveServer) error {
	s.mu.Lock()
	in, err := s.installation(req.GetInstallation())
	s.mu.Unlock()
	if err != nil {
		return err
	}
	seq := req.GetAfterSeq()
	for {
		recs, grew, done := in.log.after(seq)
		for _, r := range recs {
			if err := stream.Send(r); err != nil {
				return err
			}
			seq = r.GetSeq()
		}
		if len(recs) > 0 {
			continue
		}
		if done {
			return nil
		}
		select {
		case <-grew:
		case <-stream.Context().Done():
			return nil
		}
	}
}
