package store

import (
	"fmt"
	"sync"

	"github.com/mlsim/mlsim/engine"
)

// A fresh in-memory store starts as a copy of one migrated database image
// instead of running the migrations again: a world opens a store per
// installation, and parsing the schema each time is a real share of a
// simulated seed's CPU time (docs/PERFORMANCE.md has the figure). The
// image is a pure function of the embedded migrations, so sharing it
// across worlds changes no behaviour.
var template struct {
	once      sync.Once
	image     []byte
	sequences []sequence // the image's AUTOINCREMENT counters (pool.go restores them)
	err       error
}

// sequence is one row of sqlite_sequence.
type sequence struct {
	name string
	seq  int64
}

func migratedImage() ([]byte, error) {
	template.once.Do(func() {
		d, err := open("file::memory:")
		if err != nil {
			template.err = err
			return
		}
		defer d.Close()
		if template.sequences, template.err = readSequences(d); template.err != nil {
			return
		}
		template.image, template.err = d.st.conn.Serialize()
	})
	return template.image, template.err
}

func readSequences(d *DB) ([]sequence, error) {
	var out []sequence
	err := d.View(func(tx engine.Tx) error {
		rows, err := tx.Query(`SELECT name, seq FROM sqlite_sequence ORDER BY name`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s sequence
			if err := rows.Scan(&s.name, &s.seq); err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	return out, err
}

// openMemoryFromImage opens an empty in-memory database and loads the
// migrated image into it.
func openMemoryFromImage() (*DB, error) {
	image, err := migratedImage()
	if err != nil {
		return nil, fmt.Errorf("open store: template: %w", err)
	}
	d, err := openUnmigrated("file::memory:")
	if err != nil {
		return nil, err
	}
	if err := d.st.conn.Deserialize(image); err != nil {
		d.Close()
		return nil, fmt.Errorf("open store: load template: %w", err)
	}
	// Migrations newer than the image (none within one build) still run.
	if err := d.migrate(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}
