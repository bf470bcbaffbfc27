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
	alice.gs, err = alice.a.LoadGroup(alice.id, data, nil)
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

// A state saved at epoch entry plus a key schedule saved after later
// messages restores to where the ratchets were: the next message decrypts,
// and the receiver restored the same way decrypts it. Restoring without
// the keys goes back to generation 0, which the receiver has used up.
func TestKeysSavedApartRestoreTheRatchets(t *testing.T) {
	alice, bob := newMember(t, "alice/1", 0), newMember(t, "bob/1", 0)
	var err error
	alice.gs, err = alice.a.CreateGroup(alice.id, []byte("g1"))
	require.NoError(t, err)
	alice.gs = addMember(t, alice, bob).Next
	aliceState, err := alice.gs.Marshal()
	require.NoError(t, err)
	bobState, err := bob.gs.Marshal()
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		ct, err := alice.gs.Protect([]byte("m"))
		require.NoError(t, err)
		_, _, err = bob.gs.Unprotect(ct)
		require.NoError(t, err)
	}
	aliceKeys, err := alice.gs.MarshalKeys()
	require.NoError(t, err)
	bobKeys, err := bob.gs.MarshalKeys()
	require.NoError(t, err)
	require.Less(t, len(aliceKeys), len(aliceState), "the key schedule is a part of the state")

	alice.gs, err = alice.a.LoadGroup(alice.id, aliceState, aliceKeys)
	require.NoError(t, err)
	bob.gs, err = bob.a.LoadGroup(bob.id, bobState, bobKeys)
	require.NoError(t, err)
	ct, err := alice.gs.Protect([]byte("after restore"))
	require.NoError(t, err)
	_, pt, err := bob.gs.Unprotect(ct)
	require.NoError(t, err)
	require.Equal(t, "after restore", string(pt))

	stale, err := alice.a.LoadGroup(alice.id, aliceState, nil)
	require.NoError(t, err)
	ct, err = stale.Protect([]byte("reused generation"))
	require.NoError(t, err)
	_, _, err = bob.gs.Unprotect(ct)
	require.Error(t, err, "generation 0 again: the receiver has erased that key")
}

func TestKeysOfAnotherEpochAreRefused(t *testing.T) {
	alice, bob := newMember(t, "alice/1", 0), newMember(t, "bob/1", 0)
	var err error
	alice.gs, err = alice.a.CreateGroup(alice.id, []byte("g1"))
	require.NoError(t, err)
	epoch0Keys, err := alice.gs.MarshalKeys()
	require.NoError(t, err)
	alice.gs = addMember(t, alice, bob).Next
	state, err := alice.gs.Marshal()
	require.NoError(t, err)
	_, err = alice.a.LoadGroup(alice.id, state, epoch0Keys)
	require.ErrorContains(t, err, "another epoch")
	_, err = alice.a.LoadGroup(alice.id, state, []byte{1, 2, 3})
	require.Error(t, err)
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

// countingReader counts the bytes drawn from a stream.
type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// Restoring a state and reading its authenticator draw nothing from the
// installation's stream: a harness that reads a client (a snapshot) must
// not change the randomness its next commit is built with.
func TestReadingAStateDrawsNoRandomness(t *testing.T) {
	rng := &countingReader{r: detrand.New(7, "alice/1")}
	a := mlsadapter.New(rng)
	id, err := a.NewIdentity("alice/1")
	require.NoError(t, err)
	gs, err := a.CreateGroup(id, []byte("g"))
	require.NoError(t, err)
	data, err := gs.Marshal()
	require.NoError(t, err)
	before := rng.n
	restored, err := a.LoadGroup(id, data, nil)
	require.NoError(t, err)
	require.Equal(t, gs.Authenticator(), restored.Authenticator())
	require.Equal(t, before, rng.n)
}
