-- The key schedule of a state, saved on its own after each Protect and
-- Unprotect (the only part they change), so a message does not rewrite the
-- whole tree. NULL: the key schedule inside `state` is current.
ALTER TABLE group_states ADD COLUMN keys BLOB;
