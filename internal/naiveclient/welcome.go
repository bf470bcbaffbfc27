package naiveclient

import (
	"context"
	"slices"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"github.com/mlsim/mlsim/wire"
)

// ProcessWelcomes reads the installation's welcome topic and joins.
func (s *Server) ProcessWelcomes(_ context.Context, req *pb.InstallationRequest) (*pb.ProcessWelcomesResponse, error) {
	var joined []string
	ack, err := s.call(req.GetInstallation(), func(in *installation) error {
		var err error
		joined, err = in.processWelcomes()
		return err
	})
	return reply(&pb.ProcessWelcomesResponse{Ack: ack, Joined: joined}, err)
}

// processWelcomes applies the welcomes after the cursor, in order, and
// stops at a network error without passing the welcome that met it.
func (in *installation) processWelcomes() ([]string, error) {
	var joined []string
	topic := wire.WelcomeTopic(in.id)
	for {
		page, err := in.topic.query(topic, in.st.WelcomeCursor, pageSize)
		if err != nil {
			return joined, networkErr("read welcomes: %v", err)
		}
		for _, env := range page.GetEnvelopes() {
			if env.GetSeq() <= in.st.WelcomeCursor {
				continue
			}
			group, err := in.processWelcome(env.GetPayload())
			if err != nil {
				return joined, err
			}
			in.st.WelcomeCursor = env.GetSeq()
			if group != "" {
				joined = append(joined, group)
			}
		}
		if len(page.GetEnvelopes()) == 0 || in.st.WelcomeCursor >= page.GetHead() {
			return joined, nil
		}
	}
}

// processWelcome joins the group a welcome names, unless we hold it at
// that epoch or later. The commit that added us is read from the group
// topic: it gives the membership message, the policy, and proof that the
// welcome is what it says. It returns the group joined ("" if none).
func (in *installation) processWelcome(payload []byte) (string, error) {
	w, err := wire.DecodeWelcome(payload)
	if err != nil || w.CommitSeq == 0 {
		return "", nil
	}
	held := in.st.group(w.GroupID)
	if held != nil && held.RemovedAtSeq == 0 && held.Epoch >= w.Epoch {
		return "", nil
	}
	if held != nil && held.RemovedAtSeq >= w.CommitSeq {
		return "", nil // a welcome from before our last removal
	}
	page, err := in.topic.query(wire.GroupTopic(w.GroupID), w.CommitSeq-1, 1)
	if err != nil {
		return "", networkErr("read the commit of welcome to %s: %v", w.GroupID, err)
	}
	envs := page.GetEnvelopes()
	if len(envs) == 0 || envs[0].GetSeq() != w.CommitSeq {
		return "", nil
	}
	commit, err := wire.Decode(envs[0].GetPayload())
	if err != nil || commit.Kind != wire.KindCommit || commit.GroupID != w.GroupID ||
		commit.Epoch+1 != w.Epoch || !slices.Contains(commit.Added, in.id) {
		return "", nil
	}
	var kps []mlsKeyPackage
	for _, kp := range in.st.KeyPackages {
		kps = append(kps, mlsKeyPackage{Public: kp.Public, Private: kp.Private, Ref: kp.Ref})
	}
	gs, used, err := in.mls.Join(in.ident, kps, w.MLS)
	if err != nil || string(gs.GroupID()) != w.GroupID || gs.Epoch() != w.Epoch {
		return "", nil
	}
	// A used key package's private key is deleted.
	in.st.KeyPackages = slices.DeleteFunc(in.st.KeyPackages, func(kp storedKP) bool { return string(kp.Ref) == string(used) })
	g := held
	if g == nil {
		g = &group{ID: w.GroupID, Consent: pb.Consent_CONSENT_PENDING}
		in.st.Groups = append(in.st.Groups, g)
	}
	// A fresh membership, also after a removal: stored messages stay.
	g.Epoch, g.JoinedEpoch, g.Cursor, g.RemovedAtSeq, g.Broken, g.SendCounter = w.Epoch, w.Epoch, w.CommitSeq, 0, "", 0
	g.Members = membersOf(gs)
	g.Policy = wire.EncodePolicy(commit.Policy)
	in.states[g.ID] = gs
	in.enterEpoch(g, w.CommitSeq, nil, pb.EpochVia_EPOCH_VIA_WELCOME)
	in.storeMembership(g, w.CommitSeq, commit, wire.Hash(envs[0].GetPayload()), w.Epoch)
	return g.ID, nil
}

// SendWelcomes sends every welcome ready to go, oldest first.
func (s *Server) SendWelcomes(_ context.Context, req *pb.InstallationRequest) (*pb.SendWelcomesResponse, error) {
	var sent int
	ack, err := s.call(req.GetInstallation(), func(in *installation) error {
		var err error
		sent, err = in.sendWelcomes()
		return err
	})
	return reply(&pb.SendWelcomesResponse{Ack: ack, Sent: uint32(sent)}, err)
}

func (in *installation) sendWelcomes() (int, error) {
	sent := 0
	for _, w := range in.st.Welcomes {
		if w.State != pb.WelcomeState_WELCOME_STATE_READY_TO_SEND {
			continue
		}
		payload := (&wire.Welcome{GroupID: w.Group, Epoch: w.Epoch, CommitSeq: w.CommitSeq, Adder: in.id, MLS: w.MLS}).Encode()
		if _, err := in.topic.publish(wire.WelcomeTopic(w.To), payload); err != nil {
			return sent, networkErr("send welcome to %s: %v", w.To, err)
		}
		w.State = pb.WelcomeState_WELCOME_STATE_SENT
		sent++
	}
	return sent, nil
}
