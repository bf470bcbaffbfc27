package checker_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// L6's exemptions (installationsFollow), each against the same world
// without it.

// An UPDATE_INSTALLATIONS that FAILED group_cap in the group exempts it:
// the account's missing installation could not be added. One of another
// group, or another kind's group_cap failure, does not.
func TestL6GroupCapExemption(t *testing.T) {
	w := healthy()
	secondDevice(w)
	w.c("a/1").intent(7).kind = updateK
	w.c("a/1").intent(7).data = ""
	require.Empty(t, describe(w.run(t).Violations()))

	w = healthy()
	secondDevice(w)
	require.Equal(t, map[string]bool{"L6": true}, properties(w.run(t).Violations()), "an ADD's group_cap exempts nothing")
}

// With every member revoked no one is left to remove them: no L6 for
// their staying.
func TestL6AllMembersRevoked(t *testing.T) {
	w := healthy()
	w.dir = map[string][]string{"d": {"d/1"}}
	w.revoked = map[string]bool{"a/1": true, "b/1": true}
	vs := w.run(t).Violations()
	require.NotContains(t, describe(vs), "was revoked but is still a member", "all revoked: exempt")

	w = healthy()
	w.dir = map[string][]string{"a": {"a/1"}, "d": {"d/1"}}
	w.revoked = map[string]bool{"b/1": true}
	require.Contains(t, describe(w.run(t).Violations()), "b/1 was revoked but is still a member")
}
