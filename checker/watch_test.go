package checker

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeStore counts commits; with watchers it is Watched.
type fakeStore struct {
	version  uint64
	watchers []func()
}

func (s *fakeStore) Read(func(Querier) error) error { return nil }
func (s *fakeStore) Version() uint64                { return s.version }
func (s *fakeStore) commit() {
	s.version++
	for _, w := range s.watchers {
		w()
	}
}

type watchedFake struct{ *fakeStore }

func (s watchedFake) Watch(changed func()) { s.watchers = append(s.watchers, changed) }

func ids(vs []*client) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.id)
	}
	return out
}

// A Step looks at every polled client, and at a watched one only after its
// store said it committed, always in attach order; a client whose read
// failed stays due.
func TestDueClientsAreThePolledAndTheChanged(t *testing.T) {
	c := New(Config{})
	a, b, d := &fakeStore{}, &fakeStore{}, &fakeStore{}
	c.Attach("a", watchedFake{a})
	c.Attach("b", b) // Versioned only: polled
	c.Attach("d", watchedFake{d})
	require.Equal(t, []string{"a", "b", "d"}, ids(c.due()), "all new")
	require.Equal(t, []string{"b"}, ids(c.due()))

	d.commit()
	a.commit()
	a.commit()
	require.Equal(t, []string{"a", "b", "d"}, ids(c.due()), "attach order, once each")
	require.Equal(t, []string{"b"}, ids(c.due()))

	d.commit()
	due := c.due()
	c.markChanged(due...) // as Step does when a read fails
	require.Equal(t, []string{"b", "d"}, ids(c.due()))

	// A copy of the checker (a fork) is told of commits once it rewatches.
	c.Rewatch()
	a.commit()
	require.Equal(t, []string{"a", "b"}, ids(c.due()), "two watchers, one entry")

	// Re-attached to a polled store, a client is polled from then on.
	c.Attach("a", &fakeStore{})
	require.Equal(t, []string{"a", "b"}, ids(c.due()))
	require.Equal(t, []string{"a", "b"}, ids(c.due()))
}
