package engine_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// The engine's cost for one commit and one received commit, next to the
// same operations on raw go-mls (bench_gomls_test.go) in one run:
//
//	go test ./engine -run XXX -bench 'Commit' -count 6 | benchstat -col /layer -
//
// "create" is the committer's whole path: record a KEY_UPDATE intent,
// build and publish the commit, read it back and adopt it. "handle" is a
// receiver's sync of one commit. Both persist every state change in
// SQLite; go-mls alone does not.
var benchSizes = []int{8, 64}

func BenchmarkCommitCreate(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d/layer=engine", n), func(b *testing.B) {
			w := benchWorld(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				commitOnce(b, w, "m0/1")
			}
		})
		b.Run(fmt.Sprintf("members=%d/layer=gomls", n), func(b *testing.B) {
			g := newRawGroup(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				g.commit(b, 0)
			}
		})
	}
}

func BenchmarkCommitHandle(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d/layer=engine", n), func(b *testing.B) {
			w := benchWorld(b, n)
			r := w.c("m1/1")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				commitOnce(b, w, "m0/1")
				b.StartTimer()
				require.NoError(b, r.Sync("g"))
			}
		})
		b.Run(fmt.Sprintf("members=%d/layer=gomls", n), func(b *testing.B) {
			g := newRawGroup(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				pt := g.commit(b, 0)
				b.StartTimer()
				g.handle(b, 1, pt)
			}
		})
	}
}

// benchWorld is a group "g" of n single-installation accounts m0..m(n-1),
// all at epoch 1.
func benchWorld(b *testing.B, n int) *testWorld {
	b.Helper()
	w := newWorld(5)
	var ids, accounts []string
	for i := 0; i < n; i++ {
		ids = append(ids, fmt.Sprintf("m%d/1", i))
		accounts = append(accounts, fmt.Sprintf("m%d", i))
	}
	w.add(b, ids...)
	require.NoError(b, w.c(ids[0]).CreateGroup("g"))
	need(b).intent(w.c(ids[0]).AddMembers("g", accounts[1:]...))
	w.settle(b)
	return w
}

// commitOnce has the installation rotate its keys and read the commit back.
func commitOnce(b *testing.B, w *testWorld, id string) {
	c := w.c(id)
	_, err := c.KeyUpdate("g")
	require.NoError(b, err)
	_, err = c.PublishNext("g")
	require.NoError(b, err)
	require.NoError(b, c.Sync("g"))
}
