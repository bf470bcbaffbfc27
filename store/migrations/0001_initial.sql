-- The design note's tables (groups, group_messages, topic_refresh_state,
-- group_intents) kept by name, plus what crash safety and the acceptance
-- rules need.

CREATE TABLE installation (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    installation_id TEXT NOT NULL,
    account TEXT NOT NULL,
    identity BLOB NOT NULL
);

-- Private halves of uploaded key packages; deleted once used.
CREATE TABLE key_packages (
    ref BLOB PRIMARY KEY NOT NULL,
    public BLOB NOT NULL,
    private BLOB NOT NULL
);

CREATE TABLE groups (
    id TEXT PRIMARY KEY NOT NULL,
    created_at_ns INTEGER NOT NULL,
    membership_state INTEGER NOT NULL,     -- consent: PENDING, ALLOWED, REJECTED
    epoch INTEGER NOT NULL,                -- current epoch of our membership
    joined_epoch INTEGER NOT NULL,         -- epoch our current membership began
    removed_at_seq INTEGER NOT NULL DEFAULT 0,  -- commit that removed us, 0 if member
    broken TEXT NOT NULL DEFAULT ''        -- why processing stopped, '' if healthy
);
CREATE INDEX groups_created_at_idx ON groups(created_at_ns);
CREATE INDEX groups_membership_state ON groups(membership_state);

-- MLS states: the current epoch and up to max_past_epochs past ones.
CREATE TABLE group_states (
    group_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (group_id, epoch)
);

-- Members at the current epoch and since when they have been members
-- without a break (the acceptance rule for application messages).
CREATE TABLE group_members (
    group_id TEXT NOT NULL,
    installation_id TEXT NOT NULL,
    since_epoch INTEGER NOT NULL,
    PRIMARY KEY (group_id, installation_id)
);

-- Highest accepted counter per (sender, epoch): SPEC §5's counter rule.
CREATE TABLE group_counters (
    group_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    max_counter INTEGER NOT NULL,
    PRIMARY KEY (group_id, sender, epoch)
);

-- Our own last used counter per epoch.
CREATE TABLE send_counters (
    group_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    last_counter INTEGER NOT NULL,
    PRIMARY KEY (group_id, epoch)
);

CREATE TABLE group_messages (
    id TEXT PRIMARY KEY NOT NULL,          -- message id: sender installation + intent id
    group_id TEXT NOT NULL,
    decrypted_message_bytes BLOB NOT NULL,
    sent_at_ns INTEGER NOT NULL,           -- server timestamp
    kind INTEGER NOT NULL,                 -- APPLICATION, MEMBER_ADDED, MEMBER_REMOVED
    sender_installation_id TEXT NOT NULL,
    sender_account TEXT NOT NULL,
    seq INTEGER NOT NULL,                  -- topic sequence id
    epoch INTEGER NOT NULL
);
CREATE INDEX group_messages_group_id_sort_idx ON group_messages(group_id, seq);

CREATE TABLE topic_refresh_state (
    topic TEXT PRIMARY KEY NOT NULL,
    cursor INTEGER NOT NULL                -- last processed sequence id
);

CREATE TABLE group_intents (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    publish_data BLOB NOT NULL,
    post_commit_data BLOB NOT NULL DEFAULT x'',
    state INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    message_hash BLOB,                     -- current attempt, NULL in TO_SEND
    staged_commit BLOB,                    -- the state to adopt if our commit wins
    payload BLOB,                          -- the current attempt's envelope
    epoch INTEGER NOT NULL DEFAULT 0,      -- epoch the current attempt was built for
    counter INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    invalid INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX group_intents_group_id_id ON group_intents(group_id, id);

-- Every attempt's hash, so any copy of any attempt is recognised as ours.
CREATE TABLE intent_attempts (
    hash BLOB PRIMARY KEY NOT NULL,
    intent_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL
);

CREATE TABLE outbound_welcomes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    intent_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    installation_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    welcome BLOB NOT NULL,
    state INTEGER NOT NULL,                -- PENDING, READY_TO_SEND, SENT
    commit_seq INTEGER NOT NULL DEFAULT 0
);
