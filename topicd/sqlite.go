package topicd

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// sqliteBackend keeps everything in one SQLite file: WAL with
// synchronous=FULL, so a publish that was acknowledged survives a kill of
// the server (and of the machine). One topicd per file: its writes are
// serialized by a mutex here, not by the database.
type sqliteBackend struct {
	db *sql.DB
	mu sync.Mutex // one write transaction at a time
}

// OpenSQLite opens (creating if missing) a topicd database file and brings
// its schema up to date.
func OpenSQLite(ctx context.Context, path string) (Storage, error) {
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// Each pool connection gets these pragmas. busy_timeout lets a
	// reader of the file (topiclog) and this server wait out each other's
	// checkpoints instead of failing.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	b := &sqliteBackend{db: db}
	if err := b.write(ctx, func(t tx) error { return migrate(ctx, t, sqliteSchema) }); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	return storage{b}, nil
}

// checkPath says what is wrong with a database path where SQLite would
// say only "unable to open database file".
func checkPath(path string) error {
	if path == "" {
		return errors.New("empty database path")
	}
	if strings.ContainsAny(path, "?#") {
		return fmt.Errorf("%q: a path with '?' or '#' is not supported", path)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s: its directory cannot be used: %w", path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: %s is not a directory", path, dir)
	}
	return nil
}

func (b *sqliteBackend) write(ctx context.Context, fn func(tx) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.run(ctx, nil, fn)
}

// read needs no lock: in WAL mode a reader sees the last commit and never
// blocks the writer.
func (b *sqliteBackend) read(ctx context.Context, fn func(tx) error) error {
	return b.run(ctx, &sql.TxOptions{ReadOnly: true}, fn)
}

func (b *sqliteBackend) run(ctx context.Context, opts *sql.TxOptions, fn func(tx) error) error {
	t, err := b.db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(sqlTx{t}); err != nil {
		return errors.Join(err, t.Rollback())
	}
	return t.Commit()
}

func (b *sqliteBackend) qFetch() string {
	return `DELETE FROM key_packages WHERE id =
		(SELECT id FROM key_packages WHERE installation = $1 ORDER BY id LIMIT 1)
		RETURNING package`
}

func (b *sqliteBackend) close() error { return b.db.Close() }

// sqlTx is a database/sql transaction as a tx.
type sqlTx struct{ t *sql.Tx }

func (s sqlTx) exec(ctx context.Context, q string, args ...any) (int64, error) {
	r, err := s.t.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (s sqlTx) queryRow(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
	return s.t.QueryRowContext(ctx, q, args...)
}

func (s sqlTx) each(ctx context.Context, q string, scan func(func(...any) error) error, args ...any) error {
	rows, err := s.t.QueryContext(ctx, q, args...)
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
