package intentclient

import (
	"context"
	"fmt"
	"slices"

	"github.com/mlsim/mlsim/engine"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"github.com/mlsim/mlsim/wire"
)

// The user's intents: each returns once the intent is recorded.

func (s *Server) CreateGroup(_ context.Context, req *pb.GroupRequest) (*pb.AckResponse, error) {
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error { return e.CreateGroup(req.GetGroup()) })
	return reply(&pb.AckResponse{Ack: ack}, err)
}

// intentCall runs a call that records an intent.
func (s *Server) intentCall(inst string, f func(e *engine.Client) (int64, error)) (*pb.IntentResponse, error) {
	var id int64
	ack, err := s.call(inst, func(e *engine.Client) error {
		var err error
		id, err = f(e)
		return err
	})
	return reply(&pb.IntentResponse{Ack: ack, Intent: id}, err)
}

func (s *Server) Send(_ context.Context, req *pb.SendRequest) (*pb.IntentResponse, error) {
	return s.intentCall(req.GetInstallation(), func(e *engine.Client) (int64, error) {
		return e.Send(req.GetGroup(), req.GetBody())
	})
}

func (s *Server) AddMembers(_ context.Context, req *pb.MembersRequest) (*pb.IntentResponse, error) {
	return s.intentCall(req.GetInstallation(), func(e *engine.Client) (int64, error) {
		return e.AddMembers(req.GetGroup(), req.GetAccounts()...)
	})
}

func (s *Server) RemoveMembers(_ context.Context, req *pb.MembersRequest) (*pb.IntentResponse, error) {
	return s.intentCall(req.GetInstallation(), func(e *engine.Client) (int64, error) {
		return e.RemoveMembers(req.GetGroup(), req.GetAccounts()...)
	})
}

func (s *Server) KeyUpdate(_ context.Context, req *pb.GroupRequest) (*pb.IntentResponse, error) {
	return s.intentCall(req.GetInstallation(), func(e *engine.Client) (int64, error) { return e.KeyUpdate(req.GetGroup()) })
}

func (s *Server) UpdateInstallations(_ context.Context, req *pb.GroupRequest) (*pb.IntentResponse, error) {
	return s.intentCall(req.GetInstallation(), func(e *engine.Client) (int64, error) {
		return e.UpdateInstallations(req.GetGroup())
	})
}

func (s *Server) UpdateAdmins(_ context.Context, req *pb.UpdateAdminsRequest) (*pb.IntentResponse, error) {
	return s.intentCall(req.GetInstallation(), func(e *engine.Client) (int64, error) {
		return e.UpdateAdmins(req.GetGroup(), req.GetAdd(), req.GetRemove())
	})
}

func (s *Server) UpdatePolicy(_ context.Context, req *pb.UpdatePolicyRequest) (*pb.IntentResponse, error) {
	levels, err := Levels(req.GetLevels())
	if err != nil {
		return nil, Failure(ReasonInvalid, err.Error())
	}
	return s.intentCall(req.GetInstallation(), func(e *engine.Client) (int64, error) {
		return e.UpdatePolicy(req.GetGroup(), levels)
	})
}

// Levels reads UPDATE_POLICY's levels.
func Levels(in []*pb.PolicyLevel) (map[string]wire.Level, error) {
	levels := map[string]wire.Level{}
	for _, l := range in {
		level, ok := wire.ParseLevel(l.GetLevel())
		if !ok || !slices.Contains(wire.LevelNames[:], l.GetAction()) {
			return nil, fmt.Errorf("level %s=%s: want ACTION=LEVEL, ACTION one of %v, LEVEL everyone, admins or super",
				l.GetAction(), l.GetLevel(), wire.LevelNames)
		}
		levels[l.GetAction()] = level
	}
	if len(levels) == 0 {
		return nil, fmt.Errorf("no level named")
	}
	return levels, nil
}

func (s *Server) ForgeCommit(_ context.Context, req *pb.ForgeCommitRequest) (*pb.ForgeCommitResponse, error) {
	var detail string
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error {
		var err error
		detail, err = e.ForgeCommit(req.GetGroup(), req.GetWhat())
		return err
	})
	return reply(&pb.ForgeCommitResponse{Ack: ack, Detail: detail}, err)
}

func (s *Server) SetConsent(_ context.Context, req *pb.SetConsentRequest) (*pb.AckResponse, error) {
	c := engine.Consent(req.GetConsent())
	if c < engine.ConsentAllowed || c > engine.ConsentPending {
		return nil, Failure(ReasonInvalid, fmt.Sprintf("consent %v", req.GetConsent()))
	}
	ack, err := s.call(req.GetInstallation(), func(e *engine.Client) error { return e.SetConsent(req.GetGroup(), c) })
	return reply(&pb.AckResponse{Ack: ack}, err)
}
