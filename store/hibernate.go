package store

import (
	"container/list"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mlsim/mlsim/engine"
)

// A simulated world of thousands of installations cannot keep a SQLite
// connection open for each: a connection with its schema, prepared
// statements and pages is about a megabyte (docs/PERFORMANCE.md), most of
// it the same for every store. A Hibernation keeps at most a fixed number
// of its in-memory stores awake; when one more wakes, the one used least
// recently is put to sleep: its rows are packed into one byte slice, and
// its connection is emptied and handed to the next store that opens or
// wakes (pool.go). The next transaction or view on a sleeping store takes
// a connection and inserts the rows back, each with its rowid, before it
// runs, so the engine still runs every step on a real SQLite database and
// cannot tell (results are ordered by keys, never by page layout: see
// Image, which shares the argument). The version count is kept, so a
// reader that remembers it sees a slept store as unchanged, as it is.
//
// A world runs on one goroutine; the locks are for the store's own
// invariants. A store is put to sleep only when its mutex is free
// (TryLock): one in use is skipped and slept later.
type Hibernation struct {
	mu    sync.Mutex
	awake int        // capacity: stores holding a connection at once
	lru   *list.List // awake stores under h, most recently used first
	slept uint64     // times a store was put to sleep
	// woken is counted by wakeLocked under a store's lock, and a store's
	// lock is taken inside a Hibernation's (used), never the other way
	// round: so it is atomic rather than under mu.
	woken atomic.Uint64
	// asleepBytes is what the sleeping stores' packed rows take.
	asleepBytes atomic.Int64
}

// NewHibernation keeps at most awake stores awake (at least 1).
func NewHibernation(awake int) *Hibernation {
	return &Hibernation{awake: max(awake, 1), lru: list.New()}
}

// HibernationStats counts what a Hibernation did.
type HibernationStats struct {
	Awake int    // stores awake now
	Slept uint64 // times a store was put to sleep
	Woken uint64 // times a sleeping store was woken
	// AsleepBytes is what the sleeping stores' packed rows take.
	AsleepBytes int64
}

// Stats reports the counts so far.
func (h *Hibernation) Stats() HibernationStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return HibernationStats{Awake: h.lru.Len(), Slept: h.slept, Woken: h.woken.Load(), AsleepBytes: h.asleepBytes.Load()}
}

// Hibernate puts an in-memory store under h (a file store keeps its
// connection: its content is on disk and another process may hold it).
// A store is under at most one Hibernation, for the rest of its life.
func (d *DB) Hibernate(h *Hibernation) error {
	d.mu.Lock()
	if !d.memory {
		d.mu.Unlock()
		return errors.New("store hibernation: only an in-memory store can sleep")
	}
	if d.hib != nil {
		d.mu.Unlock()
		return errors.New("store hibernation: the store is under one already")
	}
	d.hib = h
	d.mu.Unlock()
	d.used()
	return nil
}

// Asleep says whether the store is sleeping now (tests).
func (d *DB) Asleep() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.asleep != nil
}

// used marks the store as the most recently used of its Hibernation and
// puts the least recently used to sleep while too many are awake. Call it
// after an operation, with d.mu not held.
func (d *DB) used() {
	h := d.hib
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	d.mu.Lock()
	awake := d.st.conn != nil
	d.mu.Unlock()
	switch {
	case d.elem != nil && awake:
		h.lru.MoveToFront(d.elem)
	case d.elem != nil: // closed or slept meanwhile
		h.lru.Remove(d.elem)
		d.elem = nil
	case awake:
		d.elem = h.lru.PushFront(d)
	}
	for e := h.lru.Back(); e != nil && h.lru.Len() > h.awake; {
		victim := e.Value.(*DB)
		prev := e.Prev()
		if victim != d && victim.mu.TryLock() {
			if err := victim.sleepLocked(); err == nil {
				h.lru.Remove(e)
				victim.elem = nil
				h.slept++
			}
			victim.mu.Unlock()
		}
		e = prev
	}
}

// forget takes a closed store off its Hibernation's list.
func (d *DB) forget() {
	h := d.hib
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if d.elem != nil {
		h.lru.Remove(d.elem)
		d.elem = nil
	}
}

// sleepLocked packs the store's rows and gives its connection back. On
// failure the store stays awake and unchanged.
func (d *DB) sleepLocked() error {
	if d.st.conn == nil || d.asleep != nil {
		return nil
	}
	layout, err := packLayout(&d.st)
	if err != nil {
		return err
	}
	packed, filled, err := pack(&d.st, layout)
	if err != nil {
		return err
	}
	if !d.giveBackFilled(filled) {
		d.st.close()
		_ = d.st.conn.Close()
	}
	d.st = statements{}
	d.asleep = packed
	if d.hib != nil {
		d.hib.asleepBytes.Add(int64(len(packed)))
	}
	return nil
}

// wakeLocked gives a sleeping store a connection and its rows back. On
// failure the store stays asleep, with its rows, and the caller's
// operation fails.
func (d *DB) wakeLocked() error {
	packed := d.asleep
	if packed == nil {
		return nil
	}
	st, ok := takeIdle()
	if !ok {
		fresh, err := openMemoryFromImage()
		if err != nil {
			return fmt.Errorf("wake store: %w", err)
		}
		st = fresh.st
	}
	d.st, d.asleep = st, nil
	err := d.transactLocked(func(etx engine.Tx) error {
		return unpack(etx.(*connTx), packed)
	}, true)
	if err != nil {
		d.st.close()
		_ = d.st.conn.Close()
		d.st, d.asleep = statements{}, packed
		return fmt.Errorf("wake store: %w", err)
	}
	if d.hib != nil {
		d.hib.woken.Add(1)
		d.hib.asleepBytes.Add(-int64(len(packed)))
	}
	return nil
}

// tableLayout is one table's column list and the statements that read
// and restore its rows (rowid included unless a column is the rowid).
type tableLayout struct {
	name   string
	cols   int
	read   string
	insert string
	empty  string
}

// layout is the same for every in-memory store of this build (they are
// all copies of one migrated image: template.go), so it is read once.
var layout struct {
	once   sync.Once
	tables []tableLayout
	err    error
}

// layoutOf reads a table's columns and builds its statements.
func layoutOf(s *statements, name string) (tableLayout, error) {
	cols, alias, err := columns(s, name)
	if err != nil {
		return tableLayout{}, err
	}
	list := make([]string, 0, len(cols)+1)
	if !alias {
		list = append(list, "rowid")
	}
	for _, c := range cols {
		list = append(list, fmt.Sprintf("%q", c))
	}
	selected := strings.Join(list, ", ")
	return tableLayout{
		name:   name,
		cols:   len(list),
		read:   fmt.Sprintf(`SELECT %s FROM %q ORDER BY rowid`, selected, name),
		insert: fmt.Sprintf(`INSERT INTO %q(%s) VALUES (%s)`, name, selected, strings.TrimSuffix(strings.Repeat("?, ", len(list)), ", ")),
		empty:  fmt.Sprintf(`DELETE FROM %q`, name),
	}, nil
}

func packLayout(s *statements) ([]tableLayout, error) {
	layout.once.Do(func() {
		tx := &connTx{s: s, readOnly: true}
		defer tx.closeRows()
		names, err := tableNames(tx)
		if err != nil {
			layout.err = err
			return
		}
		for _, name := range names {
			t, err := layoutOf(s, name)
			if err != nil {
				layout.err = err
				return
			}
			layout.tables = append(layout.tables, t)
		}
	})
	if layout.err != nil {
		return nil, fmt.Errorf("store layout: %w", layout.err)
	}
	return layout.tables, nil
}

// The packed form: for each table of the layout, in its order, the
// number of rows and then each row's values; then the AUTOINCREMENT
// counters. A value is a tag byte and its bytes.
const (
	tagNull  = 0
	tagInt   = 1 // zig-zag varint
	tagFloat = 2 // 8 bytes, little-endian IEEE 754
	tagText  = 3 // uvarint length, bytes
	tagBlob  = 4 // uvarint length, bytes (empty is not NULL)
)

// pack reads every row of every table, and the counters, into bytes, and
// says which tables hold rows. The bytes are never nil (a sleeping store
// is one whose bytes are set).
func pack(s *statements, tables []tableLayout) (_ []byte, filled []bool, _ error) {
	out := []byte{}
	filled = make([]bool, len(tables))
	var rowsBuf []byte
	for i, t := range tables {
		rowsBuf = rowsBuf[:0]
		n := 0
		var bad error
		err := each(s, t.read, t.cols, func(vals []driver.Value) {
			n++
			for _, v := range vals {
				var err error
				if rowsBuf, err = appendValue(rowsBuf, v); err != nil && bad == nil {
					bad = fmt.Errorf("%s: %w", t.name, err)
				}
			}
		})
		if err == nil {
			err = bad
		}
		if err != nil {
			return nil, nil, fmt.Errorf("pack store: %w", err)
		}
		out = binary.AppendUvarint(out, uint64(n))
		out = append(out, rowsBuf...)
		filled[i] = n > 0
	}
	var seqs []sequence
	err := each(s, `SELECT name, seq FROM sqlite_sequence ORDER BY rowid`, 2, func(vals []driver.Value) {
		name, _ := vals[0].(string)
		seq, _ := vals[1].(int64)
		seqs = append(seqs, sequence{name, seq})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("pack store: %w", err)
	}
	out = binary.AppendUvarint(out, uint64(len(seqs)))
	for _, q := range seqs {
		out = binary.AppendUvarint(out, uint64(len(q.name)))
		out = append(out, q.name...)
		out = binary.AppendVarint(out, q.seq)
	}
	// One allocation of the exact size: the buffer grew by doubling.
	return append(make([]byte, 0, len(out)), out...), filled, nil
}

func appendValue(b []byte, v driver.Value) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, tagNull), nil
	case int64:
		return binary.AppendVarint(append(b, tagInt), x), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(x)), nil
	case string:
		return append(binary.AppendUvarint(append(b, tagText), uint64(len(x))), x...), nil
	case []byte:
		return append(binary.AppendUvarint(append(b, tagBlob), uint64(len(x))), x...), nil
	default:
		return b, fmt.Errorf("a value of type %T cannot be packed", v)
	}
}

// errPacked is any damage to packed bytes: they never leave the process,
// so it means a bug here, and the store stays asleep rather than wake
// wrong.
var errPacked = errors.New("unpack store: packed rows are damaged")

// packedReader reads the packed form.
type packedReader struct {
	b []byte
}

func (r *packedReader) uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		return 0, errPacked
	}
	r.b = r.b[n:]
	return v, nil
}

func (r *packedReader) varint() (int64, error) {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		return 0, errPacked
	}
	r.b = r.b[n:]
	return v, nil
}

func (r *packedReader) bytes() ([]byte, error) {
	n, err := r.uvarint()
	if err != nil || n > uint64(len(r.b)) {
		return nil, errPacked
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out, nil
}

func (r *packedReader) value() (any, error) {
	if len(r.b) == 0 {
		return nil, errPacked
	}
	tag := r.b[0]
	r.b = r.b[1:]
	switch tag {
	case tagNull:
		return nil, nil
	case tagInt:
		return r.varint()
	case tagFloat:
		if len(r.b) < 8 {
			return nil, errPacked
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
		r.b = r.b[8:]
		return f, nil
	case tagText:
		b, err := r.bytes()
		return string(b), err
	case tagBlob:
		b, err := r.bytes()
		if b == nil && err == nil {
			b = []byte{}
		}
		return b, err
	default:
		return nil, errPacked
	}
}

// unpack inserts the packed rows and counters into an emptied store.
func unpack(tx *connTx, packed []byte) error {
	tables, err := packLayout(tx.s)
	if err != nil {
		return err
	}
	r := &packedReader{b: packed}
	for _, t := range tables {
		n, err := r.uvarint()
		if err != nil {
			return err
		}
		row := make([]any, t.cols)
		for i := uint64(0); i < n; i++ {
			for c := range row {
				if row[c], err = r.value(); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(t.insert, row...); err != nil {
				return fmt.Errorf("unpack store: %s: %w", t.name, err)
			}
		}
	}
	if _, err := tx.Exec(`DELETE FROM sqlite_sequence`); err != nil {
		return err
	}
	n, err := r.uvarint()
	if err != nil {
		return err
	}
	for i := uint64(0); i < n; i++ {
		name, err := r.bytes()
		if err != nil {
			return err
		}
		seq, err := r.varint()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)`, string(name), seq); err != nil {
			return err
		}
	}
	if len(r.b) != 0 {
		return errPacked
	}
	return nil
}

// Capacity is how many stores h keeps awake.
func (h *Hibernation) Capacity() int { return h.awake }
