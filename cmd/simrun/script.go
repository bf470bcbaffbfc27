package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/sim"
)

// scriptFormat opens `simrun script` (and `simrun help script`): the file format, then every command
// and query from the simulator's one table of them.
const scriptFormat = `A script is a run written down: blocks of a command line, "----" and the
output it gave, separated by blank lines; '#' starts a comment. The first
block is the world:

  world seed=N [scenario=S] [variant=V] [fixture=F] [width-cap=N] [max-past-epochs=N] [steps=N]

Every run writes its script (simrun run --trace-out FILE); simrun replay
re-runs one and compares every output, simrun shrink makes a failing one
smaller. A script ends with stabilize and check.

`

func newScriptCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "script",
		Short: "The script language: every command and query, with its usage and an example",
		Long:  scriptFormat + sim.ScriptHelp(),
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), scriptFormat+sim.ScriptHelp())
			return err
		},
	}
}
