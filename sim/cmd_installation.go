package sim

import (
	"fmt"
	"strings"
)

// installation ID: create an installation (account/name) with its own
// store and crypto stream, and upload its key packages.
func (w *World) cmdInstallation(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	id := c.Arg(0)
	if i := strings.LastIndexByte(id, '/'); i <= 0 || i == len(id)-1 {
		return result{}, fmt.Errorf("installation %q: want account/name", id)
	}
	if _, ok := w.clients[id]; ok {
		return result{out: "skipped: exists"}, nil
	}
	if len(w.names) >= MaxInstallations {
		return result{}, fmt.Errorf("installation %s: a world holds at most %d installations", id, MaxInstallations)
	}
	err := w.createInstallation(id)
	w.count("installation_created")
	return result{out: outcome(err)}, nil
}
