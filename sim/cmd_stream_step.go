package sim

import "github.com/mlsim/mlsim/engine"

// stream-step ID GROUP: the installation takes the next delivery of its
// subscription to the group and processes it through the cursor check
// (engine.Client.StreamStep): processed, skipped (at or below the
// cursor), a gap (a pull fills it), or none pending. What it did is
// counted as a stream_* event.
func (w *World) cmdStreamStep(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		r, err := cl.eng.StreamStep(c.Arg(1))
		if r.Resubscribed {
			w.count("stream_resubscribed")
		}
		if name := streamEvents[r.Action]; name != "" {
			w.count(name)
		}
		switch {
		case r.Seq != 0 || r.Resubscribed:
			return r.String(), err
		case err != nil:
			return "", err
		}
		return "none", nil
	}), nil
}

// streamEvents names the event each stream action is counted as.
var streamEvents = map[engine.StreamAction]string{
	engine.StreamProcessed: "stream_processed",
	engine.StreamSkipped:   "stream_skipped",
	engine.StreamGap:       "stream_gap",
	engine.StreamEnded:     "stream_ended",
}
