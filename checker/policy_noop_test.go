package checker_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
)

// S10 for the admin and policy intents (policyNoop): NOOP only if the
// policy of the judged epoch already was what the intent asks. healthy's
// group g has the default policy (super admin a, no admins, everyone
// adds); a/1's intent 4 ended NOOP at epoch 2.
func TestPolicyNoop(t *testing.T) {
	for _, c := range []struct {
		kind checker.IntentKind
		data string
		says string // "" when the NOOP is justified
	}{
		{checker.KindUpdateAdmins, "+b", "intent 4 (UPDATE_ADMINS) ended NOOP at epoch 2, but the policy there was"},
		{checker.KindUpdateAdmins, "+a", ""}, // the super admin is no admin to add
		{checker.KindUpdateAdmins, "-b", ""}, // not an admin: nothing to remove
		{checker.KindUpdateAdmins, "+", ""},  // no account named
		{checker.KindUpdatePolicy, "add=admins", "intent 4 (UPDATE_POLICY) ended NOOP at epoch 2, but the policy there was"},
		{checker.KindUpdatePolicy, "add=everyone", ""},
	} {
		t.Run(c.kind.String()+" "+c.data, func(t *testing.T) {
			w := healthy()
			in := w.c("a/1").intent(4)
			in.kind, in.data = c.kind, c.data
			got := describe(w.run(t).Violations())
			if c.says == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, c.says)
		})
	}
}
