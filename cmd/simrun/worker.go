package main

import (
	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/runner"
)

// newWorkerCommand is the hidden side of `sweep --workers K`: it reads
// seeds on stdin and writes one JSON run summary per line.
func newWorkerCommand() *cobra.Command {
	var (
		scenario string
		variant  string
		fixture  string
		steps    int
		ratio    float64
	)
	cmd := &cobra.Command{
		Use:    "worker",
		Short:  "Run seeds read from stdin (used by sweep)",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := scenarioFlag(scenario)
			if err != nil {
				return err
			}
			if sc, err = withVariant(sc, variant); err != nil {
				return err
			}
			if sc, err = withFixture(sc, fixture); err != nil {
				return err
			}
			return runner.ServeWorker(sc, steps, ratio, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&fixture, "fixture", "", "put a deliberately broken test fixture into every client")
	_ = f.MarkHidden("fixture")
	f.StringVar(&variant, "mls-variant", "", "switch one go-mls defence off in every client (path-on-add, deep-copy-commit, rehash-on-restore): shows the harness finds the bug")
	f.StringVar(&scenario, "scenario", "default", "scenario name")
	f.IntVar(&steps, "steps", 0, "fault-phase steps per seed")
	f.Float64Var(&ratio, "determinism-ratio", 0.1, "share of seeds re-run")
	return cmd
}
