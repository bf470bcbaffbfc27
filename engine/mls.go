package engine

// MLS is what the engine needs from an MLS library. The production
// implementation is mlsadapter (over github.com/cisco/go-mls); the engine
// never imports it, so tests and the simulator can hand in variants.
//
// Every method that draws randomness draws it from the installation's own
// source, which the implementation was built with (SPEC §9).
type MLS interface {
	// NewIdentity derives a signing identity for an installation.
	NewIdentity(installationID string) (Identity, error)
	// NewKeyPackage makes a one-time key package for the identity.
	NewKeyPackage(id Identity) (KeyPackageSecret, error)
	// KeyPackageOwner reads the installation id a public key package names,
	// and checks it is well-formed.
	KeyPackageOwner(kp []byte) (string, error)
	// CreateGroup makes a group at epoch 0 with the identity as its only
	// member.
	CreateGroup(id Identity, groupID []byte) (GroupState, error)
	// Join enters a group from a welcome with whichever of the given key
	// packages it names, and returns that key package's Ref.
	Join(id Identity, kps []KeyPackageSecret, welcome []byte) (GroupState, []byte, error)
	// LoadGroup restores a state saved with GroupState.Marshal; keys, when
	// not nil, is a later GroupState.MarshalKeys of the same state and
	// replaces the key schedule saved with it.
	LoadGroup(id Identity, state, keys []byte) (GroupState, error)
}

// Identity is an installation's signing identity, opaque to the engine.
type Identity struct {
	InstallationID string
	Private        []byte
}

// KeyPackageSecret is a key package with what its owner needs to join
// with it.
type KeyPackageSecret struct {
	Public  []byte // uploaded to the directory
	Private []byte // kept in the store until used, then deleted
	Ref     []byte // hash that welcomes name it by
}

// Member is one occupied leaf of a group's tree.
type Member struct {
	Leaf           uint32
	InstallationID string
}

// CommitInfo is what a commit claims, read from its MLS content.
type CommitInfo struct {
	Epoch   uint64
	Sender  string
	Added   []string // installation ids, in proposal order
	Removed []string // installation ids, in proposal order
}

// BuiltCommit is a commit built for a state's epoch; the state it was built
// from is unchanged.
type BuiltCommit struct {
	Proposals [][]byte
	Commit    []byte
	Welcome   []byte // empty when nobody is added
	Next      GroupState
}

// GroupState is one installation's view of a group at one epoch.
type GroupState interface {
	Epoch() uint64
	GroupID() []byte
	// Members lists occupied leaves in leaf order.
	Members() []Member
	// Width is the tree's leaf count, blank leaves included.
	Width() int
	// Authenticator is a value every member at this epoch shares and
	// nobody else can compute (exporter output and tree hash).
	Authenticator() []byte
	Marshal() ([]byte, error)
	// MarshalKeys saves the key schedule alone: the only part of a state
	// that Protect and Unprotect change, and much smaller than the tree.
	MarshalKeys() ([]byte, error)
	// Commit builds a commit adding the key packages and removing the
	// installations, always with a path. It does not change the receiver.
	Commit(adds [][]byte, removes []string) (BuiltCommit, error)
	// Inspect decodes a commit and returns what it claims, without
	// processing it.
	Inspect(proposals [][]byte, commit []byte) (CommitInfo, error)
	// Process applies another member's commit and returns the next state;
	// the receiver is unchanged.
	Process(proposals [][]byte, commit []byte) (GroupState, error)
	// Protect encrypts an application message; it advances the state's
	// ratchet in place.
	Protect(plaintext []byte) ([]byte, error)
	// Unprotect decrypts an application message; it advances the state's
	// ratchet in place, so a failed save must reload the state.
	Unprotect(ciphertext []byte) (sender string, plaintext []byte, err error)
}
