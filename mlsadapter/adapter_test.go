//go:debug randseednop=0
package mlsadapter_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/mlsadapter"
)

type member struct {
	a  *mlsadapter.Adapter
	id engine.Identity
	gs engine.GroupState
}

func newMember(t *testing.T, name string, d mlsadapter.Defence) *member {
	rng := detrand.New(7, name)
	var a *mlsadapter.Adapter
	if d == 0 {
		a = mlsadapter.New(rng)
	} else {
		a = mlsadapter.NewVariant(rng, d)
	}
	id, err := a.NewIdentity(name)
	require.NoError(t, err)
	return &member{a: a, id: id}
}

// addMember has m commit an add of j and j join from the welcome.
func addMember(t *testing.T, m, j *member) engine.BuiltCommit {
	kp, err := j.a.NewKeyPackage(j.id)
	require.NoError(t, err)
	owner, err := m.a.KeyPackageOwner(kp.Public)
	require.NoError(t, err)
	require.Equal(t, j.id.InstallationID, owner)
	bc, err := m.gs.Commit([][]byte{kp.Public}, nil)
	require.NoError(t, err)
	j.gs, _, err = j.a.Join(j.id, []engine.KeyPackageSecret{kp}, bc.Welcome)
	require.NoError(t, err)
	return bc
}

func TestThreeMembersCommitProtectRestore(t *testing.T) {
	alice, bob, carol := newMember(t, "alice/1", 0), newMember(t, "bob/1", 0), newMember(t, "carol/1", 0)
	var err error
	alice.gs, err = alice.a.CreateGroup(alice.id, []byte("g1"))
	require.NoError(t, err)
	bc := addMember(t, alice, bob)
	require.Equal(t, uint64(0), alice.gs.Epoch(), "building a commit changes nothing")
	alice.gs = bc.Next
	require.Equal(t, alice.gs.Authenticator(), bob.gs.Authenticator())

	bc = addMember(t, bob, carol)
	info, err := alice.gs.Inspect(bc.Proposals, bc.Commit)
	require.NoError(t, err)
	require.Equal(t, engine.CommitInfo{Epoch: 1, Sender: "bob/1", Added: []string{"carol/1"}}, info)
	alice.gs, err = alice.gs.Process(bc.Proposals, bc.Commit)
	require.NoError(t, err)
	bob.gs = bc.Next
	require.Equal(t, alice.gs.Authenticator(), carol.gs.Authenticator())
	require.Equal(t, bob.gs.Authenticator(), carol.gs.Authenticator())

	// Restore alice from bytes, then she commits: everyone follows.
	data, err := alice.gs.Marshal()
	require.NoError(t, err)
	alice.gs, err = alice.a.LoadGroup(alice.id, data)
	require.NoError(t, err)
	bc, err = alice.gs.Commit(nil, []string{"bob/1"})
	require.NoError(t, err)
	carol.gs, err = carol.gs.Process(bc.Proposals, bc.Commit)
	require.NoError(t, err)
	alice.gs = bc.Next
	require.Equal(t, alice.gs.Authenticator(), carol.gs.Authenticator())
	require.Len(t, alice.gs.Members(), 2)

	ct, err := alice.gs.Protect([]byte("hello"))
	require.NoError(t, err)
	sender, pt, err := carol.gs.Unprotect(ct)
	require.NoError(t, err)
	require.Equal(t, "alice/1", sender)
	require.Equal(t, "hello", string(pt))
}

func TestConcurrentCommitLoserProcessesWinner(t *testing.T) {
	alice, bob := newMember(t, "alice/1", 0), newMember(t, "bob/1", 0)
	var err error
	alice.gs, err = alice.a.CreateGroup(alice.id, []byte("g1"))
	require.NoError(t, err)
	alice.gs = addMember(t, alice, bob).Next
	before := alice.gs.Authenticator()
	aliceCommit, err := alice.gs.Commit(nil, nil)
	require.NoError(t, err)
	bobCommit, err := bob.gs.Commit(nil, nil)
	require.NoError(t, err)
	require.Equal(t, before, alice.gs.Authenticator())
	_ = aliceCommit
	alice.gs, err = alice.gs.Process(bobCommit.Proposals, bobCommit.Commit)
	require.NoError(t, err)
	require.Equal(t, alice.gs.Authenticator(), bobCommit.Next.Authenticator())
}

func TestKeyPackagesHaveFixedLifetime(t *testing.T) {
	m := newMember(t, "alice/1", 0)
	kp, err := m.a.NewKeyPackage(m.id)
	require.NoError(t, err)
	nb, na, err := mlsadapter.KeyPackageLifetime(kp.Public)
	require.NoError(t, err)
	require.Equal(t, uint64(0), nb)
	require.Equal(t, mlsadapter.FixedNotAfter, na)
	again, err := newMember(t, "alice/1", 0).a.NewKeyPackage(m.id)
	require.NoError(t, err)
	_ = again
}
