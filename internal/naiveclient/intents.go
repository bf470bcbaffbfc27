package naiveclient

import (
	"context"
	"strings"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"github.com/mlsim/mlsim/wire"
)

// CreateGroup makes a group with the installation alone in it, at epoch
// 0. It is local: nothing is published.
func (s *Server) CreateGroup(_ context.Context, req *pb.GroupRequest) (*pb.AckResponse, error) {
	ack, err := s.call(req.GetInstallation(), func(in *installation) error {
		id := req.GetGroup()
		if id == "" {
			return invalidErr("no group id")
		}
		if in.st.group(id) != nil {
			return invalidErr("group %s exists", id)
		}
		gs, err := in.mls.CreateGroup(in.ident, []byte(id))
		if err != nil {
			return internalErr("create group %s: %v", id, err)
		}
		g := &group{ID: id, Consent: pb.Consent_CONSENT_ALLOWED, Members: []string{in.id},
			Policy: wire.EncodePolicy(wire.DefaultPolicy(in.account))}
		in.st.Groups = append(in.st.Groups, g)
		in.states[id] = gs
		in.enterEpoch(g, 0, nil, pb.EpochVia_EPOCH_VIA_CREATE)
		return nil
	})
	return reply(&pb.AckResponse{Ack: ack}, err)
}

// intent records one intent of a group the installation is in.
func (s *Server) intent(inst, groupID string, kind pb.IntentKind, data []byte, check func(in *installation) error) (*pb.IntentResponse, error) {
	var id int64
	ack, err := s.call(inst, func(in *installation) error {
		g, err := in.usable(groupID)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(in); err != nil {
				return err
			}
		}
		id = in.newIntent(g.ID, kind, data).ID
		return nil
	})
	return reply(&pb.IntentResponse{Ack: ack, Intent: id}, err)
}

// usable returns a group the installation may act in.
func (in *installation) usable(id string) (*group, error) {
	g := in.st.group(id)
	switch {
	case g == nil:
		return nil, unknownGroupErr(id)
	case g.RemovedAtSeq != 0:
		return nil, removedErr("removed from %s at seq %d", id, g.RemovedAtSeq)
	case g.Broken != "":
		return nil, brokenErr("%s: %s", id, g.Broken)
	}
	return g, nil
}

// Send records an application message.
func (s *Server) Send(_ context.Context, req *pb.SendRequest) (*pb.IntentResponse, error) {
	return s.intent(req.GetInstallation(), req.GetGroup(), pb.IntentKind_INTENT_KIND_SEND_MESSAGE, req.GetBody(), nil)
}

// AddMembers records an add of every installation of the accounts.
func (s *Server) AddMembers(_ context.Context, req *pb.MembersRequest) (*pb.IntentResponse, error) {
	accounts := req.GetAccounts()
	return s.intent(req.GetInstallation(), req.GetGroup(), pb.IntentKind_INTENT_KIND_ADD_MEMBERS, joinAccounts(accounts),
		func(*installation) error { return checkAccounts(accounts) })
}

// RemoveMembers records a removal of every installation of the accounts;
// naming one's own account is refused (leaving is not in v1).
func (s *Server) RemoveMembers(_ context.Context, req *pb.MembersRequest) (*pb.IntentResponse, error) {
	accounts := req.GetAccounts()
	return s.intent(req.GetInstallation(), req.GetGroup(), pb.IntentKind_INTENT_KIND_REMOVE_MEMBERS, joinAccounts(accounts),
		func(in *installation) error {
			for _, a := range accounts {
				if a == in.account {
					return selfRemovalErr("cannot remove one's own account %s", a)
				}
			}
			return checkAccounts(accounts)
		})
}

// KeyUpdate records a commit that changes nobody, only keys.
func (s *Server) KeyUpdate(_ context.Context, req *pb.GroupRequest) (*pb.IntentResponse, error) {
	return s.intent(req.GetInstallation(), req.GetGroup(), pb.IntentKind_INTENT_KIND_KEY_UPDATE, nil, nil)
}

func checkAccounts(accounts []string) error {
	if len(accounts) == 0 {
		return invalidErr("no accounts")
	}
	for _, a := range accounts {
		if a == "" || strings.ContainsAny(a, "/\n") {
			return invalidErr("bad account %q", a)
		}
	}
	return nil
}

// joinAccounts is the intent's data: the accounts, one per line.
func joinAccounts(accounts []string) []byte { return []byte(strings.Join(accounts, "\n")) }

func splitAccounts(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	return strings.Split(string(data), "\n")
}
