package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/conform"
	"github.com/mlsim/mlsim/reports"
	"github.com/mlsim/mlsim/runner"
)

// conformPageFiles are the files of a conformance report.
var conformPageFiles = []string{"summary.json", "summary.md", "index.html"}

// newConformCommand is `simrun conform`: any client that serves the
// intent-client protocol, judged by the scripts and a sweep (package
// conform, docs/PROTOCOL.md).
func newConformCommand() *cobra.Command {
	var (
		client, seeds, scenario, out string
		scripts                      []string
		asJSON                       bool
	)
	cmd := &cobra.Command{
		Use:   "conform --client 'CMD …' --out DIR",
		Short: "Judge any client serving the intent-client protocol by every script and a seeded sweep",
		Long: `conform starts the client under test (CMD, with --listen 127.0.0.1:PORT
appended; ` + "`simrun client`" + ` is our engine) for each built-in conformance and
regression script and each seed, puts its installations in a simulated
world — the same network, faults and checker our engine is judged by —
and reports per script: passed, failed (the first differing output and
the properties violated) or unsupported (a command the client answered
UNIMPLEMENTED, or one a world of remote clients does not play), then the
sweep's seeds. See docs/PROTOCOL.md.

Outputs are compared without the client's own diagnostics (after " | "),
with commit hashes masked and a converged stabilize read as "settled".`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := conform.ParseClient(client)
			if err != nil {
				return usageError{err}
			}
			if out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			if err := emptyFolder(out); err != nil {
				return usageError{err}
			}
			cfg := conform.Config{Client: c, Scripts: scripts, Scenario: scenario, Work: filepath.Join(out, "work"),
				Progress: cmd.ErrOrStderr()}
			if seeds != "none" {
				if _, err := scenarioFlag(scenario); err != nil {
					return usageError{err}
				}
				if cfg.Seeds, err = runner.ParseSeeds(seeds); err != nil {
					return usageError{fmt.Errorf("--seeds: %w", err)}
				}
			}
			if err := os.MkdirAll(cfg.Work, 0o755); err != nil {
				return err
			}
			rep, err := conform.Run(cfg)
			if err != nil {
				return usageError{err}
			}
			dir, err := openOut("--out "+out, out, false, outPlan{files: conformPageFiles}, nil)
			if err != nil {
				return err
			}
			files, err := reports.ConformFiles(rep)
			if err != nil {
				return err
			}
			if err := dir.writeFiles("", files); err != nil {
				return err
			}
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), rep); err != nil {
					return err
				}
			} else {
				printConform(cmd.OutOrStdout(), rep, out)
			}
			if rep.Verdict != "PASS" {
				return errViolated
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&client, "client", "", "the command that starts the client under test; --listen HOST:PORT is appended (required)")
	f.StringVar(&out, "out", "", "folder for the report and the clients' files (new or empty; required)")
	f.StringSliceVar(&scripts, "scripts", nil, "run only the scripts whose name contains one of these (default: all; none: no script)")
	f.StringVar(&scenario, "scenario", "default", "the sweep's scenario")
	f.StringVar(&seeds, "seeds", "1..20", "the sweep's seeds, A..B or N; none for no sweep")
	f.BoolVar(&asJSON, "json", false, "print the summary as one JSON object on stdout")
	return cmd
}

func printConform(w io.Writer, r *reports.ConformReport, dir string) {
	fmt.Fprintf(w, "%s: %s (%s)\n", r.Verdict, r.Client, r.Implementation)
	fmt.Fprintf(w, "scripts: %d passed, %d failed, %d unsupported, %d errors\n", r.Passed, r.Failed, r.Unsupported, r.Broken)
	for _, s := range r.Scripts {
		if s.Status == conform.Failed || s.Status == conform.Broken {
			fmt.Fprintf(w, "  %s %s: line %d %q: want %q, got %q; violated %s\n", s.Status, s.Name, s.Line, s.Command,
				s.Expected, s.Got, strings.Join(s.Properties, ","))
		}
	}
	if s := r.Sweep; s != nil {
		fmt.Fprintf(w, "sweep %s: %d seeds, %d passed, %d failed\n", s.Scenario, s.Seeds, s.Passed, s.Failed)
		for _, run := range s.Runs {
			if run.Status != conform.Passed {
				fmt.Fprintf(w, "  seed %d %s: %s %s\n", run.Seed, run.Status, strings.Join(run.Properties, ","), run.Why)
			}
		}
	}
	fmt.Fprintf(w, "report: %s\n", filepath.Join(dir, "index.html"))
}
