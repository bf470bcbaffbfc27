package mlsadapter

import (
	"bytes"
	"fmt"
	"reflect"

	mls "github.com/cisco/go-mls"
	syntax "github.com/cisco/go-tls-syntax"
)

// savedState is what round-trips through go-tls-syntax: syntax.Marshal of a
// whole mls.State fails on its bool map, so the public fields and the
// secrets are saved side by side (GOMLS.md "Persisting a state").
type savedState struct {
	CipherSuite             mls.CipherSuite
	GroupID                 []byte `tls:"head=1"`
	Epoch                   mls.Epoch
	Tree                    mls.TreeKEMPublicKey
	ConfirmedTranscriptHash []byte `tls:"head=1"`
	InterimTranscriptHash   []byte `tls:"head=1"`
	Extensions              mls.ExtensionList
	Secrets                 mls.StateSecrets
}

func marshalState(s *mls.State) ([]byte, error) {
	saved := savedState{
		CipherSuite:             s.CipherSuite,
		GroupID:                 s.GroupID,
		Epoch:                   s.Epoch,
		Tree:                    s.Tree,
		ConfirmedTranscriptHash: s.ConfirmedTranscriptHash,
		InterimTranscriptHash:   s.InterimTranscriptHash,
		Extensions:              s.Extensions,
		Secrets:                 s.GetSecrets(),
	}
	data, err := syntax.Marshal(saved)
	if err != nil {
		return nil, fmt.Errorf("marshal group state: %w", err)
	}
	return data, nil
}

// unmarshalState rebuilds a live state. rehash is the bug-5 defence: go-mls's
// OptionalNode.Clone marks empty hashes as computed, so a restored tree must
// have every hash computed before anything clones it.
func unmarshalState(data []byte, rehash bool) (*mls.State, error) {
	var saved savedState
	n, err := syntax.Unmarshal(data, &saved)
	if err != nil {
		return nil, fmt.Errorf("unmarshal group state: %w", err)
	}
	if n != len(data) {
		return nil, fmt.Errorf("unmarshal group state: %w", errTrailing)
	}
	detach(&saved)
	s := &mls.State{
		CipherSuite:             saved.CipherSuite,
		GroupID:                 saved.GroupID,
		Epoch:                   saved.Epoch,
		Tree:                    saved.Tree,
		ConfirmedTranscriptHash: saved.ConfirmedTranscriptHash,
		InterimTranscriptHash:   saved.InterimTranscriptHash,
		Extensions:              saved.Extensions,
		NewCredentials:          map[mls.LeafIndex]bool{},
	}
	s.Tree.Suite = saved.CipherSuite
	s.SetSecrets(saved.Secrets)
	if rehash {
		if err := s.Tree.SetHashAll(); err != nil {
			return nil, fmt.Errorf("rehash restored tree: %w", err)
		}
	} else {
		// Without the defence, do what a naive caller does: clone the
		// restored state (go-mls's own Clone marks the missing hashes as
		// computed-but-empty).
		s.Tree = s.Tree.Clone()
	}
	if err := wireKeySources(&s.Keys); err != nil {
		return nil, err
	}
	return s, nil
}

// marshalKeys saves the key schedule alone: Protect and Unprotect change
// nothing else (its ratchets and the secret tree they are drawn from).
func marshalKeys(s *mls.State) ([]byte, error) {
	data, err := syntax.Marshal(s.Keys)
	if err != nil {
		return nil, fmt.Errorf("marshal key schedule: %w", err)
	}
	return data, nil
}

// unmarshalKeys replaces a restored state's key schedule with a later save
// of the same epoch's.
func unmarshalKeys(s *mls.State, data []byte) error {
	var fresh mls.State // a zero key schedule to decode into
	keys := fresh.Keys
	n, err := syntax.Unmarshal(data, &keys)
	if err != nil {
		return fmt.Errorf("unmarshal key schedule: %w", err)
	}
	if n != len(data) {
		return fmt.Errorf("unmarshal key schedule: %w", errTrailing)
	}
	if !bytes.Equal(keys.EpochSecret, s.Keys.EpochSecret) {
		return fmt.Errorf("unmarshal key schedule: saved for another epoch than the state")
	}
	s.Keys = keys
	return wireKeySources(&s.Keys)
}

// wireKeySources re-creates the application and handshake key sources,
// which go-mls does not serialise (tls:"omit") and builds only in an
// unexported method; without them Protect and Unprotect nil-panic. The
// sources are plain views over the ratchet maps and base keys, so pointing
// new ones at the restored maps reproduces exactly what go-mls builds.
func wireKeySources(keys any) error {
	ks := reflect.ValueOf(keys).Elem()
	for _, pair := range [][3]string{
		{"ApplicationKeys", "ApplicationBaseKeys", "ApplicationRatchets"},
		{"HandshakeKeys", "HandshakeBaseKeys", "HandshakeRatchets"},
	} {
		dst := ks.FieldByName(pair[0])
		if !dst.IsValid() || dst.Kind() != reflect.Pointer {
			return fmt.Errorf("go-mls key schedule has no %s field", pair[0])
		}
		src := reflect.New(dst.Type().Elem())
		src.Elem().FieldByName("Base").Set(ks.FieldByName(pair[1]))
		src.Elem().FieldByName("Ratchets").Set(ks.FieldByName(pair[2]))
		dst.Set(src)
	}
	return nil
}

// deepCopy is the bug-4 defence: go-mls's Clone shares key package
// extension storage with the original, and Commit overwrites it in place.
// Hashes are not serialised (tls:"omit"); the copy takes them from the
// original node by node (nil stays nil), which also spares a full rehash.
func deepCopy(s *mls.State) (*mls.State, error) {
	data, err := marshalState(s)
	if err != nil {
		return nil, err
	}
	cp, err := unmarshalState(data, false)
	if err != nil {
		return nil, err
	}
	for i := range cp.Tree.Nodes {
		if h := s.Tree.Nodes[i].Hash; h != nil {
			cp.Tree.Nodes[i].Hash = append(make([]byte, 0, len(h)), h...)
		} else {
			cp.Tree.Nodes[i].Hash = nil
		}
	}
	return cp, nil
}
