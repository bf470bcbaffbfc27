package mlsadapter

import (
	"bytes"
	"fmt"
	"io"
	"reflect"

	mls "github.com/cisco/go-mls"
	syntax "github.com/cisco/go-tls-syntax"

	"github.com/mlsim/mlsim/engine"
)

// group is one live go-mls state; it implements engine.GroupState.
type group struct {
	a     *Adapter
	state *mls.State
}

var _ engine.GroupState = (*group)(nil)

// CreateGroup makes a one-member group at epoch 0.
func (a *Adapter) CreateGroup(id engine.Identity, groupID []byte) (engine.GroupState, error) {
	sigPriv, cred, err := decodeIdentity(id)
	if err != nil {
		return nil, err
	}
	kp, secret, err := a.newKeyPackage(cred, sigPriv)
	if err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	var s *mls.State
	err = a.withSources("create group", func() error {
		var err error
		s, err = mls.NewEmptyState(groupID, secret, sigPriv, *kp)
		if err != nil {
			return err
		}
		return s.Tree.SetHashAll()
	})
	if err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	return &group{a: a, state: s}, nil
}

// Join enters a group from a welcome, with whichever key package it names.
func (a *Adapter) Join(id engine.Identity, kps []engine.KeyPackageSecret, welcomeData []byte) (engine.GroupState, []byte, error) {
	sigPriv, _, err := decodeIdentity(id)
	if err != nil {
		return nil, nil, err
	}
	var welcome mls.Welcome
	if n, err := syntax.Unmarshal(welcomeData, &welcome); err != nil || n != len(welcomeData) {
		return nil, nil, fmt.Errorf("join: malformed welcome (%v)", err)
	}
	for _, kpSecret := range kps {
		if !welcomeNames(welcome, kpSecret.Ref) {
			continue
		}
		kp, err := decodeKeyPackage(kpSecret.Public)
		if err != nil {
			return nil, nil, err
		}
		var priv keyPackagePrivate
		if _, err := syntax.Unmarshal(kpSecret.Private, &priv); err != nil {
			return nil, nil, fmt.Errorf("join: decode key package secret: %w", err)
		}
		var s *mls.State
		err = a.withSources("join", func() error {
			var err error
			s, err = mls.NewJoinedState(priv.InitSecret, []mls.SignaturePrivateKey{sigPriv}, []mls.KeyPackage{*kp}, welcome)
			if err != nil {
				return err
			}
			return s.Tree.SetHashAll()
		})
		if err != nil {
			return nil, nil, fmt.Errorf("join: %w", err)
		}
		detach(s) // go-mls decoded the tree from the welcome inside
		return &group{a: a, state: s}, kpSecret.Ref, nil
	}
	return nil, nil, fmt.Errorf("join: welcome names none of our key packages")
}

func welcomeNames(w mls.Welcome, ref []byte) bool {
	for _, egs := range w.Secrets {
		if bytes.Equal(egs.KeyPackageHash, ref) {
			return true
		}
	}
	return false
}

// LoadGroup restores a saved state (the only place states are decoded
// besides join: bug 7 makes decoding O(N²) in the tree width), with its
// later key schedule if one was saved. Decoding is our persistence, not a
// go-mls operation, so it is not metered.
func (a *Adapter) LoadGroup(_ engine.Identity, data, keys []byte) (engine.GroupState, error) {
	var s *mls.State
	err := a.withoutRandomness("load group", nil, func() error {
		var err error
		if s, err = unmarshalState(data, a.on(RehashOnRestore)); err != nil {
			return err
		}
		if keys != nil {
			return unmarshalKeys(s, keys)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &group{a: a, state: s}, nil
}

func (g *group) Epoch() uint64            { return uint64(g.state.Epoch) }
func (g *group) GroupID() []byte          { return g.state.GroupID }
func (g *group) Width() int               { return int(g.state.Tree.Size()) }
func (g *group) Marshal() ([]byte, error) { return marshalState(g.state) }

func (g *group) MarshalKeys() ([]byte, error) { return marshalKeys(g.state) }

func (g *group) Members() []engine.Member {
	var out []engine.Member
	for i := 0; i < int(g.state.Tree.Size()); i++ {
		kp, ok := g.state.Tree.KeyPackage(mls.LeafIndex(i))
		if !ok {
			continue
		}
		id, err := credentialID(kp.Credential)
		if err != nil {
			continue
		}
		out = append(out, engine.Member{Leaf: uint32(i), InstallationID: id})
	}
	return out
}

// Authenticator is an exporter output of the epoch's key schedule followed
// by the tree hash: equal only for members that share the epoch.
func (g *group) Authenticator() []byte {
	var out []byte
	_ = g.a.withoutRandomness("authenticator", g.a.meter, func() error {
		exp := g.state.Keys.Export("mlsim epoch authenticator", nil, 16)
		out = append(append(out, exp...), g.state.Tree.RootHash()...)
		return nil
	})
	return out
}

// copyForChange returns the state a commit is built or processed on.
func (g *group) copyForChange() (*mls.State, error) {
	if g.a.on(DeepCopyCommit) {
		return deepCopy(g.state)
	}
	// What a naive caller does: a shallow copy that shares the tree's key
	// packages with the live state.
	return g.pendingCopy(), nil
}

// pendingCopy is a shallow copy of the state with pending proposals and
// updates of its own, so queueing proposals on it leaves the live state
// as it was.
func (g *group) pendingCopy() *mls.State {
	cp := *g.state
	cp.PendingProposals = nil
	updates := reflect.ValueOf(&cp).Elem().FieldByName("PendingUpdates")
	updates.Set(reflect.MakeMap(updates.Type()))
	return &cp
}

func (g *group) leafOf(installationID string) (mls.LeafIndex, bool) {
	for _, m := range g.Members() {
		if m.InstallationID == installationID {
			return mls.LeafIndex(m.Leaf), true
		}
	}
	return 0, false
}

func (g *group) readSecret() ([]byte, error) {
	secret := make([]byte, 32)
	if _, err := io.ReadFull(g.a.rng, secret); err != nil {
		return nil, err
	}
	return secret, nil
}
