-- What an independent checker needs to judge a client from its store alone
-- (SPEC §8, v4), each written in the transaction that makes the change.

-- The group's epoch (as this client held it) when an intent changed state:
-- for an add or remove that ended NOOP, the epoch it was judged at (S10).
-- hash: the new attempt's message hash on a move to PUBLISHED (S9, L4).
ALTER TABLE intent_transitions ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intent_transitions ADD COLUMN hash BLOB;

-- Installations an add skipped for want of a usable key package, per
-- attempt (the attempt that was published, or the one judged NOOP) and
-- the epoch it was judged at (SPEC §6; S10).
CREATE TABLE intent_skipped (
    intent_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    installation_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    PRIMARY KEY (intent_id, attempt, installation_id)
);

-- Attempts by intent, in order (snapshots and the checker list them).
CREATE INDEX intent_attempts_intent_idx ON intent_attempts(intent_id, attempt);
