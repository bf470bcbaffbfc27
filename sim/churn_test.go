package sim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Removes name a member with probability s/(s+removeDecoys), so churn holds
// groups near a size set by the add/remove weights. Were removes to name
// any of the 80 accounts, a hit would be s/80 and these groups would grow
// towards 80·add/remove accounts (docs/PERFORMANCE.md has both rules'
// sizes).
func TestRemovesHoldGroupsNearTheirSize(t *testing.T) {
	if testing.Short() {
		t.Skip("a 1,500-step world")
	}
	p := Params{Accounts: 80, InstallsPer: 1, MaxInstallations: 80, Groups: 3, InitialMembers: 3, Steps: 1500,
		Weights: map[Action]float64{ActAdd: 1, ActRemove: 2.25, ActSend: 2, ActPublish: 6, ActSync: 4,
			ActWelcomes: 2, ActSendWelcomes: 2, ActKeyPackages: 1}}
	res, err := Run(p, 1)
	require.NoError(t, err)
	require.Empty(t, res.Violations)
	removed := res.Events["member_removed"]
	require.Greater(t, removed, 20, "removes must land, not end NOOP")
	require.Less(t, res.MembersMean, 11.0, "groups drifted: mean %.1f, max %d", res.MembersMean, res.MembersMax)
	require.GreaterOrEqual(t, res.MembersMean, 2.0)
	t.Logf("members mean %.1f, max %d; %d removed", res.MembersMean, res.MembersMax, removed)
}
