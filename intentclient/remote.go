package intentclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/faultwrap"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"github.com/mlsim/mlsim/wire"
)

// Remote is one installation of a client under test, driven through the
// protocol. Its methods read like the engine's (same results, errors that
// unwrap to the engine's sentinels), so a harness written against our
// engine drives any client. After every call it waits for the
// installation's Observe stream to reach the call's Ack and adds those
// records to Records: when a call returns, the checker can see all it did.
type Remote struct {
	d  *Driver
	id string
	// Records are the installation's observations, for the checker.
	Records *checker.Records
	// PanicOnCrash makes a call the client answers "crashed" panic with
	// faultwrap.Crash, as our engine does in process (crashPanic).
	PanicOnCrash bool

	events []engine.Event // the last call's
	subs   []string

	mu       sync.Mutex
	buffered []checker.Observation // read from the stream, not yet added
	streamed uint64                // the last seq read from the stream
	grew     chan struct{}
	broke    error // why the stream ended
	cancel   context.CancelFunc
}

// Open opens (creates or re-opens) an installation on the client and
// follows its Observe stream.
func (d *Driver) Open(id, serverAddr, storePath string, opts *pb.ClientOptions) (*Remote, bool, error) {
	resp, ack, err := do(d, func(ctx context.Context) (*pb.OpenResponse, error) {
		return d.rpc.Open(ctx, &pb.OpenRequest{Installation: id, ServerAddress: serverAddr, StorePath: storePath, Options: opts})
	})
	if ack == nil {
		return nil, false, err
	}
	r := &Remote{d: d, id: id, Records: checker.NewRecords(), grew: make(chan struct{})}
	r.follow()
	if serr := r.settle(ack); serr != nil {
		r.Close()
		return nil, false, serr
	}
	return r, resp.GetCreated(), err
}

// follow reads the Observe stream in the background until Close.
func (r *Remote) follow() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	stream, err := r.d.rpc.Observe(ctx, &pb.ObserveRequest{Installation: r.id, AfterSeq: r.streamed})
	if err != nil {
		r.fail(fmt.Errorf("observe %s: %w", r.id, callError(err)))
		return
	}
	go func() {
		for {
			o, err := stream.Recv()
			if err != nil {
				if errors.Is(err, io.EOF) || ctx.Err() != nil {
					err = fmt.Errorf("observe %s: the stream ended", r.id)
				} else {
					err = fmt.Errorf("observe %s: %w", r.id, callError(err))
				}
				r.fail(err)
				return
			}
			obs, cerr := ObservationFromProto(o)
			r.mu.Lock()
			switch {
			case cerr != nil:
				r.broke = fmt.Errorf("observe %s: record %d: %w", r.id, o.GetSeq(), cerr)
			case o.GetSeq() != r.streamed+1:
				r.broke = fmt.Errorf("observe %s: record %d after %d: records must be numbered 1, 2, 3, … without gaps",
					r.id, o.GetSeq(), r.streamed)
			default:
				r.buffered = append(r.buffered, obs)
				r.streamed = o.GetSeq()
			}
			close(r.grew)
			r.grew = make(chan struct{})
			broke := r.broke != nil
			r.mu.Unlock()
			if broke {
				cancel()
				return
			}
		}
	}()
}

func (r *Remote) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broke == nil {
		r.broke = err
	}
	close(r.grew)
	r.grew = make(chan struct{})
}

// settle waits until the stream has delivered every record up to the
// Ack's observed_through, adds them to Records and keeps the call's
// events.
func (r *Remote) settle(ack *pb.Ack) error {
	r.events = r.events[:0]
	for _, e := range ack.GetEvents() {
		r.events = append(r.events, engine.Event{Kind: engine.EventKind(e.GetKind()), Group: e.GetGroup(), Seq: e.GetSeq(),
			Intent: e.GetIntent(), Epoch: e.GetEpoch(), Detail: e.GetDetail()})
	}
	want := ack.GetObservedThrough()
	deadline := time.NewTimer(r.d.timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		have, grew, broke := r.streamed, r.grew, r.broke
		var take []checker.Observation
		if have >= want {
			take, r.buffered = r.buffered, nil
		}
		r.mu.Unlock()
		if have >= want {
			if err := r.Records.Add(take...); err != nil {
				return fmt.Errorf("observe %s: %w", r.id, err)
			}
			return nil
		}
		if broke != nil {
			return broke
		}
		select {
		case <-grew:
		case <-deadline.C:
			return fmt.Errorf("%w: observe %s: record %d announced, %d received after %s", ErrHung, r.id, want, have, r.d.timeout)
		}
	}
}

// Events are the client's diagnostics for the last call.
func (r *Remote) Events() []engine.Event { return r.events }

// Close stops following the stream.
func (r *Remote) Close() {
	if r.cancel != nil {
		r.cancel()
	}
}

// ackOf is implemented by every response carrying an Ack.
type ackOf interface{ GetAck() *pb.Ack }

// call makes one call of this installation: it settles the records the
// call announced, on success or failure, and returns the call's error
// (or the records' failure, which is the worse news).
func call[R ackOf](r *Remote, f func(ctx context.Context) (R, error)) (R, error) {
	resp, err := callQuiet(r, f)
	r.crashPanic(err)
	return resp, err
}

// callQuiet is call without crashPanic, for a caller that keeps what the
// call did before it panics.
func callQuiet[R ackOf](r *Remote, f func(ctx context.Context) (R, error)) (R, error) {
	resp, ack, err := do(r.d, f)
	if ack != nil {
		if serr := r.settle(ack); serr != nil {
			return resp, serr
		}
	} else {
		r.events = r.events[:0]
	}
	return resp, err
}

// crashPanic raises a fault hook's crash as our engine's fuse raises it,
// a faultwrap.Crash panic, when the driver asked for that
// (PanicOnCrash): the simulator then treats a remote crash exactly as it
// treats one of its own engine's, dropping whatever the interrupted call
// would have returned.
func (r *Remote) crashPanic(err error) {
	var ce *CallError
	if r.PanicOnCrash && errors.As(err, &ce) && ce.Reason == ReasonCrashed {
		panic(faultwrap.Crash{Point: ce.Detail})
	}
}

func (r *Remote) group(g string) *pb.GroupRequest {
	return &pb.GroupRequest{Installation: r.id, Group: g}
}
func (r *Remote) self() *pb.InstallationRequest { return &pb.InstallationRequest{Installation: r.id} }

// ArmCrash, StoreBusy and Withhold are the fault hooks (feature
// "fault-hooks").
func (r *Remote) ArmCrash(kind string, at int) error {
	_, err := call(r, func(ctx context.Context) (*pb.AckResponse, error) {
		return r.d.rpc.ArmCrash(ctx, &pb.ArmCrashRequest{Installation: r.id, Kind: kind, At: uint32(max(at, 0))})
	})
	return err
}

func (r *Remote) StoreBusy() error {
	_, err := call(r, func(ctx context.Context) (*pb.AckResponse, error) { return r.d.rpc.StoreBusy(ctx, r.self()) })
	return err
}

func (r *Remote) Withhold() error {
	_, err := call(r, func(ctx context.Context) (*pb.AckResponse, error) { return r.d.rpc.Withhold(ctx, r.self()) })
	return err
}

// Restart re-opens the installation from its durable state.
func (r *Remote) Restart() error {
	r.subs = nil
	_, err := call(r, func(ctx context.Context) (*pb.AckResponse, error) { return r.d.rpc.Restart(ctx, r.self()) })
	return err
}

func (r *Remote) CreateGroup(g string) error {
	_, err := call(r, func(ctx context.Context) (*pb.AckResponse, error) { return r.d.rpc.CreateGroup(ctx, r.group(g)) })
	return err
}

func (r *Remote) intent(f func(ctx context.Context) (*pb.IntentResponse, error)) (int64, error) {
	resp, err := call(r, f)
	return resp.GetIntent(), err
}

func (r *Remote) Send(g string, body []byte) (int64, error) {
	return r.intent(func(ctx context.Context) (*pb.IntentResponse, error) {
		return r.d.rpc.Send(ctx, &pb.SendRequest{Installation: r.id, Group: g, Body: body})
	})
}

func (r *Remote) AddMembers(g string, accounts ...string) (int64, error) {
	return r.intent(func(ctx context.Context) (*pb.IntentResponse, error) {
		return r.d.rpc.AddMembers(ctx, &pb.MembersRequest{Installation: r.id, Group: g, Accounts: accounts})
	})
}

func (r *Remote) RemoveMembers(g string, accounts ...string) (int64, error) {
	return r.intent(func(ctx context.Context) (*pb.IntentResponse, error) {
		return r.d.rpc.RemoveMembers(ctx, &pb.MembersRequest{Installation: r.id, Group: g, Accounts: accounts})
	})
}

func (r *Remote) KeyUpdate(g string) (int64, error) {
	return r.intent(func(ctx context.Context) (*pb.IntentResponse, error) { return r.d.rpc.KeyUpdate(ctx, r.group(g)) })
}

func (r *Remote) UpdateInstallations(g string) (int64, error) {
	return r.intent(func(ctx context.Context) (*pb.IntentResponse, error) {
		return r.d.rpc.UpdateInstallations(ctx, r.group(g))
	})
}

func (r *Remote) UpdateAdmins(g string, add, remove []string) (int64, error) {
	return r.intent(func(ctx context.Context) (*pb.IntentResponse, error) {
		return r.d.rpc.UpdateAdmins(ctx, &pb.UpdateAdminsRequest{Installation: r.id, Group: g, Add: add, Remove: remove})
	})
}

func (r *Remote) UpdatePolicy(g string, levels map[string]wire.Level) (int64, error) {
	req := &pb.UpdatePolicyRequest{Installation: r.id, Group: g}
	for _, name := range wire.LevelNames { // a fixed order, not the map's
		if l, ok := levels[name]; ok {
			req.Levels = append(req.Levels, &pb.PolicyLevel{Action: name, Level: l.String()})
		}
	}
	return r.intent(func(ctx context.Context) (*pb.IntentResponse, error) { return r.d.rpc.UpdatePolicy(ctx, req) })
}

func (r *Remote) ForgeCommit(g, what string) (string, error) {
	resp, err := call(r, func(ctx context.Context) (*pb.ForgeCommitResponse, error) {
		return r.d.rpc.ForgeCommit(ctx, &pb.ForgeCommitRequest{Installation: r.id, Group: g, What: what})
	})
	return resp.GetDetail(), err
}

func (r *Remote) SetConsent(g string, c engine.Consent) error {
	_, err := call(r, func(ctx context.Context) (*pb.AckResponse, error) {
		return r.d.rpc.SetConsent(ctx, &pb.SetConsentRequest{Installation: r.id, Group: g, Consent: pb.Consent(c)})
	})
	return err
}

var publishActionNames = map[pb.PublishAction]engine.PublishAction{}

func init() {
	for a, p := range publishActions {
		publishActionNames[p] = a
	}
}

func fromPublishResult(p *pb.PublishResult) engine.PublishResult {
	a, ok := publishActionNames[p.GetAction()]
	switch {
	case p.GetAction() == pb.PublishAction_PUBLISH_ACTION_UNSPECIFIED:
		a = "" // a failed call that said nothing of what it did (a crash, a client that tells nothing)
	case !ok:
		a = engine.PublishAction(strings.ToLower(strings.TrimPrefix(p.GetAction().String(), "PUBLISH_ACTION_")))
	}
	return engine.PublishResult{Action: a, Intent: p.GetIntent(), Skipped: p.GetSkipped()}
}

func (r *Remote) PublishNext(g string) (engine.PublishResult, error) {
	resp, err := call(r, func(ctx context.Context) (*pb.PublishResponse, error) { return r.d.rpc.PublishNext(ctx, r.group(g)) })
	if resp == nil {
		return engine.PublishResult{Action: engine.PublishedNone}, err
	}
	return fromPublishResult(resp.GetResult()), err
}

func (r *Remote) PublishAll(g string) ([]engine.PublishResult, error) {
	resp, err := call(r, func(ctx context.Context) (*pb.PublishAllResponse, error) { return r.d.rpc.PublishAll(ctx, r.group(g)) })
	var out []engine.PublishResult
	for _, p := range resp.GetResults() {
		out = append(out, fromPublishResult(p))
	}
	return out, err
}

func (r *Remote) Sync(g string) error {
	_, err := call(r, func(ctx context.Context) (*pb.AckResponse, error) { return r.d.rpc.Sync(ctx, r.group(g)) })
	return err
}

// Batch is a sync batch open on the client.
type Batch struct {
	r   *Remote
	id  uint64
	len int
}

func (b *Batch) Len() int { return b.len }

// Step processes the batch's next envelope.
func (b *Batch) Step() (bool, error) {
	resp, err := call(b.r, func(ctx context.Context) (*pb.SyncStepResponse, error) {
		return b.r.d.rpc.SyncStep(ctx, &pb.SyncStepRequest{Installation: b.r.id, Batch: b.id})
	})
	return resp.GetDone(), err
}

func (r *Remote) BeginSync(g string, limit int) (*Batch, error) {
	resp, err := call(r, func(ctx context.Context) (*pb.SyncBeginResponse, error) {
		return r.d.rpc.SyncBegin(ctx, &pb.SyncBeginRequest{Installation: r.id, Group: g, Limit: uint32(max(limit, 0))})
	})
	if err != nil {
		return nil, err
	}
	return &Batch{r: r, id: resp.GetBatch(), len: int(resp.GetEnvelopes())}, nil
}

func (r *Remote) ProcessWelcomes() ([]string, error) {
	resp, err := call(r, func(ctx context.Context) (*pb.ProcessWelcomesResponse, error) {
		return r.d.rpc.ProcessWelcomes(ctx, r.self())
	})
	return resp.GetJoined(), err
}

func (r *Remote) SendWelcomes() (int, error) {
	resp, err := call(r, func(ctx context.Context) (*pb.SendWelcomesResponse, error) {
		return r.d.rpc.SendWelcomes(ctx, r.self())
	})
	return int(resp.GetSent()), err
}

func (r *Remote) EnsureKeyPackages() (int, error) {
	resp, err := call(r, func(ctx context.Context) (*pb.EnsureKeyPackagesResponse, error) {
		return r.d.rpc.EnsureKeyPackages(ctx, r.self())
	})
	return int(resp.GetUploaded()), err
}

// Subscribe asks the client to subscribe. The group counts as subscribed
// (Subscriptions) when the client said yes, or when only the network
// failed: the application asked, and the next StreamStep opens it again
// (SPEC's streams; our engine keeps such a group subscribed in intent).
func (r *Remote) Subscribe(g string) error {
	_, err := call(r, func(ctx context.Context) (*pb.AckResponse, error) { return r.d.rpc.Subscribe(ctx, r.group(g)) })
	var ce *CallError
	if err == nil || (errors.As(err, &ce) && ce.Reason == ReasonNetwork) {
		r.subs = appendNew(r.subs, g)
		slices.Sort(r.subs)
	}
	return err
}

// Subscriptions are the groups subscribed to since the last restart, in
// id order: what the driver asked and the client did not refuse (the
// client does not say what it holds in memory).
func (r *Remote) Subscriptions() []string { return r.subs }

func (r *Remote) StreamStep(g string) (engine.StreamResult, error) {
	resp, err := call(r, func(ctx context.Context) (*pb.StreamStepResponse, error) { return r.d.rpc.StreamStep(ctx, r.group(g)) })
	if resp == nil {
		return engine.StreamResult{}, err
	}
	res, perr := ParseStreamResult(resp.GetResult())
	if perr != nil && err == nil {
		err = perr
	}
	if res.Action == engine.StreamNone && resp.GetSeq() != 0 {
		// Taken, and its processing failed: the text says none.
		res.Seq, res.Cursor = resp.GetSeq(), resp.GetCursor()
	}
	if res.Action == engine.StreamEnded {
		r.subs = removeAll(r.subs, g)
	}
	return res, err
}

// Upkeep runs one round of the client's own work. The report's steps are
// the ones that failed ("STEP: REASON: detail", read back as the
// engine's errors), and, when it joined groups, the welcome step that
// joined them — after the key packages' step, where our engine runs it.
func (r *Remote) Upkeep() (engine.UpkeepReport, error) {
	var rep engine.UpkeepReport
	err := r.UpkeepInto(&rep)
	return rep, err
}

// UpkeepInto is Upkeep filling rep as it goes: when the round crashed
// (PanicOnCrash), rep holds the steps that ran before the crash.
func (r *Remote) UpkeepInto(rep *engine.UpkeepReport) error {
	resp, err := callQuiet(r, func(ctx context.Context) (*pb.UpkeepResponse, error) { return r.d.rpc.Upkeep(ctx, r.self()) })
	defer r.crashPanic(err)
	*rep = engine.UpkeepReport{Joined: resp.GetJoined()}
	welcomes := false
	for _, f := range resp.GetFailures() {
		st := ParseUpkeepFailure(f)
		welcomes = welcomes || st.Name == engine.UpkeepProcessWelcomes
		rep.Steps = append(rep.Steps, st)
	}
	if len(rep.Joined) > 0 && !welcomes {
		at := 0
		for at < len(rep.Steps) && rep.Steps[at].Name == engine.UpkeepKeyPackages {
			at++
		}
		rep.Steps = append(rep.Steps[:at], append([]engine.UpkeepStep{{Name: engine.UpkeepProcessWelcomes}}, rep.Steps[at:]...)...)
	}
	return err
}

// ParseUpkeepFailure reads one of Upkeep's failures, "STEP[ GROUP]:
// REASON: detail", as the step and its error (a CallError: ReasonOf and
// errors.Is read it).
func ParseUpkeepFailure(f string) engine.UpkeepStep {
	step, why, _ := strings.Cut(f, ": ")
	name, group, _ := strings.Cut(step, " ")
	err := error(&CallError{Reason: ReasonInternal, Detail: why})
	if word, detail, ok := strings.Cut(why, ": "); ok {
		if code, known := reasonCodes[Reason(word)]; known {
			err = &CallError{Code: code, Reason: Reason(word), Detail: detail}
		}
	}
	return engine.UpkeepStep{Name: name, Group: group, Err: err}
}

// ParseStreamResult reads StreamStep's result, as engine.StreamResult's
// String writes it.
func ParseStreamResult(s string) (engine.StreamResult, error) {
	var r engine.StreamResult
	rest, resub := strings.CutPrefix(s, "resubscribed ")
	r.Resubscribed = resub
	if rest == "none" {
		return r, nil
	}
	f := strings.Fields(rest)
	bad := fmt.Errorf("stream result %q: want none, seq=N processed|ended, seq=N skipped|gap cursor=M", s)
	if len(f) < 2 || !strings.HasPrefix(f[0], "seq=") {
		return r, bad
	}
	seq, err := strconv.ParseUint(strings.TrimPrefix(f[0], "seq="), 10, 64)
	if err != nil {
		return r, bad
	}
	r.Seq = seq
	switch {
	case f[1] == "processed" && len(f) == 2:
		r.Action = engine.StreamProcessed
	case f[1] == "ended" && len(f) == 2:
		r.Action = engine.StreamEnded
	case (f[1] == "skipped" || f[1] == "gap") && len(f) == 3 && strings.HasPrefix(f[2], "cursor="):
		if r.Cursor, err = strconv.ParseUint(strings.TrimPrefix(f[2], "cursor="), 10, 64); err != nil {
			return r, bad
		}
		r.Action = engine.StreamSkipped
		if f[1] == "gap" {
			r.Action = engine.StreamGap
		}
	default:
		return r, bad
	}
	return r, nil
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func removeAll(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
