package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/wire"
)

// What a commit needs is read from its manifest: adding an account with
// no member, leaving an account with none, changing admins or levels.
// Alignment (a member account's new device, one of several devices
// removed) needs nothing.
func TestPolicyViolation(t *testing.T) {
	p := wire.DefaultPolicy("alice")
	p.AddAccount, p.RemoveAccount = wire.Admins, wire.Admins
	p.Admins = []string{"bob"}
	members := []string{"alice/1", "bob/1", "carol/1", "carol/2"}
	for _, tc := range []struct {
		name           string
		sender         string
		added, removed []string
		next           func(wire.Policy) wire.Policy
		wantDenied     bool
	}{
		{"carol adds her new device", "carol/1", []string{"carol/3"}, nil, nil, false},
		{"carol removes one of her devices", "carol/1", nil, []string{"carol/2"}, nil, false},
		{"carol removes bob's only device: his account", "carol/1", nil, []string{"bob/1"}, nil, true},
		{"carol adds dave", "carol/1", []string{"dave/1"}, nil, nil, true},
		{"bob (admin) adds dave", "bob/1", []string{"dave/1"}, nil, nil, false},
		{"bob (admin) removes carol's account", "bob/1", nil, []string{"carol/1", "carol/2"}, nil, false},
		{"carol removes alice", "carol/1", nil, []string{"alice/1"}, nil, true},
		{"a device swap keeps the account", "carol/1", []string{"alice/2"}, []string{"alice/1"}, nil, false},
		{"bob names carol admin", "bob/1", nil, nil, func(q wire.Policy) wire.Policy { q.Admins = []string{"bob", "carol"}; return q }, true},
		{"alice names carol admin", "alice/1", nil, nil, func(q wire.Policy) wire.Policy { q.Admins = []string{"bob", "carol"}; return q }, false},
		{"bob opens removal", "bob/1", nil, nil, func(q wire.Policy) wire.Policy { q.RemoveAccount = wire.Everyone; return q }, true},
		{"alice changes the super admin", "alice/1", nil, nil, func(q wire.Policy) wire.Policy { q.SuperAdmin = "bob"; return q }, true},
	} {
		next := p
		if tc.next != nil {
			next = tc.next(p)
		}
		why := policyViolation(p, tc.sender, members, tc.added, tc.removed, next)
		require.Equal(t, tc.wantDenied, why != "", "%s: %q", tc.name, why)
	}
}

func TestApplyPolicyIntent(t *testing.T) {
	p := wire.DefaultPolicy("alice")
	got := applyPolicyIntent(p, intent.Intent{Kind: intent.UpdateAdmins, Data: []byte("+carol\n+bob\n+alice")})
	require.Equal(t, []string{"bob", "carol"}, got.Admins, "the super admin is never listed")
	got = applyPolicyIntent(got, intent.Intent{Kind: intent.UpdateAdmins, Data: []byte("-bob")})
	require.Equal(t, []string{"carol"}, got.Admins)
	got = applyPolicyIntent(got, intent.Intent{Kind: intent.UpdatePolicy, Data: []byte("remove=admins\npolicy=everyone")})
	require.Equal(t, [4]wire.Level{wire.Everyone, wire.Admins, wire.SuperAdmins, wire.Everyone}, got.Levels())
	require.Equal(t, []string(nil), applyPolicyIntent(p, intent.Intent{Kind: intent.UpdateAdmins, Data: []byte("-bob")}).Admins)
}
