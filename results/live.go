package results

import "github.com/mlsim/mlsim/checker"

// LiveProperties names what only a live run checks, beside the checker's
// properties (package live): findings of the harness, not the checker.
var LiveProperties = map[string]string{
	"live-order":     "server order linearizable",
	"live-acked":     "acknowledged intent kept",
	"live-integrity": "store files intact",
	"live-process":   "client processes healthy",
}

// PropertyName is a property's name: the checker's, or a live run's.
func PropertyName(p string) string {
	if n, ok := checker.PropertyNames[p]; ok {
		return n
	}
	return LiveProperties[p]
}

// LiveRun is what a live run (`simrun live`) adds to its summary: the
// processes, the faults dealt to them, and the checks only a live run
// makes. A live run is not reproducible byte for byte (timing is real),
// so its Determinism is "skipped" and Note says so.
type LiveRun struct {
	Note            string  `json:"note"`
	Database        string  `json:"database"` // sqlite or postgres
	Servers         int     `json:"servers"`
	ClientProcesses int     `json:"client_processes"`
	FaultMillis     float64 `json:"fault_phase_ms"`
	// Kills are SIGKILLs by pid; Restarts count both kinds of process.
	ClientKills int `json:"client_kills"`
	ServerKills int `json:"server_kills"`
	Restarts    int `json:"restarts"`
	// NetworkFaults counts the faults injected into client calls, by kind.
	NetworkFaults map[string]int `json:"network_faults"`
	Actions       int            `json:"actions"` // drawn from the scenario's mix
	Skipped       int            `json:"skipped"` // commands to a client that was down
	// NotPlayed lists the scenario's actions a live run has no
	// counterpart for, with the reason.
	NotPlayed map[string]string `json:"not_played,omitempty"`
	// AckedIntents are the intents a client acknowledged (recorded
	// durably); every one must be in its store at the end.
	AckedIntents int `json:"acked_intents"`
	CheckSteps   int `json:"check_steps"`
	Calls        int `json:"calls"` // network calls the checker judged (S9)
	// OrderCheck is the linearizability check's verdict on the clients'
	// observed histories, and what it checked.
	OrderCheck string `json:"order_check"`
	// FilesChecked counts the SQLite files PRAGMA integrity_check passed.
	FilesChecked   int  `json:"files_checked"`
	LivenessRounds int  `json:"liveness_rounds"`
	LivenessBound  int  `json:"liveness_bound"`
	Converged      bool `json:"converged"`
}
