package mlsadapter

import (
	"errors"
	"fmt"
	"io"

	mls "github.com/cisco/go-mls"
	syntax "github.com/cisco/go-tls-syntax"

	"github.com/mlsim/mlsim/engine"
)

// FixedNotAfter is the NotAfter every key package carries. It stays below
// 2^62: go-mls converts it to int64 seconds, and MaxUint64 would turn into -1
// and make every key package expired. Key package expiry is out of scope.
const FixedNotAfter uint64 = 1 << 40

// keyPackagePrivate is what an installation keeps to join with a key
// package.
type keyPackagePrivate struct {
	InitSecret []byte `tls:"head=1"`
}

// newKeyPackage makes a key package whose init key derives from a fresh
// secret, with a fixed lifetime unless that defence is off.
func (a *Adapter) newKeyPackage(cred *mls.Credential, sigPriv mls.SignaturePrivateKey) (*mls.KeyPackage, []byte, error) {
	secret := make([]byte, 32)
	if _, err := io.ReadFull(a.rng, secret); err != nil {
		return nil, nil, err
	}
	var kp *mls.KeyPackage
	err := a.withSources("key package", func() error {
		var err error
		kp, err = mls.NewKeyPackageWithSecret(Suite, secret, cred, sigPriv)
		if err != nil {
			return err
		}
		if !a.on(FixedLifetime) {
			return nil
		}
		if err := kp.Extensions.Add(mls.LifetimeExtension{NotBefore: 0, NotAfter: FixedNotAfter}); err != nil {
			return err
		}
		return kp.Sign(sigPriv)
	})
	if err != nil {
		return nil, nil, err
	}
	return kp, secret, nil
}

// NewKeyPackage makes a one-time key package for the identity.
func (a *Adapter) NewKeyPackage(id engine.Identity) (engine.KeyPackageSecret, error) {
	sigPriv, cred, err := decodeIdentity(id)
	if err != nil {
		return engine.KeyPackageSecret{}, err
	}
	kp, secret, err := a.newKeyPackage(cred, sigPriv)
	if err != nil {
		return engine.KeyPackageSecret{}, fmt.Errorf("new key package: %w", err)
	}
	pub, err := syntax.Marshal(kp)
	if err != nil {
		return engine.KeyPackageSecret{}, fmt.Errorf("new key package: %w", err)
	}
	priv, err := syntax.Marshal(keyPackagePrivate{InitSecret: secret})
	if err != nil {
		return engine.KeyPackageSecret{}, fmt.Errorf("new key package: %w", err)
	}
	return engine.KeyPackageSecret{Public: pub, Private: priv, Ref: Suite.Digest(pub)}, nil
}

var errTrailing = errors.New("trailing bytes")

func decodeKeyPackage(data []byte) (*mls.KeyPackage, error) {
	var kp mls.KeyPackage
	n, err := syntax.Unmarshal(data, &kp)
	if err != nil {
		return nil, fmt.Errorf("decode key package: %w", err)
	}
	if n != len(data) {
		return nil, fmt.Errorf("decode key package: %w", errTrailing)
	}
	detach(&kp)
	return &kp, nil
}

// KeyPackageOwner returns the installation id a key package's credential
// names, after checking its signature and suite.
func (a *Adapter) KeyPackageOwner(data []byte) (string, error) {
	kp, err := decodeKeyPackage(data)
	if err != nil {
		return "", err
	}
	ok := false
	err = a.withSources("verify key package", func() error {
		ok = kp.CipherSuite == Suite && kp.Verify()
		return nil
	})
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("key package does not verify")
	}
	return credentialID(kp.Credential)
}

// KeyPackageLifetime reads the lifetime a key package carries; tests use it
// to show that no wall clock reached the bytes.
func KeyPackageLifetime(data []byte) (notBefore, notAfter uint64, err error) {
	kp, err := decodeKeyPackage(data)
	if err != nil {
		return 0, 0, err
	}
	var lt mls.LifetimeExtension
	found, err := kp.Extensions.Find(&lt)
	if err != nil || !found {
		return 0, 0, fmt.Errorf("key package has no lifetime: %v", err)
	}
	return lt.NotBefore, lt.NotAfter, nil
}

func credentialID(c mls.Credential) (string, error) {
	if c.X509 != nil || c.Basic == nil {
		return "", fmt.Errorf("credential is not a basic credential")
	}
	return string(c.Basic.Identity), nil
}
