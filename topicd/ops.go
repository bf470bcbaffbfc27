package topicd

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// storage is the one Storage implementation: each operation is one
// transaction of the statements of schema.go, run by a backend (SQLite or
// PostgreSQL) that supplies the transactions and what differs between the
// two engines.
type storage struct{ b backend }

// backend is what differs between the engines.
type backend interface {
	// write runs fn in a transaction that may write, committing if it
	// returns nil; read runs fn in a read-only one over one snapshot.
	write(ctx context.Context, fn func(tx) error) error
	read(ctx context.Context, fn func(tx) error) error
	// qFetch deletes and returns an installation's oldest key package.
	qFetch() string
	close() error
}

// tx is a transaction of either engine.
type tx interface {
	exec(ctx context.Context, q string, args ...any) (rowsAffected int64, err error)
	queryRow(ctx context.Context, q string, args ...any) interface{ Scan(...any) error }
	// each runs q and calls scan once per row.
	each(ctx context.Context, q string, scan func(scan func(...any) error) error, args ...any) error
}

// migrate creates the tables (idempotent) and records the schema version,
// in the caller's transaction.
func migrate(ctx context.Context, t tx, schema string) error {
	if _, err := t.exec(ctx, schema); err != nil {
		return err
	}
	var have int
	if err := t.queryRow(ctx, qSchemaVersion).Scan(&have); err != nil {
		return err
	}
	switch {
	case have > schemaVersion:
		return tooNew(have)
	case have < schemaVersion:
		if _, err := t.exec(ctx, qSetVersion, schemaVersion); err != nil {
			return err
		}
	}
	_, err := t.exec(ctx, qInitDirectory)
	return err
}

func (s storage) Publish(ctx context.Context, topic, publisher string, payload []byte, timestampNs int64) (uint64, error) {
	var seq uint64
	err := s.b.write(ctx, func(t tx) error {
		if err := t.queryRow(ctx, qNextSeq, topic).Scan(&seq); err != nil {
			return err
		}
		_, err := t.exec(ctx, qInsertEnvelope, topic, seq, timestampNs, publisher, payload)
		return err
	})
	return seq, err
}

func (s storage) Query(ctx context.Context, topic string, afterSeq uint64, limit int) (Page, error) {
	var p Page
	err := s.b.read(ctx, func(t tx) error {
		p = Page{}
		if err := t.queryRow(ctx, qHead, topic).Scan(&p.Head); err != nil {
			return err
		}
		if afterSeq >= p.Head {
			return nil
		}
		return t.each(ctx, qRange, func(scan func(...any) error) error {
			var e Envelope
			err := scan(&e.Seq, &e.TimestampNs, &e.Payload)
			p.Envelopes = append(p.Envelopes, e)
			return err
		}, topic, afterSeq, limit)
	})
	return p, err
}

// UploadKeyPackages moves the directory's version first: that update
// takes the directory row's lock, so uploads and revocations queue there
// (PostgreSQL) and each then sees the others' effects.
func (s storage) UploadKeyPackages(ctx context.Context, account, installation string, kps [][]byte) error {
	return s.b.write(ctx, func(t tx) error {
		if _, err := t.exec(ctx, qBumpDirectory); err != nil {
			return err
		}
		var revoked int
		if err := t.queryRow(ctx, qIsRevoked, installation).Scan(&revoked); err != nil {
			return err
		}
		if revoked > 0 {
			return fmt.Errorf("%s: %w", installation, ErrRevoked)
		}
		if _, err := t.exec(ctx, qRegister, installation, account); err != nil {
			return err
		}
		for _, kp := range kps {
			if _, err := t.exec(ctx, qAddKeyPackage, installation, kp); err != nil {
				return err
			}
		}
		return nil
	})
}

// Revoke records the revocation first: revoking twice finds it there and
// changes nothing, not even the directory's version (as memnet).
func (s storage) Revoke(ctx context.Context, installation string) error {
	return s.b.write(ctx, func(t tx) error {
		n, err := t.exec(ctx, qRevoke, installation)
		if err != nil || n == 0 {
			return err
		}
		if _, err := t.exec(ctx, qBumpDirectory); err != nil {
			return err
		}
		if _, err := t.exec(ctx, qUnregister, installation); err != nil {
			return err
		}
		_, err = t.exec(ctx, qDropKeyPackages, installation)
		return err
	})
}

func (s storage) FetchKeyPackage(ctx context.Context, installation string) ([]byte, error) {
	var kp []byte
	err := s.b.write(ctx, func(t tx) error {
		err := t.queryRow(ctx, s.b.qFetch(), installation).Scan(&kp)
		if errors.Is(err, sql.ErrNoRows) { // pgx.ErrNoRows is one too
			return ErrNoKeyPackage
		}
		return err
	})
	return kp, err
}

func (s storage) KeyPackageCount(ctx context.Context, installation string) (int, error) {
	var n int
	err := s.b.read(ctx, func(t tx) error { return t.queryRow(ctx, qKeyPackageLeft, installation).Scan(&n) })
	return n, err
}

func (s storage) Installations(ctx context.Context, account string) ([]string, error) {
	var out []string
	err := s.b.read(ctx, func(t tx) error {
		out = nil
		return t.each(ctx, qInstallations, func(scan func(...any) error) error {
			var id string
			err := scan(&id)
			out = append(out, id)
			return err
		}, account)
	})
	return out, err
}

func (s storage) DirectoryVersion(ctx context.Context) (uint64, error) {
	var v uint64
	err := s.b.read(ctx, func(t tx) error { return t.queryRow(ctx, qDirectoryVersion).Scan(&v) })
	return v, err
}

func (s storage) Close() error { return s.b.close() }
