package engine

import (
	"errors"
	"fmt"
)

// MaxUpkeepPublishes bounds how many intents one PublishAll (and so one
// Upkeep, per group) publishes. A round normally stops well before it (at
// the first commit in flight, rule 4); the bound only keeps one round
// short when a user has queued many messages.
const MaxUpkeepPublishes = 64

// The steps of Upkeep, in the order they run ("sync" runs twice).
const (
	UpkeepKeyPackages     = "key-packages"
	UpkeepProcessWelcomes = "process-welcomes"
	UpkeepStreams         = "streams"
	UpkeepSync            = "sync"
	UpkeepGroups          = "groups"
	UpkeepInstallations   = "installations"
	UpkeepPublish         = "publish"
	UpkeepSendWelcomes    = "send-welcomes"
)

// UpkeepStep is one step of an Upkeep round and how it ended.
type UpkeepStep struct {
	Name  string // one of the Upkeep* step names
	Group string // the group published, for UpkeepPublish; "" otherwise
	Err   error  // nil: the step succeeded
}

// String names the step: "sync", or "publish GROUP".
func (s UpkeepStep) String() string {
	if s.Group != "" {
		return s.Name + " " + s.Group
	}
	return s.Name
}

// UpkeepReport is what one Upkeep round did: every step that ran, in
// order, with its error, and the groups it joined from welcomes.
type UpkeepReport struct {
	Steps  []UpkeepStep
	Joined []string // groups joined, in welcome order
}

// Err joins the errors of the steps that failed, each prefixed with its
// step, or returns nil when every step succeeded.
func (r UpkeepReport) Err() error {
	var errs []error
	for _, s := range r.Steps {
		if s.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s, s.Err))
		}
	}
	return errors.Join(errs...)
}

// Upkeep is what a production client runs periodically (and the
// simulator's liveness phase runs each round): top up key packages, apply
// welcomes, take what the application's subscriptions delivered
// (DrainStreams), sync every group, compare each group's installations with the
// directory (CheckInstallations), publish everything it can per group
// (PublishAll), send the welcomes its accepted adds made ready,
// and sync again so its own publishes are read back.
//
// A failed step does not stop the round: every step runs, and the report
// says which failed. Errors from the transport and busy stores are
// transient; the next round retries. The returned error is the report's
// Err.
func (c *Client) Upkeep() (UpkeepReport, error) {
	var r UpkeepReport
	c.UpkeepInto(&r)
	return r, r.Err()
}

// UpkeepInto is Upkeep recording each step into r as soon as it ends, so
// a caller that recovers a panic raised below the engine (the simulator's
// crashes) still has the steps that ran before it. Upkeep recovers no
// panic itself.
func (c *Client) UpkeepInto(r *UpkeepReport) {
	step := func(name string, err error) {
		r.Steps = append(r.Steps, UpkeepStep{Name: name, Err: err})
	}
	_, err := c.EnsureKeyPackages()
	step(UpkeepKeyPackages, err)
	joined, err := c.ProcessWelcomes()
	step(UpkeepProcessWelcomes, err)
	r.Joined = append(r.Joined, joined...)
	// What the subscriptions delivered first (none unless the application
	// subscribed); the pull after it fills whatever a stream missed.
	step(UpkeepStreams, c.DrainStreams())
	step(UpkeepSync, c.SyncAll())
	groups, err := c.Groups()
	step(UpkeepGroups, err)
	_, err = c.CheckInstallations()
	step(UpkeepInstallations, err)
	for _, g := range groups {
		_, err := c.PublishAll(g)
		r.Steps = append(r.Steps, UpkeepStep{Name: UpkeepPublish, Group: g, Err: err})
	}
	_, err = c.SendWelcomes()
	step(UpkeepSendWelcomes, err)
	step(UpkeepSync, c.SyncAll())
}
