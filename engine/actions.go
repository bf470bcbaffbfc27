package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/wire"
)

// CreateGroup makes a group with this installation alone at epoch 0. The
// account's other installations join with its first commit.
func (c *Client) CreateGroup(groupID string) error {
	if groupID == "" || strings.ContainsAny(groupID, "/ \n") {
		return fmt.Errorf("create group %q: id must be non-empty without '/', spaces or newlines", groupID)
	}
	st, err := c.cfg.MLS.CreateGroup(c.ident, []byte(groupID))
	if err != nil {
		return fmt.Errorf("create group %s: %w", groupID, err)
	}
	err = c.update(func(tx Tx, _ *events) error {
		if _, err := c.loadGroup(tx, groupID); err == nil {
			return fmt.Errorf("create group %s: %w", groupID, ErrGroupExists)
		}
		if err := c.writeGroup(tx, groupID, `INSERT INTO groups(id, created_at_ns, membership_state, epoch, joined_epoch) VALUES (?, ?, ?, 0, 0)`,
			groupID, c.cfg.Clock.NowNs(), ConsentAllowed); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO group_members(group_id, installation_id, since_epoch) VALUES (?, ?, 0)`, groupID, c.self); err != nil {
			return err
		}
		if err := saveGroupState(tx, groupID, 0, st); err != nil {
			return err
		}
		if err := savePolicy(tx, groupID, 0, wire.DefaultPolicy(c.account)); err != nil {
			return err
		}
		return logEpoch(tx, groupID, st, 0, nil, "create")
	})
	if err != nil {
		return err
	}
	c.states[groupID] = st
	return nil
}

// Send records the intent to send a message; PublishNext publishes it.
func (c *Client) Send(groupID string, body []byte) (int64, error) {
	return c.newIntent(intent.SendMessage, groupID, body)
}

// AddMembers records the intent to add every installation of the accounts
// that is not yet in the group.
func (c *Client) AddMembers(groupID string, accounts ...string) (int64, error) {
	data, err := encodeAccounts(accounts)
	if err != nil {
		return 0, err
	}
	return c.newIntent(intent.AddMembers, groupID, data)
}

// RemoveMembers records the intent to remove every installation of the
// accounts. Naming one's own account is refused: leaving is not in v1, and
// go-mls panics when a member commits its own removal.
func (c *Client) RemoveMembers(groupID string, accounts ...string) (int64, error) {
	for _, a := range accounts {
		if a == c.account {
			return 0, fmt.Errorf("remove %s from %s: %w", a, groupID, ErrSelfRemoval)
		}
	}
	data, err := encodeAccounts(accounts)
	if err != nil {
		return 0, err
	}
	return c.newIntent(intent.RemoveMembers, groupID, data)
}

// KeyUpdate records the intent to refresh this installation's keys.
func (c *Client) KeyUpdate(groupID string) (int64, error) {
	return c.newIntent(intent.KeyUpdate, groupID, []byte{})
}

func encodeAccounts(accounts []string) ([]byte, error) {
	if len(accounts) == 0 {
		return nil, fmt.Errorf("no accounts named")
	}
	sorted := append([]string(nil), accounts...)
	sort.Strings(sorted)
	var out []string
	for i, a := range sorted {
		if a == "" || strings.ContainsAny(a, "/\n") {
			return nil, fmt.Errorf("bad account name %q", a)
		}
		if i == 0 || a != sorted[i-1] {
			out = append(out, a)
		}
	}
	return []byte(strings.Join(out, "\n")), nil
}

func decodeAccounts(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	return strings.Split(string(data), "\n")
}

func (c *Client) newIntent(kind intent.Kind, groupID string, data []byte) (int64, error) {
	if data == nil {
		data = []byte{}
	}
	var id int64
	err := c.update(func(tx Tx, _ *events) error {
		g, err := c.loadGroup(tx, groupID)
		if err != nil {
			return err
		}
		if g.RemovedAtSeq != 0 {
			return fmt.Errorf("%s on %s: %w", kind, groupID, ErrRemoved)
		}
		id, err = insertIntent(tx, kind, groupID, data)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("new intent: %w", err)
	}
	return id, nil
}

// SetConsent records the user's answer to a group (accept or decline).
func (c *Client) SetConsent(groupID string, consent Consent) error {
	if consent != ConsentAllowed && consent != ConsentRejected {
		return fmt.Errorf("set consent: %s is not an answer", consent)
	}
	return c.update(func(tx Tx, _ *events) error {
		if _, err := c.loadGroup(tx, groupID); err != nil {
			return err
		}
		return c.writeGroup(tx, groupID, `UPDATE groups SET membership_state = ? WHERE id = ?`, consent, groupID)
	})
}

// EnsureKeyPackages uploads a batch of fresh key packages when the
// directory holds fewer than the low-water mark (adds that lose a race
// consume them too). The private halves are stored first: a crash in
// between leaves unused secrets, never an unusable upload.
func (c *Client) EnsureKeyPackages() (int, error) {
	n, err := c.cfg.Transport.KeyPackageCount(c.self)
	if err != nil {
		return 0, fmt.Errorf("key packages: %w", err)
	}
	if n >= c.cfg.KeyPackageLow {
		return 0, nil
	}
	var public [][]byte
	err = c.update(func(tx Tx, _ *events) error {
		for i := 0; i < c.cfg.KeyPackageBatch; i++ {
			kp, err := c.cfg.MLS.NewKeyPackage(c.ident)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO key_packages(ref, public, private) VALUES (?, ?, ?)`, kp.Ref, kp.Public, kp.Private); err != nil {
				return err
			}
			public = append(public, kp.Public)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("key packages: %w", err)
	}
	if err := c.cfg.Transport.UploadKeyPackages(c.account, c.self, public); err != nil {
		return 0, fmt.Errorf("key packages: %w", err)
	}
	return len(public), nil
}
