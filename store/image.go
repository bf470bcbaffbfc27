package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mlsim/mlsim/engine"
)

// Image is a copy of an in-memory store's content taken at one moment:
// every row of every table (with its rowid), the AUTOINCREMENT counters
// and the store's version count. The fuzz targets build a world once and
// start every input from copies of its stores (OpenImage) instead of
// paying per input for key packages, the first commits and the welcomes.
//
// It is rows, not SQLite's serialized database: loading a serialized
// database into a connection makes SQLite re-read the schema and re-parse
// every prepared statement (most of a copy's time: docs/PERFORMANCE.md),
// while inserting rows into a pooled connection (pool.go) keeps both. The
// schema has no triggers and no foreign keys, so inserting the rows back,
// each with its rowid, gives the same content; results are ordered by
// keys, never by page layout (pool.go), so the engine cannot tell the copy
// from the original.
type Image struct {
	tables    []tableRows
	sequences []sequence
	version   uint64
}

// tableRows is one table's rows and the statement that inserts one.
type tableRows struct {
	insert string
	rows   [][]any
}

// Image copies an in-memory store. Call it between transactions.
func (d *DB) Image() (Image, error) {
	img, err := d.image()
	d.used()
	return img, err
}

func (d *DB) image() (Image, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.wakeLocked(); err != nil {
		return Image{}, err
	}
	if d.st.conn == nil {
		return Image{}, errClosed
	}
	if !d.memory {
		return Image{}, errors.New("store image: only an in-memory store has one")
	}
	img := Image{version: d.version}
	tx := &connTx{s: &d.st, readOnly: true}
	defer tx.closeRows()
	names, err := tableNames(tx)
	if err != nil {
		return Image{}, fmt.Errorf("store image: %w", err)
	}
	for _, name := range names {
		t, err := readTable(&d.st, name)
		if err != nil {
			return Image{}, fmt.Errorf("store image: %s: %w", name, err)
		}
		img.tables = append(img.tables, t)
	}
	err = each(&d.st, `SELECT name, seq FROM sqlite_sequence ORDER BY rowid`, 2, func(vals []driver.Value) {
		name, _ := vals[0].(string)
		seq, _ := vals[1].(int64)
		img.sequences = append(img.sequences, sequence{name, seq})
	})
	if err != nil {
		return Image{}, fmt.Errorf("store image: %w", err)
	}
	return img, nil
}

// tableNames lists the tables an image copies: all but SQLite's own and
// schema_version (which every empty store holds as the image does).
func tableNames(tx *connTx) ([]string, error) {
	rows, err := tx.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, rows.Err()
}

// readTable reads every row of a table with its rowid (unless a column
// is the rowid: an INTEGER PRIMARY KEY) and builds its insert statement.
func readTable(s *statements, name string) (tableRows, error) {
	l, err := layoutOf(s, name)
	if err != nil {
		return tableRows{}, err
	}
	t := tableRows{insert: l.insert}
	err = each(s, l.read, l.cols, func(vals []driver.Value) {
		row := make([]any, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = append(make([]byte, 0, len(b)), b...) // the driver reuses its buffers; empty is not NULL
			}
			row[i] = v
		}
		t.rows = append(t.rows, row)
	})
	return t, err
}

// columns lists a table's columns and whether one of them is its rowid.
func columns(s *statements, name string) (cols []string, alias bool, err error) {
	pks := 0
	integerPK := false
	err = each(s, fmt.Sprintf(`SELECT name, type, pk FROM pragma_table_info(%s)`, quoteString(name)), 3, func(vals []driver.Value) {
		col, _ := vals[0].(string)
		typ, _ := vals[1].(string)
		pk, _ := vals[2].(int64)
		cols = append(cols, col)
		if pk > 0 {
			pks++
			integerPK = strings.EqualFold(typ, "INTEGER")
		}
	})
	return cols, pks == 1 && integerPK, err
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// each runs a query of n columns and calls fn per row (vals is reused).
func each(s *statements, query string, n int, fn func(vals []driver.Value)) error {
	st, _, err := s.prepared(query)
	if err != nil {
		return err
	}
	dr, err := st.QueryContext(context.Background(), nil)
	if err != nil {
		return err
	}
	defer dr.Close()
	vals := make([]driver.Value, n)
	for {
		if err := dr.Next(vals); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		fn(vals)
	}
}

// OpenImage opens an in-memory store holding a copy of an image, with the
// image's version count: a reader that remembers the version of the store
// the image was taken from sees the copy as unchanged, as it is.
func OpenImage(img Image) (*DB, error) {
	d, err := OpenMemory()
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	err = d.transactLocked(func(etx engine.Tx) error {
		tx := etx.(*connTx)
		for _, t := range img.tables {
			for _, row := range t.rows {
				if _, err := tx.Exec(t.insert, row...); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Exec(`DELETE FROM sqlite_sequence`); err != nil {
			return err
		}
		for _, s := range img.sequences {
			if _, err := tx.Exec(`INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)`, s.name, s.seq); err != nil {
				return err
			}
		}
		return nil
	}, true)
	d.version = img.version
	d.mu.Unlock()
	if err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("open store image: %w", err)
	}
	return d, nil
}
