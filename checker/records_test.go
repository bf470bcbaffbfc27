package checker_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
)

// recordsFeed is one client read through records: a StoreObserver over
// its store feeding a Records, as our reference client's Observe stream
// feeds a driver. It also reads the store and the records side by side
// to show that they answer the same.
type recordsFeed struct {
	store                  checker.Store
	obs                    *checker.StoreObserver
	rec                    *checker.Records
	fromStore, fromRecords *checker.Reader
}

func newRecordsFeed(s checker.Store) *recordsFeed {
	rec := checker.NewRecords()
	return &recordsFeed{store: s, obs: checker.NewStoreObserver(s), rec: rec,
		fromStore: checker.StoreReader(s), fromRecords: checker.RecordsReader(rec)}
}

// restart is the client's process starting again: a new observer, whose
// records are numbered from 1 and begin with everything the store holds.
func (f *recordsFeed) restart() {
	f.obs = checker.NewStoreObserver(f.store)
	f.rec.NewStream()
}

func (f *recordsFeed) poll(t *testing.T, id string, final bool) {
	t.Helper()
	got, err := f.obs.Poll()
	require.NoError(t, err)
	require.NoError(t, f.rec.Add(got...))
	// Final's late read first: the intents created since the last Delta.
	ls, err := f.fromStore.LateIntents()
	require.NoError(t, err)
	lr, err := f.fromRecords.LateIntents()
	require.NoError(t, err)
	if diff := cmp.Diff(ls, lr); diff != "" {
		t.Fatalf("%s: the records' late intents differ from the store's (-store +records):\n%s", id, diff)
	}
	ds, err := f.fromStore.Delta()
	require.NoError(t, err)
	dr, err := f.fromRecords.Delta()
	require.NoError(t, err)
	if diff := cmp.Diff(ds, dr); diff != "" {
		t.Fatalf("%s: the records' delta differs from the store's (-store +records):\n%s", id, diff)
	}
	if !final {
		return
	}
	ss, err := f.fromStore.State(id)
	require.NoError(t, err)
	sr, err := f.fromRecords.State(id)
	require.NoError(t, err)
	if diff := cmp.Diff(ss, sr); diff != "" {
		t.Fatalf("%s: the records' state differs from the store's (-store +records):\n%s", id, diff)
	}
}

// Every hand-built world, healthy or broken in one place, is judged the
// same read through records as read through its stores: the same
// violations, exemptions and copies. A restart (reattach) starts each
// client's stream again and re-sends what was already held.
func TestRecordsJudgeAsStores(t *testing.T) {
	bases := map[string]func() *world{"healthy": healthy, "lateConfirm": lateConfirm, "regrown": regrown,
		"overtaken": overtaken, "withheld": withheld}
	type judged struct {
		Violations []checker.Violation
		Withheld   []checker.Withheld
		Copies     []checker.ExtraCopy
	}
	judge := func(t *testing.T, build func() *world, viaRecords bool) judged {
		w := build()
		w.viaRecords = viaRecords
		c := w.run(t)
		return judged{c.Violations(), w.withheld, c.Copies()}
	}
	compare := func(t *testing.T, build func() *world) int {
		store, records := judge(t, build, false), judge(t, build, true)
		if diff := cmp.Diff(store, records); diff != "" {
			t.Fatalf("verdicts differ (-store +records):\n%s", diff)
		}
		return len(store.Violations)
	}
	for _, name := range []string{"healthy", "lateConfirm", "regrown", "overtaken", "withheld"} {
		t.Run(name, func(t *testing.T) { compare(t, bases[name]) })
	}
	t.Run("restarted", func(t *testing.T) {
		compare(t, func() *world { w := healthy(); w.reattach = true; return w })
	})
	found := 0
	for _, tc := range comparisons {
		t.Run(tc.name, func(t *testing.T) {
			found += compare(t, func() *world {
				base := tc.base
				if base == nil {
					base = healthy
				}
				w := base()
				tc.brk(w)
				return w
			})
		})
	}
	require.Positive(t, found, "no fixture found anything: the comparison proves nothing")
}
