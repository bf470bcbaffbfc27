package store

import (
	"container/list"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mlsim/mlsim/engine"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a client's database: one connection and its prepared statements
// (see conn.go).
type DB struct {
	mu      sync.Mutex // one transaction at a time on the one connection
	st      statements
	version uint64 // transactions committed through this DB
	memory  bool   // an in-memory store: its connection is reused (pool.go)

	// Hibernation (hibernate.go): the store's Hibernation, if any, its
	// place in that Hibernation's list while awake, and its packed rows
	// while asleep (then st holds no connection).
	hib    *Hibernation
	elem   *list.Element // guarded by hib.mu
	asleep []byte

	// onCommit is called after every committed transaction (OnCommit).
	onCommit []func()
}

var _ engine.Store = (*DB)(nil)

// OpenMemory opens a fresh in-memory database (a copy of the migrated
// schema; see template.go).
func OpenMemory() (*DB, error) {
	if st, ok := takeIdle(); ok {
		return &DB{st: st, memory: true}, nil
	}
	d, err := openMemoryFromImage()
	if err != nil {
		return nil, err
	}
	d.memory = true
	return d, nil
}

// OpenFile opens (or creates) a database file.
func OpenFile(path string) (*DB, error) {
	return open("file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
}

func open(dsn string) (*DB, error) {
	d, err := openUnmigrated(dsn)
	if err != nil {
		return nil, err
	}
	if err := d.migrate(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func openUnmigrated(dsn string) (*DB, error) {
	c, err := openConn(dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return &DB{st: statements{conn: c, cache: map[string]runner{}}}, nil
}

// Close closes the database.
func (d *DB) Close() error {
	d.forget()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.asleep != nil && d.hib != nil {
		d.hib.asleepBytes.Add(-int64(len(d.asleep)))
	}
	d.asleep = nil
	if d.st.conn == nil {
		return nil // closed already
	}
	if d.memory && d.giveBack() {
		d.st = statements{}
		return nil
	}
	d.st.close()
	err := d.st.conn.Close()
	d.st = statements{}
	return err
}

// SchemaVersion is the number of migrations this build knows.
func SchemaVersion() int {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	return len(names)
}

func (d *DB) migrate() error {
	var current int
	err := d.Update(func(tx engine.Tx) error {
		if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		return tx.QueryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current)
	})
	if err != nil {
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
	return d.transact(fn, true)
}

// View runs fn read-only: its statements may not write (Exec fails).
//
// An in-memory store has one connection and no other writer, and the DB's
// mutex is held for the whole of fn, so its statements already see one
// state: a View there runs without BEGIN and ROLLBACK (two statements of
// every read). A file store may have another writer (another process), so
// there a View is a transaction, always rolled back.
func (d *DB) View(fn func(engine.Tx) error) error {
	if !d.memory {
		return d.transact(fn, false)
	}
	err := d.view(fn)
	d.used()
	return err
}

func (d *DB) view(fn func(engine.Tx) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.wakeLocked(); err != nil {
		return err
	}
	if d.st.conn == nil {
		return errClosed
	}
	tx := &connTx{s: &d.st, readOnly: true}
	defer tx.closeRows()
	return fn(tx)
}

// transact rolls back if fn fails or panics (a simulated crash), so the
// one connection is free for the restarted client.
func (d *DB) transact(fn func(engine.Tx) error, commit bool) error {
	err := d.transactUnlocking(fn, commit)
	d.used()
	return err
}

// transactUnlocking runs a transaction of the store's user: a commit
// counts in the version and is told to OnCommit's functions (the store's
// own transactions, emptying and waking, are neither).
func (d *DB) transactUnlocking(fn func(engine.Tx) error, commit bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.transactLocked(fn, commit); err != nil || !commit {
		return err
	}
	d.version++
	for _, fn := range d.onCommit {
		fn()
	}
	return nil
}

func (d *DB) transactLocked(fn func(engine.Tx) error, commit bool) (err error) {
	if err := d.wakeLocked(); err != nil {
		return err
	}
	if d.st.conn == nil {
		return errClosed
	}
	if err := d.control(sqlBegin); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &connTx{s: &d.st, readOnly: !commit}
	done := false
	defer func() {
		if done {
			return
		}
		tx.closeRows()
		_ = d.control(sqlRollback)
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if !commit {
		return nil
	}
	tx.closeRows()
	if err := d.control(sqlCommit); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	done = true
	return nil
}

// OnCommit has fn called after every transaction committed through the
// store from now on, with the store's lock held: fn must not use the
// store. A reader that keeps many stores learns which changed without
// asking each (Version) after every step; in a world of thousands of
// installations asking each was most of a step's time
// (docs/PERFORMANCE.md).
func (d *DB) OnCommit(fn func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.onCommit = append(d.onCommit, fn)
}

var errClosed = errors.New("store is closed")

// Version counts the transactions committed through this DB. A reader
// that saw version v and sees v again knows nothing was written since
// (through this DB; the simulator's stores have no other writer): the
// checker reads a client's audit only when it moved.
func (d *DB) Version() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.version
}

func (d *DB) control(stmt string) error {
	st, _, err := d.st.prepared(stmt)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(context.Background(), nil)
	return err
}
