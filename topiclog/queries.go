package topiclog

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mlsim/mlsim/checker"
)

// The reader's own queries against topicd's tables (topicd/schema.go
// documents them). $n placeholders: PostgreSQL's form, which SQLite binds
// by number too.

type topicHead struct {
	topic string
	head  uint64
}

func readHeads(ctx context.Context, tx *sql.Tx) ([]topicHead, error) {
	var out []topicHead
	err := each(ctx, tx, func(rows *sql.Rows) error {
		var h topicHead
		err := rows.Scan(&h.topic, &h.head)
		out = append(out, h)
		return err
	}, `SELECT name, head FROM topics ORDER BY name`)
	return out, err
}

// readRecords reads a topic's envelopes after..head and checks that they
// are exactly those sequence ids: a gap would be a broken server, and the
// checker must not take it for the topic's order.
func readRecords(ctx context.Context, tx *sql.Tx, topic string, after, head uint64) ([]checker.Record, error) {
	out := make([]checker.Record, 0, head-after)
	err := each(ctx, tx, func(rows *sql.Rows) error {
		var rec checker.Record
		if err := rows.Scan(&rec.Seq, &rec.TimestampNs, &rec.Publisher, &rec.Payload); err != nil {
			return err
		}
		if rec.Publisher == InjectedPublisher {
			rec.Publisher, rec.Injected = "", true
		}
		if want := after + uint64(len(out)) + 1; rec.Seq != want {
			return fmt.Errorf("sequence id %d where %d was due", rec.Seq, want)
		}
		out = append(out, rec)
		return nil
	}, `SELECT seq, timestamp_ns, publisher, payload FROM envelopes
		WHERE topic = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`, topic, after, head)
	if err == nil && uint64(len(out)) != head-after {
		err = fmt.Errorf("%d envelopes after %d up to head %d", len(out), after, head)
	}
	return out, err
}

// directory is the key package directory as one read found it.
type directory struct {
	members map[string][]string
	unused  map[string]int
	revoked map[string]bool
}

func readDirectory(ctx context.Context, tx *sql.Tx) (directory, error) {
	d := directory{members: map[string][]string{}, unused: map[string]int{}, revoked: map[string]bool{}}
	err := each(ctx, tx, func(rows *sql.Rows) error {
		var account, installation string
		err := rows.Scan(&account, &installation)
		d.members[account] = append(d.members[account], installation)
		return err
	}, `SELECT account, installation FROM installations ORDER BY registered`)
	if err != nil {
		return d, err
	}
	err = each(ctx, tx, func(rows *sql.Rows) error {
		var installation string
		var n int
		err := rows.Scan(&installation, &n)
		d.unused[installation] = n
		return err
	}, `SELECT installation, COUNT(*) FROM key_packages GROUP BY installation`)
	if err != nil {
		return d, err
	}
	err = each(ctx, tx, func(rows *sql.Rows) error {
		var installation string
		err := rows.Scan(&installation)
		d.revoked[installation] = true
		return err
	}, `SELECT installation FROM revoked`)
	return d, err
}

func each(ctx context.Context, tx *sql.Tx, scan func(*sql.Rows) error, q string, args ...any) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
