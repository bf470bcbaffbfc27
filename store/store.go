package store

import (
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/mlsim/mlsim/engine"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a client's database.
type DB struct {
	db      *sql.DB
	stmts   map[string]*sql.Stmt // prepared once (nil: cannot be); see stmtcache.go
	pending []string             // first seen in the running transaction
}

var _ engine.Store = (*DB)(nil)

// OpenMemory opens a fresh in-memory database.
func OpenMemory() (*DB, error) { return open("file::memory:") }

// OpenFile opens (or creates) a database file.
func OpenFile(path string) (*DB, error) {
	return open("file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
}

func open(dsn string) (*DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	// An in-memory database lives per connection; one connection also means
	// a leaked transaction shows up as a hang, not as silent divergence.
	db.SetMaxOpenConns(1)
	d := &DB{db: db, stmts: map[string]*sql.Stmt{}}
	if err := d.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error {
	for _, s := range d.stmts {
		if s != nil {
			_ = s.Close()
		}
	}
	return d.db.Close()
}

// SchemaVersion is the number of migrations this build knows.
func SchemaVersion() int {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	return len(names)
}

func (d *DB) migrate() error {
	if _, err := d.db.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var current int
	if err := d.db.QueryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: bad migration name %s", name)
		}
		if version <= current {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		err = d.Update(func(tx engine.Tx) error {
			if _, err := tx.Exec(string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(`INSERT INTO schema_version(version) VALUES (?)`, version)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate to %d: %w", version, err)
		}
	}
	return nil
}

// Update runs fn in one read-write transaction, committed iff fn returns
// nil.
func (d *DB) Update(fn func(engine.Tx) error) error {
	tx, err := d.db.Begin()
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer d.prepare() // after the transaction has let go of the connection
	if err := runTx(tx, &cachedTx{d: d, tx: tx}, fn); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// View runs fn in a transaction that is always rolled back.
func (d *DB) View(fn func(engine.Tx) error) error {
	tx, err := d.db.Begin()
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer d.prepare()
	defer func() { _ = tx.Rollback() }()
	return runTx(tx, &cachedTx{d: d, tx: tx}, fn)
}

// runTx rolls back if fn panics (a simulated crash), so the one connection
// is free for the restarted client.
func runTx(tx *sql.Tx, etx engine.Tx, fn func(engine.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	return fn(etx)
}
