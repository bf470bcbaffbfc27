package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "simrun",
		Short: "Deterministic multi-client simulation of the MLS intent engine",
		Long: `simrun runs many clients of the production engine over an in-memory topic
server, interleaved by a seed, with faults and crashes, and checks the safety
and liveness properties of SPEC §8 against an oracle built from the server's
log. The same seed gives the same trace, byte for byte.

Exit status: 0 when every property holds, 1 when one is violated, 2 for bad
usage or input.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newRunCommand(), newSweepCommand(), newListCommand(), newReplayCommand(), newShrinkCommand(), newReportCommand(), newMergeCommand(), newMutantsCommand(), newScriptCommand(), newWorkerCommand(), newLiveCommand(), newConformCommand())
	root.AddCommand(newChildCommands()...)
	return root
}

// positional rejects stray arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.Name(), args)}
	}
	return nil
}
