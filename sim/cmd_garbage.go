package sim

import (
	"encoding/hex"
	"fmt"

	"github.com/mlsim/mlsim/wire"
)

// garbage GROUP random=HEX | replay=SEQ [counter+=N] | forged sender=ID
// epoch=E counter=C id=N mls=HEX: append a payload no client published
// to the group topic. memnet tags it, so the oracle rejects it without
// keys; every client must reject it too and lose nothing.
func (w *World) cmdGarbage(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	payload, err := garbagePayload(w, c)
	if err != nil {
		return result{}, err
	}
	if payload == nil {
		return result{out: "skipped: nothing to replay"}, nil
	}
	seq := w.net.Inject(wire.GroupTopic(c.Arg(0)), payload)
	w.count("garbage_injected")
	return result{out: fmt.Sprintf("seq=%d", seq)}, nil
}

func garbagePayload(w *World, c Cmd) ([]byte, error) {
	group := c.Arg(0)
	if v, ok := c.Opt("random"); ok {
		b, err := hex.DecodeString(v)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("garbage: random must be non-empty hex")
		}
		return b, nil
	}
	if _, ok := c.Opt("replay"); ok {
		seq, err := c.IntOpt("replay", 0)
		if err != nil || seq < 1 {
			return nil, fmt.Errorf("garbage: replay must be a sequence id >= 1")
		}
		bump, err := c.IntOpt("counter+", 0)
		if err != nil || bump < 0 {
			return nil, fmt.Errorf("garbage: counter+ must be a number >= 0")
		}
		log := w.net.Log(wire.GroupTopic(group))
		if seq > len(log) {
			return nil, nil
		}
		payload := append([]byte(nil), log[seq-1].Payload...)
		if e, err := wire.Decode(payload); bump > 0 && err == nil && e.Kind == wire.KindApplication {
			e.Counter += uint64(bump)
			payload = e.Encode()
		}
		return payload, nil
	}
	if c.Arg(1) == "forged" {
		sender, _ := c.Opt("sender")
		epoch, err1 := c.IntOpt("epoch", 0)
		counter, err2 := c.IntOpt("counter", 1)
		id, err3 := c.IntOpt("id", 1)
		mlsHex, _ := c.Opt("mls")
		mls, err4 := hex.DecodeString(mlsHex)
		if sender == "" || err1 != nil || err2 != nil || err3 != nil || err4 != nil || epoch < 0 || counter < 1 {
			return nil, fmt.Errorf("garbage forged: want sender=ID epoch=E counter=C id=N mls=HEX")
		}
		e := wire.Envelope{Kind: wire.KindApplication, GroupID: group, Epoch: uint64(epoch), Sender: sender,
			Counter: uint64(counter), MessageID: wire.MessageID(sender, int64(id)), MLS: mls}
		if epoch == 0 {
			e.Creator = sender
		}
		return e.Encode(), nil
	}
	return nil, fmt.Errorf("garbage: want random=HEX, replay=SEQ or forged")
}
