package engine

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Defaults for Config fields left zero.
const (
	DefaultMaxPastEpochs   = 3
	DefaultInvalidBudget   = 3
	DefaultWidthCap        = 128
	DefaultKeyPackageLow   = 2
	DefaultKeyPackageBatch = 3
	DefaultPageSize        = 32
)

// Config is everything a client is built from. The engine reads no clock,
// no global randomness and starts no goroutine of its own: all of it comes
// in here.
type Config struct {
	InstallationID string // "account/name": the account is the part before the last '/'
	Store          Store
	Transport      Transport
	MLS            MLS
	Clock          Clock
	// Observer, if set, is told what happened, after the transaction that
	// made it happen has committed.
	Observer func(Event)

	// MaxPastEpochs is how many past epochs' messages are accepted (SPEC
	// §5's max_past_epochs), and so how many past epochs' keys are kept.
	// As with net.Dialer.KeepAlive, 0 means the default (3) and a negative
	// value means none (NoPastEpochs): only the current epoch's messages
	// are accepted. PastEpochWindow says what a value means.
	MaxPastEpochs   int
	InvalidBudget   int // rule 8's N (3)
	WidthCap        int // widest tree allowed (128, go-mls bug 1)
	KeyPackageLow   int // replenish when the directory holds fewer (2)
	KeyPackageBatch int // how many to upload then (3)
	PageSize        int // envelopes per query (32)

	// Byzantine lets ForgeCommit publish commits the group's policy
	// forbids. It exists for the simulator alone, which sets it to play a
	// Byzantine member whose client skips its own permission check;
	// production code never sets it, and without it ForgeCommit refuses.
	Byzantine bool
}

// NoPastEpochs is Config.MaxPastEpochs for a window of no past epochs
// (max_past_epochs = 0): 0 there means the default.
const NoPastEpochs = -1

// PastEpochWindow is the number of past epochs a Config.MaxPastEpochs
// value accepts: the default for 0, none for a negative value, else the
// value itself.
func PastEpochWindow(configured int) int {
	switch {
	case configured == 0:
		return DefaultMaxPastEpochs
	case configured < 0:
		return 0
	}
	return configured
}

// PastEpochsConfig is the Config.MaxPastEpochs value for a window of n
// past epochs (n >= 0): the inverse of PastEpochWindow.
func PastEpochsConfig(n int) int {
	if n == 0 {
		return NoPastEpochs
	}
	return n
}

// Errors a caller branches on.
var (
	ErrUnknownGroup  = errors.New("unknown group")
	ErrGroupExists   = errors.New("group already exists")
	ErrRemoved       = errors.New("removed from the group")
	ErrSelfRemoval   = errors.New("cannot remove one's own account (leaving is not in v1)")
	ErrGroupBroken   = errors.New("group processing stopped")
	ErrBadInstallID  = errors.New("installation id must be account/name")
	ErrNothingToSend = errors.New("nothing to send")
)

// Client is one installation's engine. It is not safe for concurrent use:
// callers (production loops, the simulator) call one operation at a time.
type Client struct {
	cfg     Config
	self    string
	account string
	ident   Identity

	states     map[string]GroupState // group -> decoded current state
	past       map[pastKey]GroupState
	staged     map[int64]GroupState // intent id -> decoded staged commit
	deliveries deliveries           // PUBLISHED attempts of unknown delivery (rule 6); survives failed transactions
	rows       rowCache
	// checked is, per group, the directory version and the group's epoch
	// CheckInstallations last compared it at (none: not since this engine
	// opened).
	checked map[string]installationsCheck
	// streams are the group subscriptions the application opened
	// (stream.go): a nil value is one that broke, to be opened again.
	// Memory only, like a network connection: a restart has none.
	streams map[string]Stream
}

type installationsCheck struct{ version, epoch uint64 }

type pastKey struct {
	group string
	epoch uint64
}

// AccountOf returns the account an installation id belongs to.
func AccountOf(installation string) string {
	i := strings.LastIndexByte(installation, '/')
	if i <= 0 {
		return installation
	}
	return installation[:i]
}

// Open builds a client over its store. A new store gets a fresh identity;
// an existing one is reopened as it was (a restart after a crash).
func Open(cfg Config) (*Client, error) {
	if i := strings.LastIndexByte(cfg.InstallationID, '/'); i <= 0 || i == len(cfg.InstallationID)-1 {
		return nil, fmt.Errorf("open %q: %w", cfg.InstallationID, ErrBadInstallID)
	}
	if cfg.Store == nil || cfg.Transport == nil || cfg.MLS == nil || cfg.Clock == nil {
		return nil, errors.New("open: store, transport, MLS and clock are required")
	}
	cfg.MaxPastEpochs = PastEpochWindow(cfg.MaxPastEpochs) // from here on, the window itself (0: none)
	setDefault(&cfg.InvalidBudget, DefaultInvalidBudget)
	setDefault(&cfg.WidthCap, DefaultWidthCap)
	setDefault(&cfg.KeyPackageLow, DefaultKeyPackageLow)
	setDefault(&cfg.KeyPackageBatch, DefaultKeyPackageBatch)
	setDefault(&cfg.PageSize, DefaultPageSize)
	c := &Client{cfg: cfg, self: cfg.InstallationID, account: AccountOf(cfg.InstallationID)}
	c.dropCaches()
	if err := c.loadIdentity(); err != nil {
		return nil, err
	}
	// After a restart nothing is known about PUBLISHED intents' delivery:
	// each is re-sent once a sync reaches the head without finding it.
	err := c.cfg.Store.View(func(tx Tx) error {
		ids, err := publishedIntentIDs(tx, "")
		for _, id := range ids {
			c.deliveries.restarted(id)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	return c, nil
}

func setDefault(v *int, d int) {
	if *v <= 0 {
		*v = d
	}
}

func (c *Client) dropCaches() {
	c.states = map[string]GroupState{}
	c.past = map[pastKey]GroupState{}
	c.staged = map[int64]GroupState{}
	c.rows = rowCache{groups: map[string]groupRow{}, cursors: map[string]uint64{}}
	if c.deliveries.unknown == nil {
		c.deliveries = newDeliveries()
	}
}

func (c *Client) loadIdentity() error {
	var priv []byte
	err := c.cfg.Store.View(func(tx Tx) error {
		return tx.QueryRow(`SELECT identity FROM installation WHERE singleton = 1`).Scan(&priv)
	})
	if err == nil {
		c.ident = Identity{InstallationID: c.self, Private: priv}
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("open: load identity: %w", err)
	}
	id, err := c.cfg.MLS.NewIdentity(c.self)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	err = c.cfg.Store.Update(func(tx Tx) error {
		_, err := tx.Exec(`INSERT INTO installation(singleton, installation_id, account, identity) VALUES (1, ?, ?, ?)`,
			c.self, c.account, id.Private)
		return err
	})
	if err != nil {
		return fmt.Errorf("open: save identity: %w", err)
	}
	c.ident = id
	return nil
}

// update runs fn in one store transaction. Events fn records are delivered
// only if the transaction commits; if it fails, every cached MLS state is
// dropped, since go-mls changes states in place and a cached one may be
// ahead of the store (SPEC §3).
func (c *Client) update(fn func(tx Tx, ev *events) error) error {
	var ev events
	err := c.cfg.Store.Update(func(tx Tx) error { return fn(tx, &ev) })
	if err != nil {
		c.dropCaches()
		return err
	}
	if c.cfg.Observer != nil {
		for _, e := range ev.list {
			e.Installation = c.self
			c.cfg.Observer(e)
		}
	}
	return nil
}
