package topiclog_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/internal/topictest"
	"github.com/mlsim/mlsim/topicd"
	"github.com/mlsim/mlsim/topiclog"
)

// backends runs a test over a topicd database of each kind: the storage
// that writes it and the --db value that names it.
func backends(t *testing.T, test func(t *testing.T, s topicd.Storage, db string)) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		db := t.TempDir() + "/topics.db"
		s, err := topicd.OpenSQLite(ctx, db)
		require.NoError(t, err)
		defer s.Close()
		test(t, s, db)
	})
	t.Run("postgres", func(t *testing.T) {
		db := topictest.Postgres(t)
		s, err := topicd.OpenPostgres(ctx, db)
		require.NoError(t, err)
		defer s.Close()
		test(t, s, db)
	})
}

// The reader answers from what it read at the last Refresh: each refresh
// adds what was appended since (Records after any sequence id, Count,
// sorted Topics) and replaces the directory (installations in
// registration order, unused key packages, revocations).
func TestRefreshReadsWhatWasAppended(t *testing.T) {
	backends(t, func(t *testing.T, s topicd.Storage, db string) {
		ctx := context.Background()
		r, err := topiclog.Open(ctx, db)
		require.NoError(t, err)
		defer r.Close()
		require.NoError(t, r.Refresh(ctx))
		require.Empty(t, r.Topics())
		require.Zero(t, r.Count())

		publish := func(topic, who, body string, ts int64) {
			_, err := s.Publish(ctx, topic, who, []byte(body), ts)
			require.NoError(t, err)
		}
		publish("group/z", "a/1", "z1", 10)
		publish("group/b", "b/1", "b1", 11)
		publish("group/z", "b/1", "z2", 11)
		require.NoError(t, s.UploadKeyPackages(ctx, "a", "a/2", [][]byte{{1}, {2}}))
		require.NoError(t, s.UploadKeyPackages(ctx, "a", "a/1", [][]byte{{3}}))
		require.Zero(t, r.Count(), "nothing read before Refresh")
		require.NoError(t, r.Refresh(ctx))
		require.Equal(t, []string{"group/b", "group/z"}, r.Topics())
		require.Equal(t, uint64(3), r.Count())
		require.Equal(t, []checker.Record{
			{Seq: 1, TimestampNs: 10, Payload: []byte("z1"), Publisher: "a/1"},
			{Seq: 2, TimestampNs: 11, Payload: []byte("z2"), Publisher: "b/1"},
		}, r.Records("group/z", 0))
		require.Equal(t, []string{"a/2", "a/1"}, r.Installations("a"))
		require.Equal(t, 2, r.KeyPackages("a/2"))

		publish("group/z", "a/1", "z3", 12)
		publish("group/a", "a/1", "a1", 12)
		_, err = s.FetchKeyPackage(ctx, "a/2")
		require.NoError(t, err)
		require.NoError(t, s.Revoke(ctx, "a/1"))
		require.NoError(t, r.Refresh(ctx))
		require.Equal(t, []string{"group/a", "group/b", "group/z"}, r.Topics())
		require.Equal(t, uint64(5), r.Count())
		require.Equal(t, []checker.Record{{Seq: 3, TimestampNs: 12, Payload: []byte("z3"), Publisher: "a/1"}}, r.Records("group/z", 2))
		require.Empty(t, r.Records("group/z", 3))
		// What the harness injected is marked so, with no publisher.
		publish("group/z", topiclog.InjectedPublisher, "garbage", 13)
		require.NoError(t, r.Refresh(ctx))
		require.Equal(t, []checker.Record{{Seq: 4, TimestampNs: 13, Payload: []byte("garbage"), Injected: true}}, r.Records("group/z", 3))
		require.Equal(t, 1, r.KeyPackages("a/2"))
		require.Equal(t, []string{"a/2"}, r.Installations("a"))
		require.True(t, r.Revoked("a/1"))
		require.False(t, r.Revoked("a/2"))
		require.Zero(t, r.KeyPackages("a/1"))
	})
}

// A topic whose rows do not run 1..head (a broken or edited database) is
// an error, and the reader keeps answering what it read before.
func TestRefreshRefusesAGap(t *testing.T) {
	ctx := context.Background()
	db := t.TempDir() + "/topics.db"
	s, err := topicd.OpenSQLite(ctx, db)
	require.NoError(t, err)
	defer s.Close()
	for _, body := range []string{"1", "2", "3"} {
		_, err := s.Publish(ctx, "group/g", "a/1", []byte(body), 1)
		require.NoError(t, err)
	}
	r, err := topiclog.Open(ctx, db)
	require.NoError(t, err)
	defer r.Close()
	require.NoError(t, r.Refresh(ctx))
	_, err = s.Publish(ctx, "group/g", "a/1", []byte("4"), 1)
	require.NoError(t, err)
	_, err = s.Publish(ctx, "group/g", "a/1", []byte("5"), 1)
	require.NoError(t, err)

	edit, err := sql.Open("sqlite", "file:"+db)
	require.NoError(t, err)
	defer edit.Close()
	_, err = edit.Exec(`DELETE FROM envelopes WHERE topic = 'group/g' AND seq = 4`)
	require.NoError(t, err)
	require.ErrorContains(t, r.Refresh(ctx), "sequence id 5 where 4 was due")
	require.Equal(t, uint64(3), r.Count())
	require.Len(t, r.Records("group/g", 0), 3)
}

// A SQLite file that does not exist is an error at Open: the reader
// never creates one.
func TestOpenMissingFile(t *testing.T) {
	_, err := topiclog.Open(context.Background(), t.TempDir()+"/none.db")
	require.Error(t, err)
}
