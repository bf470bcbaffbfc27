package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"

	"github.com/mlsim/mlsim/engine"
)

// A DB owns one driver connection and talks to it directly, without
// database/sql: its pool, locks and conversions cost a seed's CPU for
// nothing a single-connection store needs (docs/PERFORMANCE.md has the
// figure), and its statements could be prepared only outside a
// transaction, so each was parsed twice. Here every statement is
// prepared on first use (inside a transaction too: SQLite allows it) and
// kept for the life of the connection.
//
// One connection also means a leaked transaction shows up as a hang (the
// mutex), never as silent divergence.

// conn is what the store needs from a modernc.org/sqlite connection.
type conn interface {
	driver.Conn
	Serialize() ([]byte, error)
	Deserialize([]byte) error
}

// runner is what a prepared statement of modernc.org/sqlite offers.
type runner interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// statements caches prepared statements by their text.
type statements struct {
	conn  conn
	cache map[string]runner // nil value: cannot be cached (a script)
}

func openConn(dsn string) (conn, error) {
	dc, err := (&sqlite.Driver{}).Open(dsn)
	if err != nil {
		return nil, err
	}
	c, ok := dc.(conn)
	if !ok {
		_ = dc.Close()
		return nil, fmt.Errorf("sqlite driver connection %T lacks serialize/deserialize", dc)
	}
	return c, nil
}

// prepared returns the cached statement for a query, preparing it the
// first time. temporary is true when the caller must close it: a
// multi-statement script (a migration) is not kept.
func (s *statements) prepared(query string) (st runner, temporary bool, err error) {
	if st, ok := s.cache[query]; ok && st != nil {
		return st, false, nil
	}
	ds, err := s.conn.Prepare(query)
	if err != nil {
		return nil, false, err
	}
	st, ok := ds.(runner)
	if !ok {
		_ = ds.Close()
		return nil, false, fmt.Errorf("sqlite statement %T lacks context methods", ds)
	}
	if isScript(query) {
		return st, true, nil
	}
	s.cache[query] = st
	return st, false, nil
}

// isScript says whether a query holds more than one statement; modernc's
// statement re-parses those on every run, so caching them gains nothing.
func isScript(query string) bool {
	i := strings.IndexByte(query, ';')
	return i >= 0 && strings.TrimSpace(query[i+1:]) != ""
}

func (s *statements) close() {
	for _, st := range s.cache {
		_ = st.Close()
	}
	s.cache = nil
}

// connTx is an engine.Tx over the connection; it closes the rows a
// transaction leaves open when the transaction ends, as database/sql does.
type connTx struct {
	s        *statements
	open     []*rows
	readOnly bool // a View: Exec is refused
}

var errReadOnly = errors.New("store: a write inside a read-only View")

var _ engine.Tx = (*connTx)(nil)

// bind converts the arguments and returns the query's statement; a
// temporary one (a script) must be closed by the caller.
func (t *connTx) bind(query string, args []any) (runner, bool, []driver.NamedValue, error) {
	named, err := namedValues(args)
	if err != nil {
		return nil, false, nil, err
	}
	st, temporary, err := t.s.prepared(query)
	return st, temporary, named, err
}

func (t *connTx) Exec(query string, args ...any) (sql.Result, error) {
	if t.readOnly {
		return nil, fmt.Errorf("%w: %s", errReadOnly, query)
	}
	st, temporary, named, err := t.bind(query, args)
	if err != nil {
		return nil, err
	}
	if temporary {
		defer st.Close()
	}
	return st.ExecContext(context.Background(), named)
}

func (t *connTx) Query(query string, args ...any) (engine.Rows, error) {
	st, temporary, named, err := t.bind(query, args)
	if err != nil {
		return nil, err
	}
	if temporary {
		_ = st.Close()
		return nil, fmt.Errorf("query %q: a script cannot return rows", query)
	}
	dr, err := st.QueryContext(context.Background(), named)
	if err != nil {
		return nil, err
	}
	r := &rows{dr: dr, vals: make([]driver.Value, len(dr.Columns()))}
	t.open = append(t.open, r)
	return r, nil
}

func (t *connTx) QueryRow(query string, args ...any) engine.Row {
	r, err := t.Query(query, args...)
	if err != nil {
		return &row{err: err}
	}
	return &row{rows: r.(*rows)}
}

func (t *connTx) closeRows() {
	for _, r := range t.open {
		_ = r.Close()
	}
	t.open = t.open[:0]
}

// namedValues converts arguments the way database/sql does (integer kinds,
// strings, byte slices, bools; uint64 up to 2^63-1).
func namedValues(args []any) ([]driver.NamedValue, error) {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out, nil
}

// The three transaction-control statements, prepared
// once like the rest.
const (
	sqlBegin    = "BEGIN"
	sqlCommit   = "COMMIT"
	sqlRollback = "ROLLBACK"
)
