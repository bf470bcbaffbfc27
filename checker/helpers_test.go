package checker_test

import (
	"io"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/mlsadapter"
)

const memnetPublishDelayed = memnet.PublishDelayed

// variant builds every client with one adapter defence off.
func variant(name string) func(string, io.Reader) engine.MLS {
	for _, d := range []mlsadapter.Defence{mlsadapter.PathOnAdd, mlsadapter.DeepCopyCommit, mlsadapter.RehashOnRestore} {
		if d.String() == name {
			return func(_ string, rng io.Reader) engine.MLS { return mlsadapter.NewVariant(rng, d) }
		}
	}
	panic("unknown variant " + name)
}
