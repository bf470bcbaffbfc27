package sim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/wire"
)

// Query answers a query command:
//
//	state GROUP          every installation holding the group: epoch, members, cursor
//	intents ID [GROUP]   the installation's intents and their states
//	messages ID GROUP    the installation's stored messages of the group
//	topic GROUP          the group topic as the oracle judged it
//	welcome-topic ID     the welcomes on the installation's topic
func (w *World) Query(c Cmd) (string, error) {
	switch c.Name {
	case "topic":
		if err := c.need(); err != nil {
			return "", err
		}
		return w.queryTopic(c.Arg(0)), nil
	case "welcome-topic":
		if err := c.need(); err != nil {
			return "", err
		}
		var lines []string
		for _, r := range w.net.Log(wire.WelcomeTopic(c.Arg(0))) {
			wl, err := wire.DecodeWelcome(r.Payload)
			if err != nil {
				lines = append(lines, fmt.Sprintf("seq=%d malformed", r.Seq))
				continue
			}
			lines = append(lines, fmt.Sprintf("seq=%d %s epoch=%d commit_seq=%d adder=%s", r.Seq, wl.GroupID, wl.Epoch, wl.CommitSeq, wl.Adder))
		}
		return orNone(lines), nil
	case "state":
		if err := c.need(); err != nil {
			return "", err
		}
		return w.queryState(c.Arg(0)), nil
	case "intents":
		if err := c.need(); err != nil {
			return "", err
		}
		return w.withSnapshot(c.Arg(0), func(s engine.Snapshot) string {
			var lines []string
			for _, in := range s.Intents {
				if c.Arg(1) != "" && in.Group != c.Arg(1) {
					continue
				}
				lines = append(lines, in.String())
			}
			return orNone(lines)
		}), nil
	case "messages":
		if err := c.need(); err != nil {
			return "", err
		}
		return w.withSnapshot(c.Arg(0), func(s engine.Snapshot) string {
			var lines []string
			for _, m := range s.Messages {
				if m.Group == c.Arg(1) {
					lines = append(lines, m.String())
				}
			}
			return orNone(lines)
		}), nil
	}
	return "", fmt.Errorf("%s is not a query", c.Name)
}

// queryTopic lists a group topic's records with the oracle's verdicts.
func (w *World) queryTopic(group string) string {
	w.check.Oracle.Fold(observe.Log(w.net))
	g := w.check.Oracle.Group(group)
	var lines []string
	for i, r := range w.net.Log(wire.GroupTopic(group)) {
		what := "garbage"
		if e, err := wire.Decode(r.Payload); err == nil && !r.Garbage {
			what = fmt.Sprintf("%s epoch=%d from=%s", e.Kind, e.Epoch, e.Sender)
			switch {
			case e.Kind == wire.KindCommit:
				if len(e.Added) > 0 {
					what += " added=" + strings.Join(e.Added, ",")
				}
				if len(e.Removed) > 0 {
					what += " removed=" + strings.Join(e.Removed, ",")
				}
				// A commit that claims a policy change shows the policy
				// it carries.
				if g != nil {
					if p, ok := g.PolicyAt(e.Epoch); ok && !p.Equal(e.Policy) {
						what += " policy=[" + e.Policy.String() + "]"
					}
				}
			case e.Kind == wire.KindApplication:
				what += fmt.Sprintf(" id=%s counter=%d", e.MessageID, e.Counter)
			}
		}
		verdict := "?"
		if g != nil && i < len(g.Verdicts) {
			verdict = "accepted"
			if !g.Verdicts[i].Accepted {
				verdict = "rejected (" + g.Verdicts[i].Why + ")"
			}
		}
		lines = append(lines, fmt.Sprintf("seq=%d %s: %s", r.Seq, what, verdict))
	}
	return orNone(lines)
}

func orNone(lines []string) string {
	if len(lines) == 0 {
		return "(none)"
	}
	return strings.Join(lines, "\n")
}

func (w *World) withSnapshot(id string, f func(engine.Snapshot) string) string {
	c, why := w.client(id)
	if c == nil {
		return why
	}
	s, err := w.snapshot(c)
	if err != nil {
		return outcome(err)
	}
	return f(s)
}

// queryState: one line per installation holding the group, with a short
// authenticator tag so equal states read equal.
func (w *World) queryState(group string) string {
	var lines []string
	tags := map[string]string{}
	for _, id := range w.names {
		c := w.clients[id]
		if c.eng == nil {
			lines = append(lines, id+" crashed")
			continue
		}
		s, err := w.snapshot(c)
		if err != nil {
			lines = append(lines, id+" "+outcome(err))
			continue
		}
		for _, g := range s.Groups {
			if g.ID != group {
				continue
			}
			line := fmt.Sprintf("%s epoch=%d cursor=%d members=%s", id, g.Epoch, g.Cursor, strings.Join(g.Members, ","))
			switch {
			case g.RemovedAtSeq != 0:
				line = fmt.Sprintf("%s removed_at=%d cursor=%d", id, g.RemovedAtSeq, g.Cursor)
			case g.Broken != "":
				line += " broken"
			default:
				if _, ok := tags[g.Authenticator]; !ok {
					tags[g.Authenticator] = fmt.Sprintf("A%d", len(tags)+1)
				}
				line += " auth=" + tags[g.Authenticator]
			}
			lines = append(lines, line)
		}
	}
	sort.Strings(lines)
	return orNone(lines)
}
