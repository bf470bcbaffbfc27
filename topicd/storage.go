package topicd

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Storage is where topicd keeps its topics and its key package directory.
// Two backends: a SQLite file (OpenSQLite) and PostgreSQL (OpenPostgres),
// which several topicd processes may share. Both keep the tables of
// schema.go, which are also what package topiclog reads, and run the same
// operations (ops.go).
//
// Every method is safe for concurrent use. An error other than
// ErrNoKeyPackage and ErrRevoked leaves the outcome unknown to the caller
// (a publish may have been stored).
type Storage interface {
	// Publish appends payload to topic in one transaction and returns the
	// sequence id it got: the topic's head before, plus one. timestampNs
	// is stored as given (the server's clock).
	Publish(ctx context.Context, topic, publisher string, payload []byte, timestampNs int64) (uint64, error)
	// Query returns up to limit envelopes of topic after afterSeq,
	// ascending, and the topic's head, read in one transaction.
	Query(ctx context.Context, topic string, afterSeq uint64, limit int) (Page, error)
	// UploadKeyPackages registers installation under account (the first
	// registration wins) and appends kps to its key packages; ErrRevoked
	// for a revoked installation.
	UploadKeyPackages(ctx context.Context, account, installation string, kps [][]byte) error
	// Revoke takes an installation out of the directory for good.
	Revoke(ctx context.Context, installation string) error
	// DirectoryVersion moves on every upload and revocation.
	DirectoryVersion(ctx context.Context) (uint64, error)
	// FetchKeyPackage deletes and returns the installation's oldest key
	// package, or ErrNoKeyPackage.
	FetchKeyPackage(ctx context.Context, installation string) ([]byte, error)
	// KeyPackageCount is how many key packages the installation has left.
	KeyPackageCount(ctx context.Context, installation string) (int, error)
	// Installations lists an account's installations in registration order.
	Installations(ctx context.Context, account string) ([]string, error)
	Close() error
}

// Envelope is one stored payload as a reader gets it.
type Envelope struct {
	Seq         uint64
	TimestampNs int64
	Payload     []byte
}

// Page is a query's answer.
type Page struct {
	Envelopes []Envelope
	Head      uint64
}

var (
	// ErrNoKeyPackage: the installation has no key package left.
	ErrNoKeyPackage = errors.New("no key package left")
	// ErrRevoked: an upload for an installation that was revoked.
	ErrRevoked = errors.New("installation revoked")
)

// OpenStorage opens the storage a --db value names: a postgres:// or
// postgresql:// URL, else a SQLite file path (created if missing).
func OpenStorage(ctx context.Context, db string) (Storage, error) {
	if IsPostgresURL(db) {
		return OpenPostgres(ctx, db)
	}
	return OpenSQLite(ctx, db)
}

// IsPostgresURL reports whether a --db value names a PostgreSQL database.
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// tooNew refuses a database whose schema a later topicd wrote.
func tooNew(have int) error {
	return fmt.Errorf("database schema version %d is newer than this topicd's %d", have, schemaVersion)
}
