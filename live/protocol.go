package live

// The harness drives a client process through the intent-client protocol
// (proto/intentclient/v1, served by intentclient.Server on the loopback
// address its Ready line gives): every operation of a client is an RPC
// (protocolcall.go maps a Command onto one). What is the harness's own
// business — network faults, heal, pausing the client's upkeep — goes on
// the process's stdin as JSON lines: one Command, one Reply on its
// stdout, in order. The first line a client writes is a Reply with Ready
// set, once its installations are open and its transport connected.

// Command is one request to a client process.
type Command struct {
	Op       string   `json:"op"`
	Inst     string   `json:"inst,omitempty"`
	Group    string   `json:"group,omitempty"`
	Text     string   `json:"text,omitempty"`
	Accounts []string `json:"accounts,omitempty"` // add, remove; update-admins: accounts to add
	Others   []string `json:"others,omitempty"`   // update-admins: accounts to remove
	Levels   []string `json:"levels,omitempty"`   // update-policy: ACTION=LEVEL
	What     string   `json:"what,omitempty"`     // forge-commit
	Fault    string   `json:"fault,omitempty"`    // fault: one of the netfault kinds
	Millis   int      `json:"ms,omitempty"`       // fault: how long (partition, delay)
	// Open: the store file and the topic server of the new installation.
	Store  string `json:"store,omitempty"`
	Server string `json:"server,omitempty"`
	// Insts are the installations an upkeep without Inst runs.
	Insts []string `json:"insts,omitempty"`
}

// The operations a client process understands.
const (
	OpOpen            = "open" // a new installation of the client's account
	OpCreate          = "create"
	OpSend            = "send"
	OpAdd             = "add"
	OpRemove          = "remove"
	OpKeyUpdate       = "key-update"
	OpUpdateAdmins    = "update-admins"
	OpUpdatePolicy    = "update-policy"
	OpForge           = "forge-commit"
	OpSubscribe       = "subscribe"   // the application subscribes to a group's topic
	OpStreamStep      = "stream-step" // take one delivery of a subscription
	OpPublish         = "publish"
	OpPublishAll      = "publish-all"
	OpSync            = "sync"
	OpProcessWelcomes = "process-welcomes"
	OpSendWelcomes    = "send-welcomes"
	OpKeyPackages     = "key-packages"
	OpUpkeep          = "upkeep" // Inst "" runs Insts' upkeep, one after another
	// The harness's controls, on stdin.
	OpFault  = "fault"
	OpHeal   = "heal"   // clear every network fault
	OpPause  = "pause"  // stop upkeep between commands
	OpResume = "resume" // upkeep between commands again
)

// isControl: the op goes on stdin, not through the protocol.
func isControl(op string) bool {
	return op == OpFault || op == OpHeal || op == OpPause || op == OpResume
}

// Reply is a client's answer to one Command.
type Reply struct {
	Ready         bool     `json:"ready,omitempty"`
	Installations []string `json:"installations,omitempty"` // ready: the ones it opened
	Addr          string   `json:"addr,omitempty"`          // ready: where it serves the protocol
	OK            bool     `json:"ok"`
	Err           string   `json:"err,omitempty"`
	// Intent is the intent recorded (durably: the reply is written after
	// its transaction committed), 0 when none.
	Intent int64 `json:"intent,omitempty"`
	// Failed: some step of an upkeep failed (a network error).
	Failed bool `json:"failed,omitempty"`
	// Events are the kinds of the engine events the call reported (its
	// Ack's; the client's own upkeep between calls reports to no one).
	Events []string `json:"events,omitempty"`
	// Changed: an upkeep changed the store (an event, a publish, a join).
	Changed bool `json:"changed,omitempty"`
}
