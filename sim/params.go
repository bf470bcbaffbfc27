package sim

import (
	"fmt"
	"strings"

	"github.com/mlsim/mlsim/engine"
)

// Action names one kind of step the schedule can choose: the name of the
// command it becomes (a fault action: the fault's kind; clock-tie and
// clock-jump: the clock command and its argument).
type Action string

// The actions. User actions record intents; the rest drive the engine, the
// network and the clients' lives.
const (
	ActSend           Action = "send"
	ActAdd            Action = "add"
	ActRemove         Action = "remove"
	ActKeyUpdate      Action = "key-update"
	ActConsent        Action = "consent"
	ActNewInstall     Action = "installation"
	ActRace           Action = "race"
	ActPublish        Action = "publish"
	ActPublishAll     Action = "publish-all"
	ActSync           Action = "sync"
	ActSyncBegin      Action = "sync-begin"
	ActSyncStep       Action = "sync-step"
	ActWelcomes       Action = "process-welcomes"
	ActSendWelcomes   Action = "send-welcomes"
	ActKeyPackages    Action = "key-packages"
	ActCrash          Action = "arm-crash"
	ActRestart        Action = "restart"
	ActPublishLost    Action = "publish-lost"
	ActPublishAmbig   Action = "publish-ambiguous"
	ActPublishDelayed Action = "publish-delayed"
	ActLandDelayed    Action = "land-delayed"
	ActQueryError     Action = "query-error"
	ActQueryShort     Action = "query-short-page"
	ActPartition      Action = "partition"
	ActUnpartition    Action = "unpartition"
	ActStoreBusy      Action = "store-busy"
	ActClockTie       Action = "clock-tie"
	ActClockJump      Action = "clock-jump"
	ActGarbage        Action = "garbage"
	ActDirectoryError Action = "directory-error"
	// ActRevoke revokes a device of an account that keeps another: the
	// directory stops listing it and members' commits remove it.
	ActRevoke Action = "revoke"
	// ActUpkeep runs one round of a client's production upkeep in the
	// fault phase (a real client runs it periodically).
	ActUpkeep Action = "upkeep"
	// ActUpdateAdmins and ActUpdatePolicy change a group's permissions
	// (or are refused); ActForgeCommit is a Byzantine member publishing a
	// commit the policy forbids (the permissions scenario).
	ActUpdateAdmins Action = "update-admins"
	ActUpdatePolicy Action = "update-policy"
	ActForgeCommit  Action = "forge-commit"
)

// AllActions lists every action in a fixed order: the schedule draws over
// this order, never over a map.
var AllActions = []Action{
	ActSend, ActAdd, ActRemove, ActKeyUpdate, ActConsent, ActNewInstall, ActRace,
	ActPublish, ActPublishAll, ActSync, ActSyncBegin, ActSyncStep, ActWelcomes, ActSendWelcomes, ActKeyPackages,
	ActCrash, ActRestart,
	ActPublishLost, ActPublishAmbig, ActPublishDelayed, ActLandDelayed, ActQueryError, ActQueryShort,
	ActPartition, ActUnpartition, ActStoreBusy, ActClockTie, ActClockJump, ActGarbage, ActDirectoryError,
	ActRevoke, ActUpkeep, ActUpdateAdmins, ActUpdatePolicy, ActForgeCommit,
	ActSubscribe, ActStreamStep, ActStreamDrop, ActStreamDuplicate, ActStreamDelay, ActStreamBreak, // streams.go
}

// essential actions are never switched off by swarm testing: without them
// a run cannot make progress at all.
var essential = map[Action]bool{ActSend: true, ActPublish: true, ActSync: true, ActWelcomes: true, ActSendWelcomes: true}

// Params describe a world and its schedule. Scenarios are named Params.
type Params struct {
	Accounts         int // accounts at the start
	InstallsPer      int // installations per account at the start
	MaxInstallations int // cap on installations, new ones included
	Groups           int
	InitialMembers   int // accounts each creator adds in its first intent (besides its own)
	Steps            int // fault-phase steps (K)
	// Weights is the base weight of each action; missing or 0 disables it.
	Weights map[Action]float64
	// Swarm: each seed also draws which actions are enabled and their
	// weights (swarm testing).
	Swarm bool
	// Withholders: how many group creators withhold every welcome (a
	// Byzantine member; the withheld-welcome scenario).
	Withholders int
	WidthCap    int // engine config; 0: the default 128
	// MaxPastEpochs is the engine's and the checker's past-epoch window
	// (SPEC §5's max_past_epochs) as engine.Config takes it: 0 the
	// default 3, engine.NoPastEpochs (negative) none.
	MaxPastEpochs int
	// MLSVariant, if set, names an adapter defence to switch off in every
	// client (tests and mutation runs; "" for production).
	MLSVariant string
	// Fixture, if set, names a deliberately broken store wrapper from
	// Fixtures (tests of the harness itself).
	Fixture string
}

// DefaultWeights is the mixed workload the default scenario runs.
func DefaultWeights() map[Action]float64 {
	return map[Action]float64{
		ActSend: 10, ActAdd: 3, ActRemove: 1.5, ActKeyUpdate: 2, ActConsent: 0.5, ActNewInstall: 0.6, ActRevoke: 0.3, ActUpkeep: 1, ActRace: 1.5,
		ActPublish: 14, ActPublishAll: 3, ActSync: 8, ActSyncBegin: 2, ActSyncStep: 4, ActWelcomes: 4, ActSendWelcomes: 3, ActKeyPackages: 1,
		ActCrash: 2, ActRestart: 2,
		ActPublishLost: 0.8, ActPublishAmbig: 0.8, ActPublishDelayed: 0.8, ActLandDelayed: 0.8,
		ActQueryError: 0.8, ActQueryShort: 0.8, ActPartition: 0.4, ActUnpartition: 0.6,
		ActStoreBusy: 0.8, ActClockTie: 0.3, ActClockJump: 0.3, ActGarbage: 1.5, ActDirectoryError: 0.5,
	}
}

// Caps on the sizes a user controls (flags, scenario parameters, script
// lines). Every real use fits inside them — large-world is 100,000 steps
// and 1,000 installations, and --scale 20 makes 20,000 (about 1 MB of
// memory each) — while a typo cannot run for weeks or ask for more memory
// than a large machine has. --help says them.
const (
	MaxSteps         = 10_000_000
	MaxInstallations = 20_000 // installations in one world, new ones included
	MaxAccounts      = 10_000
	MaxGroups        = 5_000
	// MaxPastEpochWindow caps max_past_epochs: a receiver keeps that many
	// past epochs' keys per group.
	MaxPastEpochWindow = 1_000
)

// Validate reports what is wrong with the parameters.
func (p Params) Validate() error {
	var errs []string
	if p.Accounts < 2 {
		errs = append(errs, "accounts must be at least 2")
	}
	if p.InstallsPer < 1 {
		errs = append(errs, "installations per account must be at least 1")
	}
	if p.Groups < 1 {
		errs = append(errs, "groups must be at least 1")
	}
	if p.Steps < 0 || p.Steps > MaxSteps {
		errs = append(errs, fmt.Sprintf("steps must be in 0..%d", MaxSteps))
	}
	if p.Accounts > MaxAccounts {
		errs = append(errs, fmt.Sprintf("accounts must be at most %d", MaxAccounts))
	}
	if p.Groups > MaxGroups {
		errs = append(errs, fmt.Sprintf("groups must be at most %d", MaxGroups))
	}
	if p.Accounts*p.InstallsPer > MaxInstallations || p.MaxInstallations > MaxInstallations {
		errs = append(errs, fmt.Sprintf("installations must be at most %d", MaxInstallations))
	}
	if engine.PastEpochWindow(p.MaxPastEpochs) > MaxPastEpochWindow {
		errs = append(errs, fmt.Sprintf("max past epochs must be at most %d", MaxPastEpochWindow))
	}
	if p.Withholders > p.Groups {
		errs = append(errs, "withholders cannot exceed groups")
	}
	for _, a := range AllActions {
		if w := p.Weights[a]; w < 0 {
			errs = append(errs, fmt.Sprintf("weight of %s is negative", a))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("bad parameters: %s", strings.Join(errs, "; "))
	}
	return nil
}
