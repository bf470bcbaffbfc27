package mlsadapter

import (
	"errors"
	"fmt"
	"io"

	mls "github.com/cisco/go-mls"
	syntax "github.com/cisco/go-tls-syntax"

	"github.com/mlsim/mlsim/engine"
)

// Suite is the one cipher suite used: the ECDSA suites nil-panic on the Go
// versions this project builds with (GOMLS.md).
const Suite = mls.X25519_AES128GCM_SHA256_Ed25519

// ErrLibraryPanic marks an error that go-mls raised as a panic.
var ErrLibraryPanic = errors.New("go-mls panicked")

// Defence names one protection this package adds around go-mls.
type Defence int

const (
	// PathOnAdd commits adds with a self-update, so with a path (bug 3).
	PathOnAdd Defence = iota + 1
	// DeepCopyCommit builds commits on a marshalled copy (bug 4); commits
	// are processed on a shallow copy either way (group.Process).
	DeepCopyCommit
	// RehashOnRestore recomputes tree hashes after a restore (bug 5).
	RehashOnRestore
	// FixedLifetime gives key packages a fixed lifetime instead of one
	// read from the wall clock.
	FixedLifetime
)

func (d Defence) String() string {
	switch d {
	case PathOnAdd:
		return "path-on-add"
	case DeepCopyCommit:
		return "deep-copy-commit"
	case RehashOnRestore:
		return "rehash-on-restore"
	case FixedLifetime:
		return "fixed-lifetime"
	}
	return fmt.Sprintf("defence(%d)", int(d))
}

// Adapter is one installation's engine.MLS.
type Adapter struct {
	rng      io.Reader
	disabled Defence // 0: every defence on
	meter    *Meter  // nil: not measured
}

var _ engine.MLS = (*Adapter)(nil)

// New returns the production adapter, drawing all randomness from rng.
func New(rng io.Reader) *Adapter { return &Adapter{rng: rng} }

// NewVariant returns an adapter with one defence switched off. It is for
// tests and the harness: it shows what each defence protects against.
func NewVariant(rng io.Reader, without Defence) *Adapter {
	return &Adapter{rng: rng, disabled: without}
}

func (a *Adapter) on(d Defence) bool { return a.disabled != d }

// identity is the private half of an engine.Identity.
type identity struct {
	SigPriv mls.SignaturePrivateKey
}

// NewIdentity derives an Ed25519 key from the adapter's stream.
func (a *Adapter) NewIdentity(installationID string) (engine.Identity, error) {
	seed := make([]byte, 32)
	if _, err := io.ReadFull(a.rng, seed); err != nil {
		return engine.Identity{}, fmt.Errorf("new identity: %w", err)
	}
	priv, err := Suite.Scheme().Derive(seed)
	if err != nil {
		return engine.Identity{}, fmt.Errorf("new identity: %w", err)
	}
	data, err := syntax.Marshal(identity{SigPriv: priv})
	if err != nil {
		return engine.Identity{}, fmt.Errorf("new identity: %w", err)
	}
	return engine.Identity{InstallationID: installationID, Private: data}, nil
}

func decodeIdentity(id engine.Identity) (mls.SignaturePrivateKey, *mls.Credential, error) {
	var priv identity
	if _, err := syntax.Unmarshal(id.Private, &priv); err != nil {
		return mls.SignaturePrivateKey{}, nil, fmt.Errorf("decode identity: %w", err)
	}
	cred := mls.NewBasicCredential([]byte(id.InstallationID), Suite.Scheme(), priv.SigPriv.PublicKey)
	return priv.SigPriv, cred, nil
}
