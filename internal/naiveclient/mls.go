package naiveclient

import (
	cryptorand "crypto/rand"
	"fmt"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/mlsadapter"
)

// mlsadapter's API is written in the vocabulary of engine/mls.go (its
// plain data types and the GroupState interface). These aliases are all
// this package takes from package engine: names of types, no engine
// behaviour — no client, store, intent machine or rule of it.
type (
	mlsIdentity   = engine.Identity
	mlsKeyPackage = engine.KeyPackageSecret
	mlsGroup      = engine.GroupState
)

// entropy is the process's real randomness, captured before mlsadapter
// ever swaps crypto/rand.Reader around a go-mls call. The naive client
// wants no determinism: every installation draws from it.
var entropy = cryptorand.Reader

// newAdapter builds an installation's MLS layer; variant "" is the
// production adapter, a defence name switches that defence off.
func newAdapter(variant string) (*mlsadapter.Adapter, error) {
	if variant == "" {
		return mlsadapter.New(entropy), nil
	}
	d, err := mlsadapter.ParseDefence(variant)
	if err != nil {
		return nil, fmt.Errorf("mls_variant %q: %v", variant, err)
	}
	return mlsadapter.NewVariant(entropy, d), nil
}
