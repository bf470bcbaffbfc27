package engine_test

import (
	"crypto/rand"
	"fmt"
	"testing"

	mls "github.com/cisco/go-mls"
	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/mlsadapter"
)

// rawGroup is a group driven through go-mls directly, with no store, no
// copies and no envelopes: the floor the engine's benchmarks compare with.
// Only the members a benchmark uses are kept in step.
type rawGroup struct {
	states []*mls.State
	sigs   []mls.SignaturePrivateKey
}

func rawMember(b *testing.B, i int) (mls.SignaturePrivateKey, *mls.KeyPackage, []byte) {
	b.Helper()
	scheme := mlsadapter.Suite.Scheme()
	sig, err := scheme.Generate()
	require.NoError(b, err)
	cred := mls.NewBasicCredential([]byte(fmt.Sprintf("m%d/1", i)), scheme, sig.PublicKey)
	secret := make([]byte, 32)
	_, err = rand.Read(secret)
	require.NoError(b, err)
	kp, err := mls.NewKeyPackageWithSecret(mlsadapter.Suite, secret, cred, sig)
	require.NoError(b, err)
	return sig, kp, secret
}

// newRawGroup builds n members at epoch 1: member 0 adds everyone in one
// commit that also updates its own leaf (a path, as go-mls bug 3 needs),
// and the others join from the welcome.
func newRawGroup(b *testing.B, n int) *rawGroup {
	b.Helper()
	g := &rawGroup{states: make([]*mls.State, n), sigs: make([]mls.SignaturePrivateKey, n)}
	sig0, kp0, secret0 := rawMember(b, 0)
	creator, err := mls.NewEmptyState([]byte("g"), secret0, sig0, *kp0)
	require.NoError(b, err)
	kps := make([]*mls.KeyPackage, n)
	secrets := make([][]byte, n)
	for i := 1; i < n; i++ {
		g.sigs[i], kps[i], secrets[i] = rawMember(b, i)
		pt, err := creator.Add(*kps[i])
		require.NoError(b, err)
		_, err = creator.Handle(pt)
		require.NoError(b, err)
	}
	g.sigs[0] = sig0
	g.states[0] = creator
	_, welcome := g.commitWith(b, 0)
	for i := 1; i < n; i++ {
		g.states[i], err = mls.NewJoinedState(secrets[i], []mls.SignaturePrivateKey{g.sigs[i]}, []mls.KeyPackage{*kps[i]}, *welcome)
		require.NoError(b, err)
	}
	return g
}

// rawCommit is what a receiver handles: the proposal, then the commit.
type rawCommit struct{ update, commit *mls.MLSPlaintext }

// commit has member i update its own leaf and commit; it adopts the next
// state at once and returns what others handle.
func (g *rawGroup) commit(b *testing.B, i int) rawCommit {
	c, _ := g.commitWith(b, i)
	return c
}

func (g *rawGroup) commitWith(b *testing.B, i int) (rawCommit, *mls.Welcome) {
	s := g.states[i]
	secret := make([]byte, 32)
	_, err := rand.Read(secret)
	require.NoError(b, err)
	cred := mls.NewBasicCredential([]byte(fmt.Sprintf("m%d/1", i)), mlsadapter.Suite.Scheme(), g.sigs[i].PublicKey)
	kp, err := mls.NewKeyPackageWithSecret(mlsadapter.Suite, secret, cred, g.sigs[i])
	require.NoError(b, err)
	up, err := s.Update(secret, &g.sigs[i], *kp)
	require.NoError(b, err)
	_, err = s.Handle(up)
	require.NoError(b, err)
	leaf := make([]byte, 32)
	_, err = rand.Read(leaf)
	require.NoError(b, err)
	pt, welcome, next, err := s.Commit(leaf)
	require.NoError(b, err)
	g.states[i] = next
	return rawCommit{update: up, commit: pt}, welcome
}

// handle has member i process another member's commit.
func (g *rawGroup) handle(b *testing.B, i int, c rawCommit) {
	_, err := g.states[i].Handle(c.update)
	require.NoError(b, err)
	next, err := g.states[i].Handle(c.commit)
	require.NoError(b, err)
	g.states[i] = next
}
