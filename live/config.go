package live

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/scenarios"
)

// Config is one live run.
type Config struct {
	Scenario string // a scenario's name: its action mix and world size
	Seed     uint64 // fixes the choices (not the interleaving: timing is real)
	Clients  int    // client processes, one account each (at least 2)
	Duration time.Duration
	Out      string // the run's folder: its files, logs and report; created, must be empty
	// DB is topicd's database: "" for a SQLite file in Out, or a
	// postgres:// URL (several servers may share it).
	DB string
	// Servers is how many topicd processes serve the database (1; more
	// need PostgreSQL). Client i talks to server i mod Servers.
	Servers int
	// ClientKills and ServerKills are how many SIGKILLs the fault phase
	// deals, at seeded moments; negative: one per 4 s (clients) and one
	// per 20 s (servers) of Duration, at least one each.
	ClientKills, ServerKills int
	// MLSVariant, if set, names an MLS adapter defence every client
	// switches off (mlsadapter.Defences): a known bug let in, which the
	// run should catch.
	MLSVariant string
	// Exec starts the child processes.
	Exec Exec
	// Progress, if set, gets a line per phase.
	Progress io.Writer
}

// Caps on what a user may ask for.
const (
	MaxClients  = 64
	MaxDuration = 24 * time.Hour
	MaxServers  = 8
	maxKills    = 10_000
)

func (c *Config) validate() (scenarios.Scenario, error) {
	var errs []string
	sc, err := scenarios.Get(c.Scenario)
	if err != nil {
		errs = append(errs, err.Error())
	}
	if c.Clients < 2 || c.Clients > MaxClients {
		errs = append(errs, fmt.Sprintf("clients must be in 2..%d", MaxClients))
	}
	if c.Duration <= 0 || c.Duration > MaxDuration {
		errs = append(errs, fmt.Sprintf("duration must be positive and at most %s", MaxDuration))
	}
	if c.Out == "" {
		errs = append(errs, "an output folder is required")
	}
	if c.Servers == 0 {
		c.Servers = 1
	}
	postgres := strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
	switch {
	case c.Servers < 1 || c.Servers > MaxServers:
		errs = append(errs, fmt.Sprintf("servers must be in 1..%d", MaxServers))
	case c.Servers > 1 && !postgres:
		errs = append(errs, "several servers need a shared database: --db postgres://…")
	case c.DB != "" && !postgres:
		errs = append(errs, "--db takes a postgres:// URL (SQLite is a file in the output folder)")
	}
	if c.ClientKills > maxKills || c.ServerKills > maxKills {
		errs = append(errs, fmt.Sprintf("kills must be at most %d", maxKills))
	}
	if c.MLSVariant != "" {
		if _, err := mlsadapter.ParseDefence(c.MLSVariant); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if c.Exec.Path == "" {
		errs = append(errs, "no executable to start the processes with")
	}
	if len(errs) > 0 {
		return sc, errors.New(strings.Join(errs, "; "))
	}
	secs := int(c.Duration / time.Second)
	if c.ClientKills < 0 {
		c.ClientKills = max(1, secs/4)
	}
	if c.ServerKills < 0 {
		c.ServerKills = max(1, secs/20)
	}
	return sc, nil
}
