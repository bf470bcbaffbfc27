package checker

// What the checker reads, declared here so that nothing it judges is read
// through the code being judged: the server's log and key package
// directory, the network calls each client made as the harness around its
// transport saw them, and each client's store (store.go). The simulator
// adapts memnet and its in-memory SQLite stores to these; a live run
// adapts a topic server's database and the clients' files.

// Record is one record of a topic, as the server holds it.
type Record struct {
	Seq         uint64
	TimestampNs int64
	Payload     []byte
	Publisher   string // the installation that published it; "" when injected
	Injected    bool   // put there by the harness (garbage, replays): rejected unread
}

// Log is the topic server's log.
type Log interface {
	// Topics lists every topic that holds a record, sorted.
	Topics() []string
	// Records returns a topic's records with a sequence id above after,
	// in order. The caller does not modify them.
	Records(topic string, after uint64) []Record
	// Count is the number of records appended to any topic so far: while
	// it stays put, no topic changed.
	Count() uint64
}

// Directory is the server's key package directory (S10, S12 and L6 read
// it).
type Directory interface {
	// Installations lists an account's registered installations that are
	// not revoked.
	Installations(account string) []string
	// KeyPackages is how many unused key packages an installation has.
	KeyPackages(installation string) int
	// Revoked reports whether the directory revoked an installation.
	Revoked(installation string) bool
}

// CallKind says what a client did on the network.
type CallKind int

const (
	// CallPublish is a publish to a topic.
	CallPublish CallKind = iota + 1
	// CallQuery is a query of a topic.
	CallQuery
	// CallRestart is the client starting again from its store (after a
	// crash or a deliberate restart): it knows nothing of earlier
	// publishes' delivery.
	CallRestart
)

// Call is one network call of a client, in the order the client made
// them, as the harness around its transport saw it (S9 judges re-sent
// copies from these and the log).
type Call struct {
	Step         int
	Installation string
	Kind         CallKind
	Topic        string
	Payload      []byte // publish
	Failed       bool   // the call returned an error: a publish may or may not have landed
	After        uint64 // query: the sequence id asked after
	Head         uint64 // query: the head the server returned
	Last         uint64 // query: the last sequence id returned (After when none)
}
