package conform

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/intentclient"
	"github.com/mlsim/mlsim/sim"
	"github.com/mlsim/mlsim/wire"
)

// remoteClient is one installation of the client under test as the world
// sees it: the protocol's calls (intentclient.Remote), and what the
// schedule and the queries read — groups, members, policy, open intents,
// the snapshot — taken from its observation records, never asked of the
// client (a client's word about itself is what the checker judges).
type remoteClient struct {
	*intentclient.Remote
	id  string
	hub *streamHub // its subscriptions at its endpoint
}

var _ sim.RemoteClient = (*remoteClient)(nil)

func (c *remoteClient) Records() *checker.Records { return c.Remote.Records }

func (c *remoteClient) BeginSync(group string, limit int) (sim.SyncBatch, error) {
	b, err := c.Remote.BeginSync(group, limit)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func (c *remoteClient) UpkeepInto(r *engine.UpkeepReport) {
	if err := c.Remote.UpkeepInto(r); err != nil {
		r.Steps = append(r.Steps, engine.UpkeepStep{Name: "upkeep", Err: err})
	}
}

func (c *remoteClient) state() (checker.ClientState, error) { return c.Remote.Records.State(c.id) }

func (c *remoteClient) Groups() ([]string, error) {
	st, err := c.state()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range st.Groups {
		out = append(out, g.Group)
	}
	return out, nil
}

func (c *remoteClient) Members(group string) ([]string, error) {
	st, err := c.state()
	if err != nil {
		return nil, err
	}
	g, ok := st.Group(group)
	if !ok {
		return nil, fmt.Errorf("%w: %s", engine.ErrUnknownGroup, group)
	}
	return g.Members, nil
}

func (c *remoteClient) Policy(group string) (wire.Policy, error) {
	st, err := c.state()
	if err != nil {
		return wire.Policy{}, err
	}
	g, ok := st.Group(group)
	if !ok {
		return wire.Policy{}, fmt.Errorf("%w: %s", engine.ErrUnknownGroup, group)
	}
	return parsePolicy(g.Policy)
}

func (c *remoteClient) OpenIntents() (int, error) {
	st, err := c.state()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, in := range st.Intents {
		if in.State == checker.StateToSend || in.State == checker.StatePublished {
			n++
		}
	}
	return n, nil
}

// Snapshot is the engine's snapshot rebuilt from the records, so that a
// script's state, intents and messages queries print a remote client as
// they print ours.
func (c *remoteClient) Snapshot() (engine.Snapshot, error) {
	st, err := c.state()
	if err != nil {
		return engine.Snapshot{}, err
	}
	s := engine.Snapshot{Installation: c.id}
	for _, g := range st.Groups {
		s.Groups = append(s.Groups, engine.GroupSnapshot{ID: g.Group, Consent: engine.Consent(g.Consent), Epoch: g.Epoch,
			JoinedEpoch: g.JoinedEpoch, RemovedAtSeq: g.RemovedAtSeq, Broken: g.Broken, Members: g.Members,
			Authenticator: g.Authenticator, Cursor: g.Cursor})
	}
	for _, in := range st.Intents {
		s.Intents = append(s.Intents, engine.IntentSnapshot{ID: in.ID, Group: in.Group, Kind: intent.Kind(in.Kind),
			State: intent.State(in.State), Reason: intent.Reason(in.Reason), Attempts: len(in.Hashes), Hashes: in.Hashes})
	}
	for _, m := range c.Remote.Records.Messages() {
		s.Messages = append(s.Messages, engine.MessageSnapshot{Group: m.Group, ID: m.ID, Kind: engine.MessageKind(m.Kind),
			Sender: m.Sender, Seq: m.Seq, Epoch: m.Epoch, Body: string(m.Body)})
	}
	sort.SliceStable(s.Messages, func(i, j int) bool {
		a, b := s.Messages[i], s.Messages[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Seq != b.Seq {
			return a.Seq < b.Seq
		}
		return a.ID < b.ID
	})
	return s, nil
}

// parsePolicy reads a policy's one-line text (wire.Policy.String), as a
// PolicyHeld record carries it.
func parsePolicy(line string) (wire.Policy, error) {
	var p wire.Policy
	if line == "" {
		return p, fmt.Errorf("no policy held")
	}
	list := false // the first admins= is the admin list, the second its level
	for _, field := range strings.Fields(line) {
		key, val, ok := strings.Cut(field, "=")
		if !ok {
			return p, fmt.Errorf("policy %q: field %q is not KEY=VALUE", line, field)
		}
		switch {
		case key == "super":
			p.SuperAdmin = val
		case key == "admins" && !list:
			list = true
			if val != "" {
				p.Admins = strings.Split(val, ",")
			}
		default:
			l, ok := wire.ParseLevel(val)
			if !ok || !p.SetLevel(key, l) {
				return p, fmt.Errorf("policy %q: field %q", line, field)
			}
		}
	}
	return p, p.Check()
}
