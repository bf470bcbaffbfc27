package topicd

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// postgresBackend keeps everything in PostgreSQL, which several topicd
// processes may share. Transactions run at READ COMMITTED; what must not
// interleave takes a row lock first (qNextSeq, qBumpDirectory), and every
// later statement of the transaction then sees what committed before.
type postgresBackend struct {
	pool *pgxpool.Pool
}

// migrationLock is the advisory lock id under which a starting topicd
// creates the tables, so that servers started together on one fresh
// database do not race in CREATE TABLE IF NOT EXISTS.
const migrationLock = 0x746f70696364 // "topicd"

// OpenPostgres connects to a PostgreSQL database (a postgres:// URL) and
// brings its schema up to date.
func OpenPostgres(ctx context.Context, url string) (Storage, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	b := &postgresBackend{pool: pool}
	err = b.write(ctx, func(t tx) error {
		if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return err
		}
		return migrate(ctx, t, postgresSchema)
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return storage{b}, nil
}

func (b *postgresBackend) write(ctx context.Context, fn func(tx) error) error {
	return pgx.BeginFunc(ctx, b.pool, func(t pgx.Tx) error { return fn(pgTx{t}) })
}

// read runs at REPEATABLE READ: a query's head and page come from one
// snapshot, so no envelope of a page lies beyond the head it returns.
func (b *postgresBackend) read(ctx context.Context, fn func(tx) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	return pgx.BeginTxFunc(ctx, b.pool, opts, func(t pgx.Tx) error { return fn(pgTx{t}) })
}

// qFetch skips rows another fetch has locked: two servers fetching for
// one installation at once get two different packages, and neither waits.
func (b *postgresBackend) qFetch() string {
	return `DELETE FROM key_packages WHERE id =
		(SELECT id FROM key_packages WHERE installation = $1 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING package`
}

func (b *postgresBackend) close() error {
	b.pool.Close()
	return nil
}

// pgTx is a pgx transaction as a tx.
type pgTx struct{ t pgx.Tx }

func (p pgTx) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := p.t.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

func (p pgTx) queryRow(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
	return p.t.QueryRow(ctx, q, args...)
}

func (p pgTx) each(ctx context.Context, q string, scan func(func(...any) error) error, args ...any) error {
	rows, err := p.t.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
