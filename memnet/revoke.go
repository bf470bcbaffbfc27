package memnet

import (
	"slices"

	"github.com/mlsim/mlsim/engine"
)

// Revoke takes an installation out of the directory for good, as a user
// does with a lost device: its account no longer lists it, its unused key
// packages are gone, and it cannot upload again. Members' next commits
// remove it from their groups (SPEC: installations follow their account).
func (s *Server) Revoke(installation string) {
	if s.revoked[installation] {
		return
	}
	s.revoked[installation] = true
	account := engine.AccountOf(installation)
	if i := slices.Index(s.accounts[account], installation); i >= 0 {
		s.accounts[account] = slices.Delete(slices.Clone(s.accounts[account]), i, i+1)
	}
	delete(s.dir, installation)
	s.dirVersion++
}

// Revoked reports whether an installation was revoked.
func (s *Server) Revoked(installation string) bool { return s.revoked[installation] }
