package intentclient

import (
	"context"

	"fmt"

	"google.golang.org/grpc/status"

	"github.com/mlsim/mlsim/engine"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// What the client does with the network: publish, sync, welcomes, key
// packages, streams, upkeep.

var publishActions = map[engine.PublishAction]pb.PublishAction{
	engine.PublishedNone: pb.PublishAction_PUBLISH_ACTION_NONE, engine.PublishedWaiting: pb.PublishAction_PUBLISH_ACTION_WAITING,
	engine.PublishedSent: pb.PublishAction_PUBLISH_ACTION_SENT, engine.PublishedResent: pb.PublishAction_PUBLISH_ACTION_RESENT,
	engine.PublishedNoop: pb.PublishAction_PUBLISH_ACTION_NOOP, engine.PublishedFailed: pb.PublishAction_PUBLISH_ACTION_FAILED,
}

func publishResult(r engine.PublishResult) *pb.PublishResult {
	return &pb.PublishResult{Action: publishActions[r.Action], Intent: r.Intent, Skipped: r.Skipped}
}

func (s *Server) PublishNext(_ context.Context, req *pb.GroupRequest) (*pb.PublishResponse, error) {
	var res engine.PublishResult
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error {
		var err error
		res, err = e.PublishNext(req.GetGroup())
		return err
	})
	return reply(&pb.PublishResponse{Ack: ack, Result: publishResult(res)}, err)
}

func (s *Server) PublishAll(_ context.Context, req *pb.GroupRequest) (*pb.PublishAllResponse, error) {
	var res []engine.PublishResult
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error {
		var err error
		res, err = e.PublishAll(req.GetGroup())
		return err
	})
	out := &pb.PublishAllResponse{Ack: ack}
	for _, r := range res {
		out.Results = append(out.Results, publishResult(r))
	}
	return reply(out, err)
}

func (s *Server) Sync(_ context.Context, req *pb.GroupRequest) (*pb.AckResponse, error) {
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error { return e.Sync(req.GetGroup()) })
	return reply(&pb.AckResponse{Ack: ack}, err)
}

func (s *Server) SyncBegin(_ context.Context, req *pb.SyncBeginRequest) (*pb.SyncBeginResponse, error) {
	out := &pb.SyncBeginResponse{}
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error {
		b, err := e.BeginSync(req.GetGroup(), int(req.GetLimit()))
		if err != nil {
			return err
		}
		in := s.insts[req.GetInstallation()]
		in.batchN++
		in.batches[in.batchN] = b
		out.Batch, out.Envelopes = in.batchN, uint32(b.Len())
		return nil
	})
	out.Ack = ack
	return reply(out, err)
}

func (s *Server) SyncStep(_ context.Context, req *pb.SyncStepRequest) (*pb.SyncStepResponse, error) {
	out := &pb.SyncStepResponse{}
	ack, err := s.call(req.GetInstallation(), func(*engine.Client) error {
		in := s.insts[req.GetInstallation()]
		b := in.batches[req.GetBatch()]
		if b == nil {
			return Failure(ReasonInvalid, fmt.Sprintf("no batch %d open (a restart forgets them)", req.GetBatch()))
		}
		done, err := b.Step()
		if done || err != nil {
			delete(in.batches, req.GetBatch())
		}
		out.Done = done
		return err
	})
	out.Ack = ack
	return reply(out, err)
}

func (s *Server) ProcessWelcomes(_ context.Context, req *pb.InstallationRequest) (*pb.ProcessWelcomesResponse, error) {
	var joined []string
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error {
		var err error
		joined, err = e.ProcessWelcomes()
		return err
	})
	return reply(&pb.ProcessWelcomesResponse{Ack: ack, Joined: joined}, err)
}

func (s *Server) SendWelcomes(_ context.Context, req *pb.InstallationRequest) (*pb.SendWelcomesResponse, error) {
	var n int
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error {
		var err error
		n, err = e.SendWelcomes()
		return err
	})
	return reply(&pb.SendWelcomesResponse{Ack: ack, Sent: uint32(n)}, err)
}

func (s *Server) EnsureKeyPackages(_ context.Context, req *pb.InstallationRequest) (*pb.EnsureKeyPackagesResponse, error) {
	var n int
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error {
		var err error
		n, err = e.EnsureKeyPackages()
		return err
	})
	return reply(&pb.EnsureKeyPackagesResponse{Ack: ack, Uploaded: uint32(n)}, err)
}

func (s *Server) Subscribe(_ context.Context, req *pb.GroupRequest) (*pb.AckResponse, error) {
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error { return e.Subscribe(req.GetGroup()) })
	return reply(&pb.AckResponse{Ack: ack}, err)
}

func (s *Server) StreamStep(_ context.Context, req *pb.GroupRequest) (*pb.StreamStepResponse, error) {
	var res engine.StreamResult
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error {
		var err error
		res, err = e.StreamStep(req.GetGroup())
		return err
	})
	return reply(&pb.StreamStepResponse{Ack: ack, Result: res.String(), Seq: res.Seq, Cursor: res.Cursor}, err)
}

// Upkeep runs one round of the engine's own work; a step's failure is
// reported, not returned: the other steps ran.
func (s *Server) Upkeep(_ context.Context, req *pb.InstallationRequest) (*pb.UpkeepResponse, error) {
	out := &pb.UpkeepResponse{}
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error {
		var rep engine.UpkeepReport
		// Filled even when a fault hook crashes the round: the steps that
		// ran before the crash are reported with it.
		defer func() {
			for _, st := range rep.Steps {
				if st.Err != nil {
					// "STEP: REASON: detail": the step, and its failure as
					// a failed call's status says it.
					out.Failed = true
					out.Failures = append(out.Failures, fmt.Sprintf("%s: %s", st, status.Convert(statusOf(st.Err)).Message()))
				}
			}
			out.Joined = rep.Joined
		}()
		e.UpkeepInto(&rep)
		return nil
	})
	out.Ack = ack
	return reply(out, err)
}
