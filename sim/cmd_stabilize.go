package sim

import "fmt"

// stabilize: the liveness phase — heal every fault, restart every client
// and run rounds until nothing changes, within the bound (see Settle).
func (w *World) cmdStabilize(c Cmd) (result, error) {
	converged, rounds, bound := w.Settle()
	w.settled = &settleResult{converged: converged, rounds: rounds, bound: bound}
	if !converged {
		return result{out: fmt.Sprintf("not settled within %d rounds", bound)}, nil
	}
	return result{out: fmt.Sprintf("settled in %d rounds (bound %d)", rounds, bound)}, nil
}
