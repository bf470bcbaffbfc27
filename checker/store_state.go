package checker

import (
	"encoding/hex"
	"fmt"

	"github.com/mlsim/mlsim/wire"
)

// The store's state tables, read whole: the final checks read them into
// a ClientState, a StoreObserver into state records.

// readState reads everything the final checks need.
func readState(s Store, installation string) (ClientState, error) {
	st := ClientState{Installation: installation}
	err := s.Read(func(q Querier) error {
		positions, err := readPositions(q)
		if err != nil {
			return err
		}
		byGroup := map[string]*GroupState{}
		st.Groups = make([]GroupState, len(positions))
		for i, p := range positions {
			st.Groups[i] = GroupState{Position: p}
			byGroup[p.Group] = &st.Groups[i]
		}
		members, err := readMembers(q)
		if err != nil {
			return err
		}
		for _, m := range members {
			if g := byGroup[m.Group]; g != nil {
				g.Members = m.Installations
			}
		}
		if err := each(q, func(r Rows) error {
			var group string
			var auth []byte
			if err := r.Scan(&group, &auth); err != nil {
				return err
			}
			if g := byGroup[group]; g != nil {
				g.Authenticator = hex.EncodeToString(auth)
			}
			return nil
		}, `SELECT group_id, authenticator FROM epoch_history e
			WHERE serial = (SELECT MAX(serial) FROM epoch_history WHERE group_id = e.group_id)`); err != nil {
			return err
		}
		policies, err := readPolicies(q)
		if err != nil {
			return err
		}
		for _, p := range policies {
			if g := byGroup[p.Group]; g != nil {
				g.Policy = p.Policy
			}
		}
		if st.Intents, err = readIntentEnds(q); err != nil {
			return err
		}
		messages, err := readMessages(q, 0, false)
		st.Messages = messages.rows
		return err
	})
	if err != nil {
		return st, fmt.Errorf("checker: read %s: %w", installation, err)
	}
	return st, nil
}

// readMembers reads every group's members, by group, each sorted.
func readMembers(q Querier) ([]MembersHeld, error) {
	var out []MembersHeld
	err := each(q, func(r Rows) error {
		var group, id string
		if err := r.Scan(&group, &id); err != nil {
			return err
		}
		if n := len(out); n == 0 || out[n-1].Group != group {
			out = append(out, MembersHeld{Group: group})
		}
		last := &out[len(out)-1]
		last.Installations = append(last.Installations, id)
		return nil
	}, `SELECT group_id, installation_id FROM group_members ORDER BY group_id, installation_id`)
	return out, err
}

// readPolicies reads every group's policy as wire.Policy's line.
func readPolicies(q Querier) ([]PolicyHeld, error) {
	var out []PolicyHeld
	err := each(q, func(r Rows) error {
		var group string
		var data []byte
		if err := r.Scan(&group, &data); err != nil {
			return err
		}
		p, err := wire.DecodePolicy(data)
		if err != nil {
			out = append(out, PolicyHeld{Group: group, Policy: "undecodable: " + err.Error()})
		} else {
			out = append(out, PolicyHeld{Group: group, Policy: p.String()})
		}
		return nil
	}, `SELECT group_id, policy FROM group_policy ORDER BY group_id`)
	return out, err
}

// readIntentEnds reads every intent as it stands, by id, with its
// attempts' hashes in attempt order.
func readIntentEnds(q Querier) ([]IntentEnd, error) {
	var out []IntentEnd
	byIntent := map[int64]int{}
	if err := each(q, func(r Rows) error {
		var in IntentEnd
		if err := r.Scan(&in.ID, &in.Group, &in.Kind, &in.State, &in.Reason); err != nil {
			return err
		}
		byIntent[in.ID] = len(out)
		out = append(out, in)
		return nil
	}, `SELECT id, group_id, kind, state, reason FROM group_intents ORDER BY id`); err != nil {
		return nil, err
	}
	err := each(q, func(r Rows) error {
		var id int64
		var hash []byte
		if err := r.Scan(&id, &hash); err != nil {
			return err
		}
		i, ok := byIntent[id]
		if !ok {
			return fmt.Errorf("an attempt of intent %d, which the store does not hold", id)
		}
		out[i].Hashes = append(out[i].Hashes, hex.EncodeToString(hash))
		return nil
	}, `SELECT intent_id, hash FROM intent_attempts ORDER BY intent_id, attempt`)
	return out, err
}

// readWelcomes reads every outbound welcome, by id.
func readWelcomes(q Querier) ([]WelcomeOwed, error) {
	var out []WelcomeOwed
	err := each(q, func(r Rows) error {
		var w WelcomeOwed
		if err := r.Scan(&w.ID, &w.Intent, &w.Group, &w.To, &w.Epoch, &w.CommitSeq, &w.State); err != nil {
			return err
		}
		out = append(out, w)
		return nil
	}, `SELECT id, intent_id, group_id, installation_id, epoch, commit_seq, state FROM outbound_welcomes ORDER BY id`)
	return out, err
}
