package store

import (
	"fmt"
	"sync"
)

// A fresh in-memory store starts as a copy of one migrated database image
// instead of running the migrations again: parsing the schema was 8% of a
// simulated seed's CPU time (a world opens a store per installation). The
// image is a pure function of the embedded migrations, so sharing it
// across worlds changes no behaviour.
var template struct {
	once  sync.Once
	image []byte
	err   error
}

func migratedImage() ([]byte, error) {
	template.once.Do(func() {
		d, err := open("file::memory:")
		if err != nil {
			template.err = err
			return
		}
		defer d.Close()
		template.image, template.err = d.st.conn.Serialize()
	})
	return template.image, template.err
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
