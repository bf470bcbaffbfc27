package sim

import (
	"errors"

	"github.com/mlsim/mlsim/engine"
)

// Fixtures are deliberately broken pieces a test can put into a world
// (`world fixture=NAME`), to show the harness catches and shrinks what
// they break. They live here, on the harness side: the engine has no
// switch for them.
var Fixtures = map[string]func(id string, s engine.Store) engine.Store{
	// skip-past-busy: a store that reports a transaction whose commit
	// failed transiently as committed. The engine believes the envelope
	// was processed, and its sync batch continues past it: the envelope
	// is skipped (the bug SPEC §5's "stop at the first transient error"
	// prevents).
	"skip-past-busy": func(_ string, s engine.Store) engine.Store { return busyIsSuccess{s} },
}

type busyIsSuccess struct{ engine.Store }

func (b busyIsSuccess) Update(fn func(engine.Tx) error) error {
	if err := b.Store.Update(fn); err != nil && !errors.Is(err, ErrStoreBusy) {
		return err
	}
	return nil
}
