-- Permissions (issue 15 item 2): each group's policy in the client's
-- current epoch (wire.EncodePolicy: the super admin, the admin accounts,
-- the level of each action), written with the epoch it belongs to in the
-- transaction that enters it (create, an accepted commit, a welcome).
-- Receivers judge a commit against it; the commit's envelope carries the
-- next epoch's.
CREATE TABLE group_policy (
    group_id TEXT PRIMARY KEY NOT NULL,
    epoch INTEGER NOT NULL,
    policy BLOB NOT NULL
);
