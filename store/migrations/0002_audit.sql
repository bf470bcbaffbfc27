-- What the harness (and an operator) audits: how each epoch was entered,
-- and every intent state change. Both are written in the transaction that
-- makes the change, so they never disagree with the state they describe.

-- One row per epoch a membership entered: by an accepted commit (its
-- position and hash), by a welcome (the commit that added us; hash
-- unknown), or by creating the group (seq 0).
CREATE TABLE epoch_history (
    serial INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    commit_seq INTEGER NOT NULL,
    commit_hash BLOB NOT NULL,
    authenticator BLOB NOT NULL,
    via TEXT NOT NULL                     -- create, commit, welcome
);

-- Every intent state change, in order.
CREATE TABLE intent_transitions (
    serial INTEGER PRIMARY KEY AUTOINCREMENT,
    intent_id INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    from_state INTEGER NOT NULL,
    to_state INTEGER NOT NULL,
    reason TEXT NOT NULL
);

-- One stored message per topic position. A message id is unique because
-- sync skips a second copy (SPEC §5), not because the table refuses it:
-- the harness checks that rule (S3) instead of having it hidden here.
CREATE TABLE group_messages_v2 (
    serial INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    decrypted_message_bytes BLOB NOT NULL,
    sent_at_ns INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    sender_installation_id TEXT NOT NULL,
    sender_account TEXT NOT NULL,
    seq INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    UNIQUE (group_id, seq)
);
INSERT INTO group_messages_v2(id, group_id, decrypted_message_bytes, sent_at_ns, kind, sender_installation_id, sender_account, seq, epoch)
    SELECT id, group_id, decrypted_message_bytes, sent_at_ns, kind, sender_installation_id, sender_account, seq, epoch
    FROM group_messages ORDER BY group_id, seq;
DROP TABLE group_messages;
ALTER TABLE group_messages_v2 RENAME TO group_messages;
CREATE INDEX group_messages_id_idx ON group_messages(id);
