package checker

import "slices"

// What a driver reads of a remote client from its records (the
// conformance kit's queries and schedule), as a store reader would.

// State is the client as the final checks read it (messages without
// their bodies).
func (r *Records) State(installation string) (ClientState, error) { return r.state(installation) }

// Messages is every message stored, with its body, in the order stored.
func (r *Records) Messages() []StoredMessage { return slices.Clone(r.messages.rows) }
