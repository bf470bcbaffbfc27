package scenarios

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mlsim/mlsim/sim"
)

// Scenario is a named workload.
type Scenario struct {
	Name        string
	Description string
	Params      sim.Params
	// Heavy scenarios take minutes per seed: the default test run and the
	// replay tests run them shortened or skip them (see Shortened).
	Heavy bool
}

// scale returns the default weights with some actions multiplied.
func scale(m map[sim.Action]float64) map[sim.Action]float64 {
	w := sim.DefaultWeights()
	for a, f := range m {
		w[a] *= f
	}
	return w
}

func only(m map[sim.Action]float64) map[sim.Action]float64 { return m }

// withPermissions adds the permission actions (admin and policy changes,
// forged commits), which the default mix leaves out, to a scenario's
// weights.
func withPermissions(w map[sim.Action]float64) map[sim.Action]float64 {
	return withPermissionsAt(w, 3)
}

// withPermissionsAt adds the admin and policy changes and the Byzantine
// forger, each at weight x.
func withPermissionsAt(w map[sim.Action]float64, x float64) map[sim.Action]float64 {
	w[sim.ActUpdateAdmins] = x
	w[sim.ActUpdatePolicy] = x
	w[sim.ActForgeCommit] = x
	return w
}

// withStreams adds the stream actions (subscriptions, their deliveries and
// their faults) to a scenario's weights.
func withStreams(w map[sim.Action]float64) map[sim.Action]float64 {
	for a, x := range sim.StreamWeights() {
		w[a] = x
	}
	return w
}

var all = []Scenario{
	{
		Name:        "default",
		Description: "mixed: every action and fault, streams, revoked devices and permissions (rarely) included, swarm-selected per seed, 4 accounts x 2 installations, 2 groups",
		Params: sim.Params{Accounts: 4, InstallsPer: 2, MaxInstallations: 12, Groups: 2, InitialMembers: 2,
			Steps: 150, Weights: withPermissionsAt(withStreams(sim.DefaultWeights()), 0.4), Swarm: true},
	},
	{
		Name:        "commit-storm",
		Description: "many members committing at once: key updates, adds and removes from every installation of one group",
		Params: sim.Params{Accounts: 5, InstallsPer: 2, MaxInstallations: 10, Groups: 1, InitialMembers: 4,
			Steps: 150, Weights: scale(map[sim.Action]float64{sim.ActKeyUpdate: 6, sim.ActAdd: 2, sim.ActRemove: 2, sim.ActSend: 0.3,
				sim.ActPublish: 1.5}), Swarm: true},
	},
	{
		// Swarm testing switches a quarter of the actions off per seed,
		// which starves the interleaving go-mls bug 3 needs (a member
		// re-added by an add-only commit, then a rival's path commit).
		// With every action on, this meets it far more often than
		// commit-storm does (docs/MUTANTS.md has the rates).
		Name:        "commit-race-long",
		Description: "commit races at length: every action on (no swarm), 400 steps, races three times as often as commit-storm",
		Params: sim.Params{Accounts: 5, InstallsPer: 2, MaxInstallations: 10, Groups: 1, InitialMembers: 4,
			Steps: 400, Weights: scale(map[sim.Action]float64{sim.ActKeyUpdate: 6, sim.ActAdd: 2, sim.ActRemove: 2, sim.ActSend: 0.3,
				sim.ActPublish: 1.5, sim.ActRace: 3})},
	},
	{
		Name:        "churn",
		Description: "membership churn: adds, removes, re-adds and new installations",
		Params: sim.Params{Accounts: 6, InstallsPer: 1, MaxInstallations: 14, Groups: 2, InitialMembers: 2,
			Steps: 150, Weights: scale(map[sim.Action]float64{sim.ActAdd: 4, sim.ActRemove: 4, sim.ActNewInstall: 5, sim.ActSend: 0.5}), Swarm: true},
	},
	{
		Name:        "crashy",
		Description: "crash-heavy: crashes at every boundary (subscribing and stream deliveries included), restarts and transient store errors",
		Params: sim.Params{Accounts: 4, InstallsPer: 2, MaxInstallations: 10, Groups: 2, InitialMembers: 2,
			Steps: 150, Weights: withStreams(scale(map[sim.Action]float64{sim.ActCrash: 8, sim.ActRestart: 6, sim.ActStoreBusy: 5,
				// Consent and key package upkeep are rare in the mix; here
				// they are common enough that crashes land in their
				// transactions too (fault-site coverage).
				sim.ActConsent: 4, sim.ActKeyPackages: 3,
				// Devices come and go, and clients run their upkeep, so
				// crashes land in the installations check too.
				sim.ActNewInstall: 1.5, sim.ActRevoke: 1, sim.ActUpkeep: 4})), Swarm: true},
	},
	{
		Name:        "lossy-net",
		Description: "publish and query faults, partitions, delayed landings and garbage",
		Params: sim.Params{Accounts: 4, InstallsPer: 2, MaxInstallations: 10, Groups: 2, InitialMembers: 2,
			Steps: 150, Weights: scale(map[sim.Action]float64{sim.ActPublishLost: 6, sim.ActPublishAmbig: 6, sim.ActPublishDelayed: 6,
				sim.ActLandDelayed: 4, sim.ActQueryError: 5, sim.ActQueryShort: 5, sim.ActPartition: 4, sim.ActUnpartition: 4, sim.ActGarbage: 4}), Swarm: true},
	},
	{
		Name:        "big-group",
		Description: "one group grown to the 128-leaf width cap: adds beyond it end FAILED(group_cap)",
		Params: sim.Params{Accounts: 66, InstallsPer: 2, MaxInstallations: 132, Groups: 1, InitialMembers: 63,
			Steps: 40, Weights: only(map[sim.Action]float64{sim.ActAdd: 5, sim.ActSend: 2, sim.ActKeyUpdate: 1, sim.ActRemove: 1,
				sim.ActPublish: 6, sim.ActSync: 4, sim.ActWelcomes: 3, sim.ActSendWelcomes: 2, sim.ActCrash: 0.5, sim.ActRestart: 0.5})},
		Heavy: true,
	},
	{
		Name:        "large-world",
		Description: "scale: 1,000 installations (500 accounts x 2) in 100 groups of about 10, 100,000 steps of the mixed workload",
		Params: sim.Params{Accounts: 500, InstallsPer: 2, MaxInstallations: 1000, Groups: 100, InitialMembers: 4,
			// Adds (plain and in races) against removes that name a member
			// with probability s/(s+4) for s member accounts: groups level
			// off near 10 installations and stay there, so what grows is
			// the world, not each group. Churn is kept low because each
			// installation acts about once per thousand steps: its intents
			// wait long, and an intent whose owner is removed meanwhile
			// fails (docs/PERFORMANCE.md, large-world, has the figures).
			Steps: 100_000, Weights: scale(map[sim.Action]float64{sim.ActAdd: 0.025, sim.ActRace: 0.125, sim.ActRemove: 0.5})},
		Heavy: true,
	},
	{
		Name:        "past-epochs",
		Description: "messages crossing epoch boundaries: sends raced against frequent commits, delayed publishes",
		Params: sim.Params{Accounts: 4, InstallsPer: 2, MaxInstallations: 10, Groups: 1, InitialMembers: 3,
			Steps: 150, Weights: scale(map[sim.Action]float64{sim.ActSend: 2, sim.ActKeyUpdate: 4, sim.ActPublishDelayed: 4,
				sim.ActLandDelayed: 3, sim.ActSyncBegin: 3, sim.ActSyncStep: 3}), Swarm: true},
	},
	{
		// The window is per world: engine and checker both judge by it,
		// and a message two epochs late, accepted by the default window,
		// is rejected here and rebuilt.
		Name:        "past-epochs-narrow",
		Description: "past-epochs with max_past_epochs = 1: late messages more than one epoch behind are rejected by everyone and rebuilt",
		Params: sim.Params{Accounts: 4, InstallsPer: 2, MaxInstallations: 10, Groups: 1, InitialMembers: 3, MaxPastEpochs: 1,
			Steps: 150, Weights: scale(map[sim.Action]float64{sim.ActSend: 2, sim.ActKeyUpdate: 4, sim.ActPublishDelayed: 4,
				sim.ActLandDelayed: 3, sim.ActSyncBegin: 3, sim.ActSyncStep: 3}), Swarm: true},
	},
	{
		// FuzzConflictOrder's world (sim.OrderSetup): its scripts say
		// `world seed=1 scenario=fuzz-order`; as a sweep, the same size.
		Name:        "fuzz-order",
		Description: "the conflict-order fuzz world's size: 6 accounts of one installation (a second device each at most), 2 groups, 32 steps of the mixed workload",
		Params: sim.Params{Accounts: 6, InstallsPer: 1, MaxInstallations: 12, Groups: 2, InitialMembers: 4,
			Steps: 32, Weights: sim.DefaultWeights(), Swarm: true},
	},
	{
		Name:        "withheld-welcome",
		Description: "one Byzantine creator withholds every welcome; the report names it and exempts its joiners",
		Params: sim.Params{Accounts: 4, InstallsPer: 2, MaxInstallations: 10, Groups: 2, InitialMembers: 2,
			Steps: 150, Weights: sim.DefaultWeights(), Swarm: true, Withholders: 1},
	},
	{
		Name:        "permissions",
		Description: "group policies change mid-run, admins come and go, refused intents, and Byzantine members forging commits the policy forbids (rejected by everyone)",
		Params: sim.Params{Accounts: 5, InstallsPer: 2, MaxInstallations: 12, Groups: 2, InitialMembers: 3,
			Steps: 150, Weights: withPermissions(scale(map[sim.Action]float64{sim.ActAdd: 1.5, sim.ActRemove: 3, sim.ActRevoke: 2,
				sim.ActWelcomes: 3, sim.ActSendWelcomes: 3})), Swarm: true},
	},
}

// TestSteps is how many fault-phase steps the default test run gives a
// heavy scenario: enough to run its setup, a mix of actions and its
// liveness phase at full world size, in seconds.
const TestSteps = 20

// All returns every scenario, in a fixed order.
func All() []Scenario { return append([]Scenario(nil), all...) }

// Names lists the scenario names, sorted.
func Names() []string {
	var out []string
	for _, s := range all {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}

// Get returns a scenario by name.
func Get(name string) (Scenario, error) {
	for _, s := range all {
		if s.Name == name {
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(Names(), ", "))
}
