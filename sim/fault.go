package sim

import (
	"fmt"

	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/wire"
)

// fault injects one of SPEC §7's faults. Network faults are armed for an
// installation's next call and counted when they fire.
func (w *World) fault(a Action) (string, string) {
	target := w.names[w.pick(len(w.names))]
	switch a {
	case ActPublishLost:
		w.net.Arm(target, memnet.PublishLost)
	case ActPublishAmbig:
		w.net.Arm(target, memnet.PublishAmbiguous)
	case ActPublishDelayed:
		w.net.Arm(target, memnet.PublishDelayed)
	case ActQueryError:
		w.net.Arm(target, memnet.QueryError)
	case ActQueryShort:
		w.net.Arm(target, memnet.QueryShortPage)
	case ActPartition:
		w.net.Partition(target)
		w.count("partition")
	case ActUnpartition:
		for _, id := range w.names {
			if w.net.Partitioned(id) {
				w.net.Unpartition(id)
				return id, "unpartition"
			}
		}
		return "net", "unpartition (none partitioned)"
	case ActStoreBusy:
		w.clients[target].fuse.busy++
	case ActLandDelayed:
		if w.net.LandDelayed() {
			w.count("delayed_landed")
			return "net", "land_delayed -> landed"
		}
		return "net", "land_delayed (none pending)"
	case ActClockTie:
		w.net.SetTick(0)
		w.count("clock_tie")
		return "net", "clock_tie"
	case ActClockJump:
		w.net.SetTick(jumpTickNs)
		w.count("clock_jump")
		return "net", "clock_jump"
	case ActGarbage:
		return "net", w.injectGarbage()
	}
	return target, "arm " + string(a)
}

// injectGarbage appends a payload no client published to a group topic:
// random bytes, a replay of a stored envelope, or a well-formed header
// around junk. memnet tags it, so the oracle rejects it without keys; every
// client must reject it too and lose nothing.
func (w *World) injectGarbage() string {
	group := w.groups[w.pick(len(w.groups))]
	topic := wire.GroupTopic(group)
	var payload []byte
	kind := w.pick(3)
	log := w.net.Log(topic)
	if kind == 1 && len(log) == 0 {
		kind = 0
	}
	switch kind {
	case 0:
		payload = make([]byte, 1+w.pick(64))
		_, _ = w.sched.Read(payload)
	case 1:
		payload = append([]byte(nil), log[w.pick(len(log))].Payload...)
		// Half the replays of a message carry a forged, higher counter: it
		// passes the counter rule, so only the message-id check stops it.
		if e, err := wire.Decode(payload); err == nil && e.Kind == wire.KindApplication && w.pick(2) == 0 {
			e.Counter += uint64(1 + w.pick(3))
			payload = e.Encode()
		}
	case 2:
		junk := make([]byte, 16)
		_, _ = w.sched.Read(junk)
		sender := w.names[w.pick(len(w.names))]
		env := wire.Envelope{Kind: wire.KindApplication, GroupID: group, Epoch: uint64(w.pick(4)), Sender: sender,
			Counter: uint64(1 + w.pick(3)), MessageID: wire.MessageID(sender, int64(1+w.pick(5))), MLS: junk}
		if env.Epoch == 0 {
			env.Creator = sender
		}
		payload = env.Encode()
	}
	seq := w.net.Inject(topic, payload)
	w.count("garbage_injected")
	return fmt.Sprintf("garbage %s kind=%s seq=%d", group, []string{"random", "replay", "forged"}[kind], seq)
}
