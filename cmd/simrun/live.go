package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/live"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/reports"
	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/trace"
)

// newLiveCommand is `simrun live`: the engine in real processes against
// real topic servers, with SIGKILLs and network faults, judged by the
// same checker (package live, docs/LIVE.md).
func newLiveCommand() *cobra.Command {
	var (
		cfg    live.Config
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "live --scenario S --seed N --clients K --duration D --out DIR",
		Short: "Run the engine in real processes against topicd, with kills and network faults, and check every property",
		Long: `live starts topicd (a SQLite file in DIR, or --db postgres://… with
--servers 2) and K client processes (simrun client, one account each, each
installation on its own SQLite file), plays the scenario's action mix from
the seed for the duration while killing clients and servers with SIGKILL
and injecting network faults, then heals, runs liveness rounds and checks
every property with the simulator's checker, the stores' integrity, that
no acknowledged intent was lost, and the server's order (linearizability).
Timing is real: a live run is not reproducible byte for byte.

Everything stays on 127.0.0.1 and under DIR (which must be new or empty);
every child is started and killed by the harness, by its pid.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			if err := emptyFolder(cfg.Out); err != nil {
				return usageError{err}
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			cfg.Exec = live.Exec{Path: exe}
			cfg.Progress = cmd.ErrOrStderr()
			sum, err := live.Run(cfg)
			if err != nil {
				return usageError{err}
			}
			// The report's files are listed in the folder's manifest, so
			// `simrun report DIR` re-renders them as it does a run's.
			dir, err := openOut("--out "+cfg.Out, cfg.Out, false, outPlan{files: runPageFiles}, nil)
			if err != nil {
				return err
			}
			if err := writeLiveReport(dir, sum); err != nil {
				return err
			}
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), sum); err != nil {
					return err
				}
			} else {
				printLive(cmd.OutOrStdout(), sum, cfg.Out)
			}
			if sum.Failed() {
				return errViolated
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Scenario, "scenario", "default", "scenario whose action mix to play")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the choices")
	f.IntVar(&cfg.Clients, "clients", 4, fmt.Sprintf("client processes, one account each (2..%d)", live.MaxClients))
	f.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long the fault phase lasts")
	f.StringVar(&cfg.Out, "out", "", "folder for the run's files and report (new or empty; required)")
	f.StringVar(&cfg.DB, "db", "", "topicd's database: a postgres:// URL (default: a SQLite file in --out)")
	f.IntVar(&cfg.Servers, "servers", 1, "topicd processes sharing the database (more than 1 needs --db postgres://…)")
	f.IntVar(&cfg.ClientKills, "client-kills", -1, "SIGKILLs of client processes (-1: one per 4 s)")
	f.IntVar(&cfg.ServerKills, "server-kills", -1, "SIGKILLs of topicd (-1: one per 20 s)")
	f.StringVar(&cfg.MLSVariant, "mls-variant", "", "switch off an MLS adapter defence in every client: "+strings.Join(mlsadapter.VariantNames(), ", ")+" (the run should catch the bug let in)")
	f.BoolVar(&asJSON, "json", false, "print the summary as one JSON object on stdout")
	return cmd
}

// newChildCommands are the processes a live run starts: `simrun client`
// and `simrun topicd`.
func newChildCommands() []*cobra.Command {
	child := func(role, short string) *cobra.Command {
		return &cobra.Command{
			Use:                role + " [flags]",
			Short:              short,
			DisableFlagParsing: true,
			RunE: func(cmd *cobra.Command, args []string) error {
				if code := live.ChildMain(append([]string{role}, args...), cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()); code != 0 {
					return exitCode(code)
				}
				return nil
			},
		}
	}
	return []*cobra.Command{
		child("client", "A client process: --listen HOST:PORT serves the intent-client protocol (docs/PROTOCOL.md) with our engine; without it, a live run's client (commands on stdin)"),
		child("topicd", "The topic server (as cmd/topicd): --listen HOST:PORT --db PATH|postgres://…"),
	}
}

// exitCode is an error that makes simrun exit with that status, its
// message already printed by the child.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// emptyFolder accepts a folder that does not exist or holds nothing.
func emptyFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case os.IsNotExist(err):
		return nil
	case err != nil:
		return fmt.Errorf("--out %s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("--out %s is not empty: a live run writes a new folder", dir)
	}
	return nil
}

// writeLiveReport writes the run's report (summary.json, summary.md,
// index.html) and its trace beside the run's files.
func writeLiveReport(dir *outDir, sum *results.RunSummary) error {
	files, err := reports.RunFiles(reports.NewRunReport(sum))
	if err != nil {
		return err
	}
	files["trace.txt"] = []byte(strings.Join(trace.Lines(sum.Trace), "\n") + "\n")
	return dir.writeFiles("", files)
}

func printLive(w io.Writer, r *results.RunSummary, dir string) {
	printRun(w, r, "")
	l := r.Live
	fmt.Fprintf(w, "live: %d client processes, %d %s server(s); %d client kills, %d server kills, %d restarts; network faults %v\n",
		l.ClientProcesses, l.Servers, l.Database, l.ClientKills, l.ServerKills, l.Restarts, l.NetworkFaults)
	fmt.Fprintf(w, "live: %d actions (%d skipped, client down), %d acknowledged intents, %d checker steps over %d calls, %d files intact\n",
		l.Actions, l.Skipped, l.AckedIntents, l.CheckSteps, l.Calls, l.FilesChecked)
	fmt.Fprintf(w, "order: %s\n", l.OrderCheck)
	fmt.Fprintf(w, "report: %s\n", filepath.Join(dir, "index.html"))
}
