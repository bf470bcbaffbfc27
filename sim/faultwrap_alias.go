package sim

import "github.com/mlsim/mlsim/internal/faultwrap"

// The simulated failures a command's outcome names (outcome): a client
// that crashed, and a store that failed to commit.
var (
	ErrCrashed   = faultwrap.ErrCrashed
	ErrStoreBusy = faultwrap.ErrStoreBusy
)
