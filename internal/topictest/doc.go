// Package topictest starts what the live tests need, on loopback only and
// stopped by the test's cleanup: an in-process topicd ([Serve]) and a
// throwaway PostgreSQL ([Postgres]: a cluster of its own under the test's
// temporary directory, or a fresh database on MLSIM_POSTGRES_URL).
package topictest
