package faultwrap

import "github.com/mlsim/mlsim/engine"

// Subscribing and taking a delivery are network calls like the others: a
// crash can hit before or after each (a delivery taken and then lost to a
// crash is one the restarted client never processed: it subscribes again
// from its cursor), and a broken stream's error is counted at its site.

func (t *crashTransport) Subscribe(topic string, afterSeq uint64) (engine.Stream, error) {
	var s engine.Stream
	err := t.around("Subscribe", func() error {
		var err error
		s, err = t.inner.Subscribe(topic, afterSeq)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &crashStream{inner: s, t: t}, nil
}

// crashStream is a subscription taken through a client's crash wrapper.
type crashStream struct {
	inner engine.Stream
	t     *crashTransport
}

func (s *crashStream) Next() (engine.TopicEnvelope, bool, error) {
	var env engine.TopicEnvelope
	var ok bool
	err := s.t.around("Next", func() error {
		var err error
		env, ok, err = s.inner.Next()
		return err
	})
	return env, ok, err
}

// Close is local (the client drops its end): no boundary.
func (s *crashStream) Close() { s.inner.Close() }
