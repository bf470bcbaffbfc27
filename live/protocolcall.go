package live

import (
	"context"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/status"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intentclient"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// protocol carries one of a client's operations out through the
// intent-client protocol and reads the answer back as a Reply: an intent
// id is one the client recorded durably (it answers after the commit),
// a network failure is Failed.
func (c *child) protocol(cmd Command, timeout time.Duration) (Reply, error) {
	if c.rpc == nil {
		return Reply{}, errChildGone
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if cmd.Op == OpUpkeep {
		return c.upkeep(ctx, cmd)
	}
	r, err := c.operation(ctx, cmd)
	if ctx.Err() != nil {
		return Reply{}, fmt.Errorf("%s did not answer %s within %s", c.name, cmd.Op, timeout)
	}
	if !c.alive() {
		return Reply{}, errChildGone
	}
	return r, err
}

// operation makes the call an op names; a failed call's partial response
// (its status detail) still gives the intent it recorded.
func (c *child) operation(ctx context.Context, cmd Command) (Reply, error) {
	in, g := cmd.Inst, &pb.GroupRequest{Installation: cmd.Inst, Group: cmd.Group}
	var resp interface{ GetAck() *pb.Ack }
	var err error
	intent := func(r *pb.IntentResponse, e error) { resp, err = r, e }
	ack := func(r *pb.AckResponse, e error) { resp, err = r, e }
	switch cmd.Op {
	case OpOpen:
		resp, err = c.rpc.Open(ctx, &pb.OpenRequest{Installation: in, ServerAddress: cmd.Server, StorePath: cmd.Store,
			Options: c.options})
	case OpCreate:
		ack(c.rpc.CreateGroup(ctx, g))
	case OpSend:
		intent(c.rpc.Send(ctx, &pb.SendRequest{Installation: in, Group: cmd.Group, Body: []byte(cmd.Text)}))
	case OpAdd:
		intent(c.rpc.AddMembers(ctx, &pb.MembersRequest{Installation: in, Group: cmd.Group, Accounts: cmd.Accounts}))
	case OpRemove:
		intent(c.rpc.RemoveMembers(ctx, &pb.MembersRequest{Installation: in, Group: cmd.Group, Accounts: cmd.Accounts}))
	case OpKeyUpdate:
		intent(c.rpc.KeyUpdate(ctx, g))
	case OpUpdateAdmins:
		intent(c.rpc.UpdateAdmins(ctx, &pb.UpdateAdminsRequest{Installation: in, Group: cmd.Group, Add: cmd.Accounts, Remove: cmd.Others}))
	case OpUpdatePolicy:
		req := &pb.UpdatePolicyRequest{Installation: in, Group: cmd.Group}
		for _, l := range cmd.Levels {
			action, level, _ := strings.Cut(l, "=")
			req.Levels = append(req.Levels, &pb.PolicyLevel{Action: action, Level: level})
		}
		intent(c.rpc.UpdatePolicy(ctx, req))
	case OpForge:
		resp, err = c.rpc.ForgeCommit(ctx, &pb.ForgeCommitRequest{Installation: in, Group: cmd.Group, What: cmd.What})
	case OpSubscribe:
		ack(c.rpc.Subscribe(ctx, g))
	case OpStreamStep:
		return c.streamStep(ctx, g)
	case OpPublish:
		resp, err = c.rpc.PublishNext(ctx, g)
	case OpPublishAll:
		resp, err = c.rpc.PublishAll(ctx, g)
	case OpSync:
		ack(c.rpc.Sync(ctx, g))
	case OpProcessWelcomes:
		resp, err = c.rpc.ProcessWelcomes(ctx, &pb.InstallationRequest{Installation: in})
	case OpSendWelcomes:
		resp, err = c.rpc.SendWelcomes(ctx, &pb.InstallationRequest{Installation: in})
	case OpKeyPackages:
		resp, err = c.rpc.EnsureKeyPackages(ctx, &pb.InstallationRequest{Installation: in})
	default:
		return Reply{Err: fmt.Sprintf("unknown op %q", cmd.Op)}, nil
	}
	return reply(resp, err), nil
}

// reply reads an answer: the response, or the failure with the response
// its status carries.
func reply(resp interface{ GetAck() *pb.Ack }, err error) Reply {
	r := Reply{OK: err == nil}
	if err != nil {
		r.Err = err.Error()
		r.Failed = intentclient.ReasonOf(err) == intentclient.ReasonNetwork
		if st, ok := status.FromError(err); ok {
			r.Err = st.Message()
			for _, d := range st.Details() {
				if partial, ok := d.(interface{ GetAck() *pb.Ack }); ok {
					resp = partial
				}
			}
		}
	}
	if ir, ok := resp.(*pb.IntentResponse); ok {
		r.Intent = ir.GetIntent()
	}
	if resp != nil {
		for _, e := range resp.GetAck().GetEvents() {
			r.Events = append(r.Events, e.GetKind())
		}
	}
	return r
}

// streamStep takes one delivery of the group's subscription, subscribing
// first when the application has not (a restarted client has no
// subscriptions); what it did is reported as a stream_* event.
func (c *child) streamStep(ctx context.Context, g *pb.GroupRequest) (Reply, error) {
	resp, err := c.rpc.StreamStep(ctx, g)
	var events []string
	if intentclient.ReasonOf(err) == intentclient.ReasonNotSubscribed {
		if _, err := c.rpc.Subscribe(ctx, g); err != nil {
			return reply(nil, err), nil
		}
		events = append(events, "stream_subscribed")
		resp, err = c.rpc.StreamStep(ctx, g)
	}
	r := reply(resp, err)
	if res, perr := intentclient.ParseStreamResult(resp.GetResult()); err == nil && perr == nil {
		if res.Resubscribed {
			events = append(events, "stream_resubscribed")
		}
		if name := streamEvents[res.Action]; name != "" {
			events = append(events, name)
		}
	}
	r.Events = append(events, r.Events...)
	return r, nil
}

// upkeep runs one installation's upkeep, or each of Insts' in turn: OK
// unless a step failed otherwise than by the network (or a revocation);
// Changed when any reported an event or joined a group.
func (c *child) upkeep(ctx context.Context, cmd Command) (Reply, error) {
	insts := cmd.Insts
	if cmd.Inst != "" {
		insts = []string{cmd.Inst}
	}
	r := Reply{OK: true}
	var errs []string
	for _, in := range insts {
		resp, err := c.rpc.Upkeep(ctx, &pb.InstallationRequest{Installation: in})
		if ctx.Err() != nil {
			return Reply{}, fmt.Errorf("%s did not answer upkeep within its deadline", c.name)
		}
		if err != nil {
			one := reply(nil, err)
			r.Failed = r.Failed || one.Failed
			if !one.Failed {
				errs = append(errs, in+": "+one.Err)
			}
			continue
		}
		for _, f := range resp.GetFailures() {
			switch intentclient.ReasonOf(intentclient.ParseUpkeepFailure(f).Err) {
			case intentclient.ReasonNetwork:
				r.Failed = true
			case intentclient.ReasonRevoked: // the directory's own doing: no failure of the client's
			default:
				errs = append(errs, in+": "+f)
			}
		}
		for _, e := range resp.GetAck().GetEvents() {
			r.Events = append(r.Events, e.GetKind())
		}
		r.Changed = r.Changed || len(resp.GetJoined()) > 0
	}
	r.Changed = r.Changed || len(r.Events) > 0
	if len(errs) > 0 {
		r.OK, r.Err = false, strings.Join(errs, "; ")
	}
	return r, nil
}

// dialProtocol connects the harness to a client process's protocol.
func (c *child) dialProtocol(addr string, options *pb.ClientOptions, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	d, err := intentclient.Dial(ctx, addr, timeout)
	if err != nil {
		return err
	}
	c.driver, c.rpc, c.options = d, d.RPC(), options
	return nil
}

// streamEvents names the event each stream action is reported as (the
// simulator's names).
var streamEvents = map[engine.StreamAction]string{
	engine.StreamProcessed: "stream_processed",
	engine.StreamSkipped:   "stream_skipped",
	engine.StreamGap:       "stream_gap",
	engine.StreamEnded:     "stream_ended",
}
