package naiveclient

import (
	"context"

	"google.golang.org/grpc/status"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// Upkeep is one round of what the client does on its own: welcomes, a
// sync of every group it is in, its intents published, welcomes sent,
// key packages topped up. A failing part does not stop the others.
func (s *Server) Upkeep(_ context.Context, req *pb.InstallationRequest) (*pb.UpkeepResponse, error) {
	res := &pb.UpkeepResponse{}
	ack, err := s.call(req.GetInstallation(), func(in *installation) error {
		fail := func(err error) {
			if err != nil {
				res.Failed = true
				res.Failures = append(res.Failures, status.Convert(err).Message())
			}
		}
		joined, err := in.processWelcomes()
		res.Joined = joined
		fail(err)
		for _, g := range in.st.Groups {
			if g.RemovedAtSeq != 0 || g.Broken != "" {
				continue
			}
			fail(in.sync(g))
		}
		for _, g := range in.st.Groups {
			if g.RemovedAtSeq != 0 || g.Broken != "" {
				continue
			}
			_, err := in.publishAll(g)
			fail(err)
		}
		_, err = in.sendWelcomes()
		fail(err)
		_, err = in.ensureKeyPackages()
		fail(err)
		return nil
	})
	res.Ack = ack
	return reply(res, err)
}
