package engine

// Rule 6 (SPEC §4): a PUBLISHED attempt whose delivery is unknown — its
// send returned an error, or the client restarted — is re-sent with the
// same bytes only after a sync that *began after* the error (or restart)
// has read up to the head without finding it. A batch begun earlier
// proves nothing: the copy may have landed after that batch read its head
// (the concurrent sync and publish the design note warns about).

// deliveries tracks the PUBLISHED intents of unknown delivery. Moments
// are ticks of one counter, advanced when a send fails and when a sync
// batch begins, so "began after" is a comparison of two ticks.
type deliveries struct {
	tick    uint64
	unknown map[int64]unknownDelivery
}

type unknownDelivery struct {
	since   uint64 // the tick at which delivery became unknown (0: at restart)
	cleared bool   // a batch begun after since reached the head without finding it
}

func newDeliveries() deliveries { return deliveries{unknown: map[int64]unknownDelivery{}} }

// failed records that an attempt's send returned an error.
func (d *deliveries) failed(id int64) {
	d.tick++
	d.unknown[id] = unknownDelivery{since: d.tick}
}

// restarted records an attempt found PUBLISHED when the client opened.
func (d *deliveries) restarted(id int64) { d.unknown[id] = unknownDelivery{} }

// sent records a send that returned no error: the copy is on the topic.
func (d *deliveries) sent(id int64) { delete(d.unknown, id) }

// batchBegins returns the tick a sync batch begins at, before its query.
func (d *deliveries) batchBegins() uint64 {
	d.tick++
	return d.tick
}

// reachedHead clears for re-sending every listed attempt whose delivery
// became unknown before the batch began.
func (d *deliveries) reachedHead(began uint64, published []int64) {
	for _, id := range published {
		if u, ok := d.unknown[id]; ok && u.since < began {
			u.cleared = true
			d.unknown[id] = u
		}
	}
}

// mayResend reports whether the attempt's same bytes are to be sent again.
func (d *deliveries) mayResend(id int64) bool { return d.unknown[id].cleared }
