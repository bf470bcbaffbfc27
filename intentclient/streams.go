package intentclient

import (
	"sync"

	"github.com/mlsim/mlsim/engine"
)

// streamTracker is an installation's transport for one engine object's
// life, keeping the subscriptions it opened: an engine has no Close, and
// when it is dropped (Restart, a hook's crash) its streams must end with
// it, as a dead process's do, rather than live on over the shared
// connection.
type streamTracker struct {
	engine.Transport
	mu      sync.Mutex
	streams []engine.Stream
}

func (t *streamTracker) Subscribe(topic string, afterSeq uint64) (engine.Stream, error) {
	s, err := t.Transport.Subscribe(topic, afterSeq)
	if err == nil {
		t.mu.Lock()
		t.streams = append(t.streams, s)
		t.mu.Unlock()
	}
	return s, err
}

// closeAll ends every subscription the engine object opened (closing one
// already closed does nothing).
func (t *streamTracker) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.streams {
		s.Close()
	}
	t.streams = nil
}
