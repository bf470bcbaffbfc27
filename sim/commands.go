package sim

import (
	"fmt"
	"strings"

	"github.com/mlsim/mlsim/trace"
)

// CommandDoc is one script command or query: how to call it, what it
// does, an example line, and which of its arguments name the installation
// acting and the group (what a trace step records as Actor and Group).
type CommandDoc struct {
	Name    string
	Usage   string // the arguments after the name
	Summary string
	Example string
	Query   bool // a query: describes state, is no step
	min     int  // positional arguments required
	actor   int  // position of the installation acted on or through, -1 none
	group   int  // position of the group, -1 none
}

// commandDocs is the one list of script commands and queries, in the
// order `simrun help script` prints them. The dispatcher (World.dispatch
// and World.Query) is a switch over the same names; a test checks that
// the two agree.
var commandDocs = []CommandDoc{
	// The world.
	{Name: "installation", Usage: "ACCOUNT/NAME", min: 1, actor: 0, group: -1,
		Summary: "create an installation with its own store and crypto stream, and upload its key packages",
		Example: "installation alice/1"},
	{Name: "create-group", Usage: "INSTALLATION GROUP", min: 2, actor: 0, group: 1,
		Summary: "the installation creates a group, alone at epoch 0",
		Example: "create-group alice/1 g0"},
	// Intents: what the user wants.
	{Name: "send", Usage: "INSTALLATION GROUP BODY", min: 3, actor: 0, group: 1,
		Summary: "record a SEND_MESSAGE intent", Example: "send alice/1 g0 hello"},
	{Name: "add", Usage: "INSTALLATION GROUP ACCOUNT...", min: 3, actor: 0, group: 1,
		Summary: "record an ADD_MEMBERS intent (every installation of each account)", Example: "add alice/1 g0 bob carol"},
	{Name: "remove", Usage: "INSTALLATION GROUP ACCOUNT...", min: 3, actor: 0, group: 1,
		Summary: "record a REMOVE_MEMBERS intent", Example: "remove alice/1 g0 bob"},
	{Name: "key-update", Usage: "INSTALLATION GROUP", min: 2, actor: 0, group: 1,
		Summary: "record a KEY_UPDATE intent", Example: "key-update bob/1 g0"},
	{Name: "update-installations", Usage: "INSTALLATION GROUP", min: 2, actor: 0, group: 1,
		Summary: "record an UPDATE_INSTALLATIONS intent: add the member accounts' missing installations, remove revoked ones (upkeep records one when it sees a difference)",
		Example: "update-installations alice/1 g0"},
	{Name: "update-admins", Usage: "INSTALLATION GROUP +ACCOUNT|-ACCOUNT...", min: 3, actor: 0, group: 1,
		Summary: "record an UPDATE_ADMINS intent: make accounts admins (+) or not (-); the group's policy says who may (default: the super admin, its creator's account)",
		Example: "update-admins alice/1 g0 +bob"},
	{Name: "update-policy", Usage: "INSTALLATION GROUP ACTION=LEVEL...", min: 2, actor: 0, group: 1,
		Summary: "record an UPDATE_POLICY intent: who may add accounts (add), remove accounts (remove), change admins (admins), change the policy (policy): everyone, admins or super",
		Example: "update-policy alice/1 g0 remove=admins"},
	{Name: "consent", Usage: "INSTALLATION GROUP allowed|rejected", min: 3, actor: 0, group: 1,
		Summary: "the user answers a group", Example: "consent bob/1 g0 allowed"},
	// The client's engine: publish, sync, welcomes, key packages.
	{Name: "publish", Usage: "INSTALLATION GROUP", min: 2, actor: 0, group: 1,
		Summary: "publish the client's next intent of the group", Example: "publish alice/1 g0"},
	{Name: "publish-all", Usage: "INSTALLATION GROUP", min: 2, actor: 0, group: 1,
		Summary: "publish the client's pending intents of the group in order, as a real client does, until the engine's rules stop it (nothing left, a commit in flight, a failed publish); prints what each publish did",
		Example: "publish-all alice/1 g0"},
	{Name: "sync", Usage: "INSTALLATION GROUP", min: 2, actor: 0, group: 1,
		Summary: "read the group topic to its head", Example: "sync bob/1 g0"},
	{Name: "sync-begin", Usage: "INSTALLATION GROUP limit=N", min: 2, actor: 0, group: 1,
		Summary: "fetch one page (at most N envelopes) and keep it open as a batch; batches of one client interleave",
		Example: "sync-begin bob/1 g0 limit=2"},
	{Name: "sync-step", Usage: "INSTALLATION batch=N", min: 1, actor: 0, group: -1,
		Summary: "process the next envelope of the client's N-th open batch (0 first)", Example: "sync-step bob/1 batch=0"},
	{Name: "subscribe", Usage: "INSTALLATION GROUP", min: 2, actor: 0, group: 1,
		Summary: "subscribe to the group topic from the cursor (again, if subscribed): the server queues each envelope as it lands",
		Example: "subscribe bob/1 g0"},
	{Name: "stream-step", Usage: "INSTALLATION GROUP", min: 2, actor: 0, group: 1,
		Summary: "take the subscription's next delivery through the cursor check: processed at cursor+1, skipped at or below it, a gap beyond it (a pull fills it); a broken subscription is opened again first",
		Example: "stream-step bob/1 g0"},
	{Name: "process-welcomes", Usage: "INSTALLATION", min: 1, actor: 0, group: -1,
		Summary: "apply the welcomes on the installation's welcome topic", Example: "process-welcomes carol/1"},
	{Name: "send-welcomes", Usage: "INSTALLATION", min: 1, actor: 0, group: -1,
		Summary: "send every welcome ready to send", Example: "send-welcomes alice/1"},
	{Name: "key-packages", Usage: "INSTALLATION", min: 1, actor: 0, group: -1,
		Summary: "replenish the installation's key packages if low", Example: "key-packages carol/1"},
	{Name: "upkeep", Usage: "INSTALLATION", min: 1, actor: 0, group: -1,
		Summary: "one round of the client's production upkeep (engine.Client.Upkeep), under whatever faults are armed; lists the steps that failed",
		Example: "upkeep bob/1"},
	{Name: "race", Usage: "GROUP INSTALLATION=" + raceUsage() + " ...", min: 1, actor: -1, group: 0,
		Summary: "SPEC §7's users racing: each named installation records its change (any intent kind) and publishes it before any reads the topic",
		Example: "race g0 alice/1=add:carol bob/1=send:hi"},
	// Crashes and restarts.
	{Name: "arm-crash", Usage: "INSTALLATION kind=tx|send at=N", min: 1, actor: 0, group: -1,
		Summary: "the installation crashes at its N-th store transaction (tx) or network call (send), in whatever step reaches it; a restart disarms it",
		Example: "arm-crash alice/1 kind=tx at=2"},
	{Name: "restart", Usage: "INSTALLATION", min: 1, actor: 0, group: -1,
		Summary: "a new engine over the installation's store (after a crash, or dropping all a running one holds in memory)",
		Example: "restart alice/1"},
	{Name: "store-busy", Usage: "INSTALLATION", min: 1, actor: 0, group: -1,
		Summary: "the installation's next store transaction does its work and then fails to commit (SQLite busy): a transient error",
		Example: "store-busy bob/1"},
	// The network and the server.
	{Name: "fault", Usage: "KIND INSTALLATION", min: 2, actor: 1, group: -1,
		Summary: "arm a fault for the installation's next publish (publish-lost, publish-ambiguous, publish-delayed), query (query-error, query-short-page), key package fetch (directory-error) or stream delivery (stream-drop, stream-duplicate, stream-delay, stream-break)",
		Example: "fault publish-ambiguous alice/1"},
	{Name: "land-delayed", min: 0, actor: -1, group: -1,
		Summary: "the oldest delayed publish lands now", Example: "land-delayed"},
	{Name: "partition", Usage: "INSTALLATION", min: 1, actor: 0, group: -1,
		Summary: "cut the installation off the server", Example: "partition carol/1"},
	{Name: "unpartition", Usage: "INSTALLATION", min: 1, actor: 0, group: -1,
		Summary: "reconnect the installation", Example: "unpartition carol/1"},
	{Name: "clock", Usage: "tie|jump", min: 1, actor: -1, group: -1,
		Summary: "server timestamps tie from now on, or jump an hour per publish", Example: "clock tie"},
	{Name: "garbage", Usage: "GROUP random=HEX | replay=SEQ [counter+=N] | forged sender=ID epoch=E counter=C id=N mls=HEX", min: 1, actor: -1, group: 0,
		Summary: "append a payload no client published to the group topic; every client must reject it and lose nothing",
		Example: "garbage g0 random=00ff"},
	{Name: "revoke", Usage: "INSTALLATION", min: 1, actor: 0, group: -1,
		Summary: "the directory revokes the installation (a lost device): no longer listed under its account, no more key packages; members' commits remove it",
		Example: "revoke bob/1"},
	{Name: "forge-commit", Usage: "INSTALLATION GROUP remove:ACCOUNT|add:ACCOUNT|admin:ACCOUNT|policy:open", min: 3, actor: 0, group: 1,
		Summary: "the installation plays a Byzantine member: it builds a commit its own permission check refuses (remove or add an account, make an account admin, open the policy to everyone) and publishes it; every client must reject it (skipped when the policy permits it)",
		Example: "forge-commit bob/1 g0 remove:carol"},
	{Name: "withhold", Usage: "INSTALLATION", min: 1, actor: 0, group: -1,
		Summary: "the installation becomes a Byzantine member that drops every welcome it sends (believing them sent)",
		Example: "withhold alice/1"},
	// The run.
	{Name: "swarm", Usage: "off=ACTION,ACTION", min: 0, actor: -1, group: -1,
		Summary: "records which actions swarm testing switched off for the seed; changes nothing when replayed",
		Example: "swarm off=clock-tie,garbage"},
	{Name: "stabilize", min: 0, actor: -1, group: -1,
		Summary: "the liveness phase: heal every fault, restart every client, run rounds of upkeep until nothing changes, within a bound",
		Example: "stabilize"},
	{Name: "check", min: 0, actor: -1, group: -1,
		Summary: "the final properties (liveness, and all safety found so far); lists the violations, or ok",
		Example: "check"},
	// Queries: no step, no effect.
	{Name: "state", Usage: "GROUP", Query: true, min: 1, actor: -1, group: 0,
		Summary: "every installation holding the group: epoch, members, cursor (a removed one: the position of its removal, and its cursor)", Example: "state g0"},
	{Name: "intents", Usage: "INSTALLATION [GROUP]", Query: true, min: 1, actor: 0, group: 1,
		Summary: "the installation's intents and their states", Example: "intents alice/1 g0"},
	{Name: "messages", Usage: "INSTALLATION GROUP", Query: true, min: 2, actor: 0, group: 1,
		Summary: "the installation's stored messages of the group", Example: "messages bob/1 g0"},
	{Name: "topic", Usage: "GROUP", Query: true, min: 1, actor: -1, group: 0,
		Summary: "the group topic as the oracle judged it", Example: "topic g0"},
	{Name: "welcome-topic", Usage: "INSTALLATION", Query: true, min: 1, actor: 0, group: -1,
		Summary: "the welcomes on the installation's welcome topic", Example: "welcome-topic carol/1"},
}

// Commands returns the script commands and queries, in help order.
func Commands() []CommandDoc { return append([]CommandDoc(nil), commandDocs...) }

// commandDoc finds a command's entry.
func commandDoc(name string) (CommandDoc, bool) {
	for _, d := range commandDocs {
		if d.Name == name {
			return d, true
		}
	}
	return CommandDoc{}, false
}

// IsQuery reports whether a command is a query (no step, no effect).
func IsQuery(name string) bool {
	d, ok := commandDoc(name)
	return ok && d.Query
}

// commandNames lists the names, for an unknown command's error.
func commandNames() string {
	names := make([]string, len(commandDocs))
	for i, d := range commandDocs {
		names[i] = d.Name
	}
	return strings.Join(names, ", ")
}

// ScriptHelp is the page `simrun help script` prints: every command and
// query with its usage, what it does and an example.
func ScriptHelp() string {
	var b strings.Builder
	b.WriteString("Script commands (one per step; output after ----):\n")
	query := false
	for _, d := range commandDocs {
		if d.Query && !query {
			query = true
			b.WriteString("\nQueries (no step, no effect; output after ----):\n")
		}
		fmt.Fprintf(&b, "\n  %s %s\n      %s\n      e.g. %s\n", d.Name, d.Usage, d.Summary, d.Example)
	}
	return b.String()
}

// dispatch runs a command's handler: one case per command of commandDocs
// that is not a query.
func (w *World) dispatch(c Cmd) (result, error) {
	switch c.Name {
	case "installation":
		return w.cmdInstallation(c)
	case "create-group":
		return w.cmdCreateGroup(c)
	case "send":
		return w.cmdSend(c)
	case "add":
		return w.cmdAdd(c)
	case "remove":
		return w.cmdRemove(c)
	case "key-update":
		return w.cmdKeyUpdate(c)
	case "consent":
		return w.cmdConsent(c)
	case "update-admins":
		return w.cmdUpdateAdmins(c)
	case "update-policy":
		return w.cmdUpdatePolicy(c)
	case "forge-commit":
		return w.cmdForgeCommit(c)
	case "update-installations":
		return w.cmdUpdateInstallations(c)
	case "publish":
		return w.cmdPublish(c)
	case "publish-all":
		return w.cmdPublishAll(c)
	case "sync":
		return w.cmdSync(c)
	case "sync-begin":
		return w.cmdSyncBegin(c)
	case "sync-step":
		return w.cmdSyncStep(c)
	case "subscribe":
		return w.cmdSubscribe(c)
	case "stream-step":
		return w.cmdStreamStep(c)
	case "process-welcomes":
		return w.cmdProcessWelcomes(c)
	case "send-welcomes":
		return w.cmdSendWelcomes(c)
	case "key-packages":
		return w.cmdKeyPackages(c)
	case "upkeep":
		return w.cmdUpkeep(c)
	case "race":
		return w.cmdRace(c)
	case "arm-crash":
		return w.cmdArmCrash(c)
	case "restart":
		return w.cmdRestart(c)
	case "store-busy":
		return w.cmdStoreBusy(c)
	case "fault":
		return w.cmdFault(c)
	case "land-delayed":
		return w.cmdLandDelayed(c)
	case "partition":
		return w.cmdPartition(c)
	case "unpartition":
		return w.cmdUnpartition(c)
	case "clock":
		return w.cmdClock(c)
	case "garbage":
		return w.cmdGarbage(c)
	case "withhold":
		return w.cmdWithhold(c)
	case "revoke":
		return w.cmdRevoke(c)
	case "swarm":
		return w.cmdSwarm(c)
	case "stabilize":
		return w.cmdStabilize(c)
	case "check":
		return w.cmdCheck(c)
	}
	return result{}, fmt.Errorf("unknown command %q (known: %s)", c.Name, commandNames())
}

// stepOf is the trace record of a command, before it runs: its name and
// text, and who and which group it names.
func stepOf(c Cmd) trace.Step {
	st := trace.Step{Name: c.Name, Text: c.String()}
	d, _ := commandDoc(c.Name)
	if d.actor >= 0 && d.actor < len(c.Args) {
		st.Actor = c.Args[d.actor]
	}
	if d.group >= 0 && d.group < len(c.Args) {
		st.Group = c.Args[d.group]
	}
	if c.Name == "race" {
		for _, o := range c.Opts {
			st.Involves = append(st.Involves, o.Key)
		}
	}
	return st
}
