package live

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/mlsim/mlsim/checker"
)

// fileStore is a client's SQLite file as the checker reads it, from the
// harness's own connection while the client process writes it (WAL lets
// a reader see one committed snapshot per transaction). The connection is
// query-only: the harness never writes a client's file.
type fileStore struct {
	db *sql.DB
}

var _ checker.Store = (*fileStore)(nil)

func openFileStore(path string) (*fileStore, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &fileStore{db: db}, nil
}

// Read runs fn in one read transaction: every query sees the same
// committed state.
func (s *fileStore) Read(fn func(checker.Querier) error) error {
	tx, err := s.db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	return fn(txQuerier{tx})
}

func (s *fileStore) Close() error { return s.db.Close() }

type txQuerier struct{ tx *sql.Tx }

func (q txQuerier) Query(query string, args ...any) (checker.Rows, error) {
	return q.tx.Query(query, args...)
}

// integrityCheck runs PRAGMA integrity_check on a SQLite file and returns
// an error saying what it found unless it is "ok".
func integrityCheck(path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(`PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("%s: integrity_check: %w", path, err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		found = append(found, line)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(found) != 1 || found[0] != "ok" {
		return fmt.Errorf("%s: integrity_check: %s", path, strings.Join(found, "; "))
	}
	return nil
}

// intentRow is one intent as a client's file holds it.
type intentRow struct {
	state  checker.IntentState
	reason string
}

// intentStates reads which intents a client's file holds, and how they
// stand.
func intentStates(s *fileStore) (map[int64]intentRow, error) {
	out := map[int64]intentRow{}
	err := s.Read(func(q checker.Querier) error {
		rows, err := q.Query(`SELECT id, state, reason FROM group_intents`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var r intentRow
			if err := rows.Scan(&id, &r.state, &r.reason); err != nil {
				return err
			}
			out[id] = r
		}
		return rows.Err()
	})
	return out, err
}
