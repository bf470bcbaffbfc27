package engine

// The engine writes what a checker reads of its store (docs/SCHEMA.md):
// how each epoch was entered (epoch_history, here), every intent state
// change (intent_transitions, repo_intents.go) and the installations an
// add skipped (intent_skipped), each in the transaction that makes the
// change, so they never disagree with the state they describe. The engine
// does not read them back: the checker reads them with its own queries.

// logEpoch appends to the epoch history in the transaction that enters
// the epoch.
func logEpoch(tx Tx, group string, st GroupState, seq uint64, hash []byte, via string) error {
	if hash == nil {
		hash = []byte{}
	}
	_, err := tx.Exec(`INSERT INTO epoch_history(group_id, epoch, commit_seq, commit_hash, authenticator, via) VALUES (?, ?, ?, ?, ?, ?)`,
		group, st.Epoch(), seq, hash, st.Authenticator(), via)
	return err
}
