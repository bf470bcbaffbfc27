package engine

import "errors"

// TopicEnvelope is one payload as the topic server returns it.
type TopicEnvelope struct {
	Seq         uint64 // per-topic sequence id, from 1
	TimestampNs int64  // server time; may tie, may jump
	Payload     []byte
}

// Page is the answer to a query: envelopes after a sequence id, ascending,
// and the topic's head, so "read everything" and "short page" differ.
type Page struct {
	Envelopes []TopicEnvelope
	Head      uint64
}

// Transport is the topic server and key package directory. Every error it
// returns is transient for the engine (retried, never advancing a cursor).
type Transport interface {
	Publish(topic string, payload []byte) error
	Query(topic string, afterSeq uint64, limit int) (Page, error)
	// UploadKeyPackages registers the installation under its account and
	// adds key packages to the directory.
	UploadKeyPackages(account, installation string, kps [][]byte) error
	// KeyPackageCount is how many unused key packages the directory holds
	// for the installation.
	KeyPackageCount(installation string) (int, error)
	// Installations lists an account's installations in registration order.
	Installations(account string) ([]string, error)
	// FetchKeyPackage consumes one key package of the installation; it
	// returns ErrNoKeyPackage when none is left.
	FetchKeyPackage(installation string) ([]byte, error)
	// Subscribe opens a stream of a topic's envelopes with a sequence id
	// above afterSeq: those already stored, then each one as it lands
	// (Stream says what the engine relies on, and what it does not).
	Subscribe(topic string, afterSeq uint64) (Stream, error)
	// DirectoryVersion moves whenever the directory's answers about
	// installations may have changed (a registration, an upload, a
	// revocation): a client re-reads its groups' member accounts only then.
	DirectoryVersion() (uint64, error)
}

// ErrNoKeyPackage is returned by FetchKeyPackage when the directory holds no
// key package for the installation. It is not a network error: the add
// skips that installation.
var ErrNoKeyPackage = errors.New("no key package left")

// ErrRevoked is returned by UploadKeyPackages for an installation the
// directory revoked: it may not come back. Not a network error.
var ErrRevoked = errors.New("installation revoked")

// Clock gives the local time; the engine never reads the wall clock.
type Clock interface {
	NowNs() int64
}
