package intentclient

import (
	"context"
	"fmt"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The fault hooks (feature "fault-hooks", Options.FaultHooks): a driver
// reaches inside the installation as the simulator reaches inside its
// clients. They arm the installation's fuse and touch nothing else; a
// crashed installation may be armed too (its fuse is replaced at Restart,
// as a simulated client's is).

// hook runs f on the installation's fuse under the lock.
func (s *Server) hook(id string, f func(in *installation) error) (*pb.AckResponse, error) {
	if !s.opts.FaultHooks {
		return nil, status.Error(codes.Unimplemented, "this client serves no fault hooks (start it with --fault-hooks)")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.installation(id)
	if err != nil {
		return nil, err
	}
	if err := f(in); err != nil {
		return nil, err
	}
	ack, err := s.finish(in, nil)
	if ack == nil {
		return nil, err
	}
	return &pb.AckResponse{Ack: ack}, nil
}

func (s *Server) ArmCrash(_ context.Context, req *pb.ArmCrashRequest) (*pb.AckResponse, error) {
	return s.hook(req.GetInstallation(), func(in *installation) error {
		if k := req.GetKind(); k != "tx" && k != "send" {
			return Failure(ReasonInvalid, fmt.Sprintf("crash kind %q: want tx or send", k))
		}
		in.fuse.Arm(req.GetKind(), int(req.GetAt()))
		return nil
	})
}

func (s *Server) StoreBusy(_ context.Context, req *pb.InstallationRequest) (*pb.AckResponse, error) {
	return s.hook(req.GetInstallation(), func(in *installation) error {
		in.fuse.Busy++
		return nil
	})
}

func (s *Server) Withhold(_ context.Context, req *pb.InstallationRequest) (*pb.AckResponse, error) {
	return s.hook(req.GetInstallation(), func(in *installation) error {
		in.fuse.Withhold = true
		return nil
	})
}
