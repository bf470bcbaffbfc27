package main

import (
	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/runner"
)

// newWorkerCommand is the hidden side of `sweep --workers K`: it reads
// seeds on stdin and writes one JSON run summary per line.
func newWorkerCommand() *cobra.Command {
	var (
		world worldFlags
		steps int
		ratio float64
	)
	cmd := &cobra.Command{
		Use:    "worker",
		Short:  "Run seeds read from stdin (used by sweep)",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := world.scenario()
			if err != nil {
				return err
			}
			return runner.ServeWorker(sc, steps, ratio, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	world.register(f)
	f.IntVar(&steps, "steps", 0, "fault-phase steps per seed")
	f.Float64Var(&ratio, "determinism-ratio", 0.1, "share of seeds re-run")
	return cmd
}
