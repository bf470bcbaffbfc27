package mlsadapter

import (
	"fmt"
	"strings"
)

// Defences lists every defence, in order: the one list of names every
// flag, world option and error message uses.
var Defences = []Defence{PathOnAdd, DeepCopyCommit, RehashOnRestore, FixedLifetime}

// Reproducible reports whether a run with the defence switched off stays
// a function of its seed. FixedLifetime off reads key package lifetimes
// from the wall clock, so only tests switch it off; the command line
// offers the others.
func (d Defence) Reproducible() bool { return d != FixedLifetime }

// VariantNames lists the defences a run may switch off (`--mls-variant`,
// a script's `variant=`): the reproducible ones.
func VariantNames() []string {
	var out []string
	for _, d := range Defences {
		if d.Reproducible() {
			out = append(out, d.String())
		}
	}
	return out
}

// ParseDefence finds a defence by name (any of Defences).
func ParseDefence(name string) (Defence, error) {
	var names []string
	for _, d := range Defences {
		if d.String() == name {
			return d, nil
		}
		names = append(names, d.String())
	}
	return 0, fmt.Errorf("unknown MLS variant %q (want %s)", name, strings.Join(names, ", "))
}
