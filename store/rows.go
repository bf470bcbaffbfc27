package store

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"reflect"
	"strconv"

	"github.com/mlsim/mlsim/engine"
)

// rows reads a driver result the way *sql.Rows does.
type rows struct {
	dr     driver.Rows
	vals   []driver.Value
	err    error
	closed bool
}

var _ engine.Rows = (*rows)(nil)

func (r *rows) Next() bool {
	if r.closed {
		return false
	}
	if err := r.dr.Next(r.vals); err != nil {
		if err != io.EOF {
			r.err = err
		}
		_ = r.Close()
		return false
	}
	return true
}

func (r *rows) Scan(dest ...any) error {
	if r.closed {
		return fmt.Errorf("scan: rows are closed")
	}
	if len(dest) != len(r.vals) {
		return fmt.Errorf("scan: %d destinations for %d columns", len(dest), len(r.vals))
	}
	for i, d := range dest {
		if err := assign(d, r.vals[i]); err != nil {
			return fmt.Errorf("scan column %d: %w", i, err)
		}
	}
	return nil
}

func (r *rows) Err() error { return r.err }

// Close resets the statement for its next use; closing twice is harmless.
func (r *rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	return r.dr.Close()
}

// row is a single-row result; Scan reads the first row and closes.
type row struct {
	rows *rows
	err  error
}

func (r *row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	return r.rows.Scan(dest...)
}

// assign stores a column value (int64, float64, bool, []byte, string or
// nil from the driver) in a destination, for the destination types the
// engine reads: integer, string, byte-slice and bool kinds (named types
// too), and sql.Scanner.
func assign(dest any, v driver.Value) error {
	switch d := dest.(type) {
	case *[]byte:
		switch x := v.(type) {
		case nil:
			*d = nil
		case []byte:
			*d = x // the driver copies every blob out of SQLite's memory
		case string:
			*d = []byte(x)
		default:
			return fmt.Errorf("%T into []byte", v)
		}
		return nil
	case *string:
		switch x := v.(type) {
		case string:
			*d = x
		case []byte:
			*d = string(x)
		case int64:
			*d = strconv.FormatInt(x, 10)
		default:
			return fmt.Errorf("%T into string", v)
		}
		return nil
	case *int64:
		x, ok := v.(int64)
		if !ok {
			return fmt.Errorf("%T into int64", v)
		}
		*d = x
		return nil
	case *uint64:
		x, ok := v.(int64)
		if !ok || x < 0 {
			return fmt.Errorf("%v (%T) into uint64", v, v)
		}
		*d = uint64(x)
		return nil
	case *int:
		x, ok := v.(int64)
		if !ok {
			return fmt.Errorf("%T into int", v)
		}
		*d = int(x)
		return nil
	case sql.Scanner:
		return d.Scan(v)
	case *any:
		*d = v
		return nil
	}
	return assignKind(dest, v)
}

// assignKind handles named integer, string and bool types by kind.
func assignKind(dest any, v driver.Value) error {
	p := reflect.ValueOf(dest)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return fmt.Errorf("destination %T is not a non-nil pointer", dest)
	}
	e := p.Elem()
	switch e.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x, ok := v.(int64)
		if !ok || e.OverflowInt(x) {
			return fmt.Errorf("%v (%T) into %s", v, v, e.Type())
		}
		e.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		x, ok := v.(int64)
		if !ok || x < 0 || e.OverflowUint(uint64(x)) {
			return fmt.Errorf("%v (%T) into %s", v, v, e.Type())
		}
		e.SetUint(uint64(x))
	case reflect.String:
		switch x := v.(type) {
		case string:
			e.SetString(x)
		case []byte:
			e.SetString(string(x))
		default:
			return fmt.Errorf("%T into %s", v, e.Type())
		}
	case reflect.Bool:
		switch x := v.(type) {
		case bool:
			e.SetBool(x)
		case int64:
			e.SetBool(x != 0)
		default:
			return fmt.Errorf("%T into %s", v, e.Type())
		}
	default:
		return fmt.Errorf("unsupported destination %T", dest)
	}
	return nil
}
