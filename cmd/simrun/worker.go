package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

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
			tuneGC(sc)
			return runner.ServeWorker(sc, steps, ratio, cmd.InOrStdin(), cmd.OutOrStdout(), dieAtHook())
		},
	}
	f := cmd.Flags()
	world.register(f)
	f.IntVar(&steps, "steps", 0, "fault-phase steps per seed")
	f.Float64Var(&ratio, "determinism-ratio", 0.1, "share of seeds re-run")
	return cmd
}

// dieAtHook is a test-only hook, read by worker processes only (never by
// a sweep's own process), so that tests can show a sweep surviving a dead
// worker: MLSIM_TEST_WORKER_DIE_AT=SEED makes a worker exit with status 3
// before running SEED; with MLSIM_TEST_WORKER_DIE_ONCE=FILE only the
// first worker to reach SEED does (it creates FILE; later ones find it).
func dieAtHook() func(seed uint64) {
	at, err := strconv.ParseUint(os.Getenv("MLSIM_TEST_WORKER_DIE_AT"), 10, 64)
	if err != nil {
		return nil
	}
	once := os.Getenv("MLSIM_TEST_WORKER_DIE_ONCE")
	return func(seed uint64) {
		if seed != at {
			return
		}
		if once != "" {
			f, err := os.OpenFile(once, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if errors.Is(err, fs.ErrExist) {
				return
			}
			if err == nil {
				f.Close()
			}
		}
		fmt.Fprintf(os.Stderr, "simrun worker: MLSIM_TEST_WORKER_DIE_AT=%d: exiting with status 3 (test hook)\n", seed)
		os.Exit(3)
	}
}
