package topiclog

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/mlsim/mlsim/checker"
)

// Reader is what it last read of a topicd database.
type Reader struct {
	db       *sql.DB
	readOpts *sql.TxOptions

	topics  map[string][]checker.Record // records in sequence order: index seq-1
	names   []string                    // sorted
	count   uint64
	members map[string][]string // account -> installations, registration order
	unused  map[string]int      // installation -> unused key packages
	revoked map[string]bool
}

var (
	_ checker.Log       = (*Reader)(nil)
	_ checker.Directory = (*Reader)(nil)
)

// InjectedPublisher is the publisher name a harness publishes garbage
// and replays under (a live run's garbage action): records it published
// are Injected, which the checker rejects unread. It has no '/', so no
// installation can have it.
const InjectedPublisher = "harness:injected"

// Open opens a topicd database named as topicd's --db names it: a
// postgres:// or postgresql:// URL, else a SQLite file (read-only). It
// reads nothing yet: call Refresh.
func Open(ctx context.Context, db string) (*Reader, error) {
	r := &Reader{topics: map[string][]checker.Record{}, members: map[string][]string{}, unused: map[string]int{}, revoked: map[string]bool{}}
	var err error
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		r.db, err = sql.Open("pgx", db)
		// One snapshot for the whole refresh: heads and envelopes agree.
		r.readOpts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	} else {
		// A SQLite read transaction is one snapshot already (WAL).
		r.db, err = sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(10000)")
		r.readOpts = &sql.TxOptions{ReadOnly: true}
	}
	if err != nil {
		return nil, fmt.Errorf("topiclog: %w", err)
	}
	if err := r.db.PingContext(ctx); err != nil {
		_ = r.db.Close()
		return nil, fmt.Errorf("topiclog: %w", err)
	}
	return r, nil
}

// Close closes the database.
func (r *Reader) Close() error { return r.db.Close() }

// Refresh reads, in one consistent read, every envelope appended since the
// last refresh and the whole directory.
func (r *Reader) Refresh(ctx context.Context) error {
	tx, err := r.db.BeginTx(ctx, r.readOpts)
	if err != nil {
		return fmt.Errorf("topiclog: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to commit
	heads, err := readHeads(ctx, tx)
	if err != nil {
		return fmt.Errorf("topiclog: heads: %w", err)
	}
	grown := map[string][]checker.Record{}
	for _, h := range heads {
		have := uint64(len(r.topics[h.topic]))
		if h.head <= have {
			continue
		}
		recs, err := readRecords(ctx, tx, h.topic, have, h.head)
		if err != nil {
			return fmt.Errorf("topiclog: %s: %w", h.topic, err)
		}
		grown[h.topic] = recs
	}
	dir, err := readDirectory(ctx, tx)
	if err != nil {
		return fmt.Errorf("topiclog: directory: %w", err)
	}
	// Only a read that succeeded whole changes what the reader answers.
	for _, h := range heads {
		recs, ok := grown[h.topic]
		if !ok {
			continue
		}
		if _, known := r.topics[h.topic]; !known {
			r.names = append(r.names, h.topic)
		}
		r.topics[h.topic] = append(r.topics[h.topic], recs...)
		r.count += uint64(len(recs))
	}
	sort.Strings(r.names)
	r.members, r.unused, r.revoked = dir.members, dir.unused, dir.revoked
	return nil
}

// Topics lists every topic that holds a record, sorted.
func (r *Reader) Topics() []string { return append([]string(nil), r.names...) }

// Records returns a topic's records after a sequence id, in order.
func (r *Reader) Records(topic string, after uint64) []checker.Record {
	log := r.topics[topic]
	if after >= uint64(len(log)) {
		return nil
	}
	return log[after:]
}

// Count is how many records all topics held at the last refresh.
func (r *Reader) Count() uint64 { return r.count }

// Installations lists an account's installations in registration order,
// revoked ones left out.
func (r *Reader) Installations(account string) []string {
	return append([]string(nil), r.members[account]...)
}

// KeyPackages is how many unused key packages an installation had.
func (r *Reader) KeyPackages(installation string) int { return r.unused[installation] }

// Revoked reports whether the directory revoked an installation.
func (r *Reader) Revoked(installation string) bool { return r.revoked[installation] }
