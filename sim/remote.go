package sim

import (
	"errors"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/wire"
)

// clientAPI is what the world asks of an installation's client: our
// engine in the world's process (localEngine), or a client under test
// driven through the intent-client protocol (RemoteClient). The results
// and errors are the engine's, so commands read both alike.
type clientAPI interface {
	CreateGroup(group string) error
	Send(group string, body []byte) (int64, error)
	AddMembers(group string, accounts ...string) (int64, error)
	RemoveMembers(group string, accounts ...string) (int64, error)
	KeyUpdate(group string) (int64, error)
	UpdateInstallations(group string) (int64, error)
	UpdateAdmins(group string, add, remove []string) (int64, error)
	UpdatePolicy(group string, levels map[string]wire.Level) (int64, error)
	ForgeCommit(group, what string) (string, error)
	SetConsent(group string, c engine.Consent) error
	PublishNext(group string) (engine.PublishResult, error)
	PublishAll(group string) ([]engine.PublishResult, error)
	Sync(group string) error
	BeginSync(group string, limit int) (SyncBatch, error)
	ProcessWelcomes() ([]string, error)
	SendWelcomes() (int, error)
	EnsureKeyPackages() (int, error)
	Subscribe(group string) error
	Subscriptions() []string
	StreamStep(group string) (engine.StreamResult, error)
	UpkeepInto(r *engine.UpkeepReport)
	// What the schedule and the queries read.
	Groups() ([]string, error)
	Members(group string) ([]string, error)
	Policy(group string) (wire.Policy, error)
	OpenIntents() (int, error)
	Snapshot() (engine.Snapshot, error)
}

// SyncBatch is a page fetched by BeginSync, processed one envelope at a
// time.
type SyncBatch interface {
	Len() int
	Step() (done bool, err error)
}

// localEngine is our engine in the world's process.
type localEngine struct{ *engine.Client }

func (e localEngine) BeginSync(group string, limit int) (SyncBatch, error) {
	b, err := e.Client.BeginSync(group, limit)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Remote hosts a world's installations in a client under test (the
// conformance kit, package conform): the world drives them through the
// protocol and the checker reads their observation records. Commands
// that need the client's insides (arm-crash, store-busy, withhold) go
// through its fault hooks; a client that lacks one answers UNIMPLEMENTED
// and the run stops with ErrUnsupported. A store fixture is not played.
type Remote interface {
	// Open creates installation id in the client under test, which
	// reaches the world's network through t: the installation's own
	// transport, its calls recorded for the checker.
	// p are the world's parameters (its width cap, past-epoch window
	// and MLS variant are the client's options).
	Open(id string, t RemoteTransport, p Params) (RemoteClient, error)
}

// RemoteTransport is an installation's door into the world for a client
// under test: its transport, and a publish that also says where the
// record landed — a topic server answers a publish with its sequence id
// and timestamp, and a client may rely on them.
type RemoteTransport interface {
	engine.Transport
	// PublishAt publishes as Publish does and, when it succeeded, returns
	// the record's sequence id and timestamp.
	PublishAt(topic string, payload []byte) (seq uint64, timestampNs int64, err error)
}

// RemoteClient is one installation of a client under test.
type RemoteClient interface {
	clientAPI
	// Restart re-opens the installation from its durable state (a crash
	// and restart, as the client under test does it).
	Restart() error
	// The fault hooks: what arm-crash, store-busy and withhold do to our
	// engine, done by the client to itself. A client that crashes answers
	// with an error that errors.Is ErrCrashed and names the point with a
	// CrashPoint() string method.
	ArmCrash(kind string, at int) error
	StoreBusy() error
	Withhold() error
	// Events are the client's diagnostics for its last call.
	Events() []engine.Event
	// Records are its observation records, as far as its last call.
	Records() *checker.Records
}

// ErrUnsupported: a command a world of remote clients cannot play (it
// needs to reach inside the client), or the client answered
// UNIMPLEMENTED. A RemoteClient's error says the latter with an
// Unsupported() bool method returning true.
var ErrUnsupported = errors.New("unsupported")
