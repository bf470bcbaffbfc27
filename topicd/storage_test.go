package topicd_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/internal/topictest"
	"github.com/mlsim/mlsim/topicd"
)

// backends runs a test against each storage backend: SQLite always,
// PostgreSQL where topictest.Postgres finds one (it skips otherwise).
func backends(t *testing.T, test func(t *testing.T, s topicd.Storage)) {
	t.Run("sqlite", func(t *testing.T) {
		s := topictest.SQLite(t)
		defer s.Close()
		test(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		s, err := topicd.OpenPostgres(context.Background(), topictest.Postgres(t))
		require.NoError(t, err)
		defer s.Close()
		test(t, s)
	})
}

// Both backends keep memnet's topic semantics: per-topic sequence ids from
// 1, the head on every answer (0 for an unknown topic), pages after a
// sequence id, ascending and cut at the limit, timestamps as given (ties
// allowed).
func TestStorageTopics(t *testing.T) {
	backends(t, func(t *testing.T, s topicd.Storage) {
		ctx := context.Background()
		for i, topic := range []string{"group/g", "welcome/a/1", "group/g", "group/g"} {
			seq, err := s.Publish(ctx, topic, "a/1", []byte{byte(i)}, 7)
			require.NoError(t, err)
			require.Equal(t, map[int]uint64{0: 1, 1: 1, 2: 2, 3: 3}[i], seq)
		}
		p, err := s.Query(ctx, "group/g", 0, 2)
		require.NoError(t, err)
		require.Equal(t, topicd.Page{Head: 3, Envelopes: []topicd.Envelope{
			{Seq: 1, TimestampNs: 7, Payload: []byte{0}}, {Seq: 2, TimestampNs: 7, Payload: []byte{2}}}}, p)
		p, err = s.Query(ctx, "group/g", 2, 10)
		require.NoError(t, err)
		require.Equal(t, topicd.Page{Head: 3, Envelopes: []topicd.Envelope{{Seq: 3, TimestampNs: 7, Payload: []byte{3}}}}, p)
		p, err = s.Query(ctx, "group/g", 3, 10)
		require.NoError(t, err)
		require.Equal(t, topicd.Page{Head: 3}, p)
		p, err = s.Query(ctx, "group/none", 0, 10)
		require.NoError(t, err)
		require.Equal(t, topicd.Page{}, p)
	})
}

// The directory: registration order per account (the first upload fixes
// the account), key packages handed out oldest first and once only, the
// count of what is left, revocation for good, and a version that moves on
// every upload and revocation but not on a fetch.
func TestStorageDirectory(t *testing.T) {
	backends(t, func(t *testing.T, s topicd.Storage) {
		ctx := context.Background()
		version := func() uint64 {
			v, err := s.DirectoryVersion(ctx)
			require.NoError(t, err)
			return v
		}
		v0 := version()
		require.NoError(t, s.UploadKeyPackages(ctx, "a", "a/2", [][]byte{{1}, {2}}))
		require.NoError(t, s.UploadKeyPackages(ctx, "a", "a/1", nil))
		require.NoError(t, s.UploadKeyPackages(ctx, "a", "a/2", [][]byte{{3}}))
		require.Equal(t, v0+3, version())
		ids, err := s.Installations(ctx, "a")
		require.NoError(t, err)
		require.Equal(t, []string{"a/2", "a/1"}, ids)
		n, err := s.KeyPackageCount(ctx, "a/2")
		require.NoError(t, err)
		require.Equal(t, 3, n)
		for _, want := range []byte{1, 2, 3} {
			kp, err := s.FetchKeyPackage(ctx, "a/2")
			require.NoError(t, err)
			require.Equal(t, []byte{want}, kp)
		}
		_, err = s.FetchKeyPackage(ctx, "a/2")
		require.ErrorIs(t, err, topicd.ErrNoKeyPackage)
		require.Equal(t, v0+3, version(), "a fetch does not move the directory version")

		require.NoError(t, s.UploadKeyPackages(ctx, "a", "a/1", [][]byte{{9}}))
		require.NoError(t, s.Revoke(ctx, "a/1"))
		v := version()
		require.NoError(t, s.Revoke(ctx, "a/1"))
		require.Equal(t, v, version(), "revoking twice changes nothing")
		ids, err = s.Installations(ctx, "a")
		require.NoError(t, err)
		require.Equal(t, []string{"a/2"}, ids)
		n, err = s.KeyPackageCount(ctx, "a/1")
		require.NoError(t, err)
		require.Zero(t, n)
		err = s.UploadKeyPackages(ctx, "a", "a/1", [][]byte{{10}})
		require.True(t, errors.Is(err, topicd.ErrRevoked), "%v", err)
		ids, err = s.Installations(ctx, "nobody")
		require.NoError(t, err)
		require.Empty(t, ids)
	})
}
