package naiveclient

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// Key packages: topped up to keyPackageTarget when the directory holds
// fewer than keyPackageLow.
const (
	keyPackageLow    = 3
	keyPackageTarget = 6
)

func accountOf(installation string) (string, bool) {
	account, name, ok := strings.Cut(installation, "/")
	return account, ok && account != "" && name != ""
}

// Open creates an installation or re-opens its state file, connects it to
// the topic server and registers it with key packages.
func (s *Server) Open(_ context.Context, req *pb.OpenRequest) (*pb.OpenResponse, error) {
	id, path := req.GetInstallation(), req.GetStorePath()
	if _, ok := accountOf(id); !ok {
		return nil, invalidErr("installation %q is not ACCOUNT/NAME", id)
	}
	if path == "" || req.GetServerAddress() == "" {
		return nil, invalidErr("open %s: server_address and store_path are required", id)
	}
	if _, err := newAdapter(req.GetOptions().GetMlsVariant()); err != nil {
		return nil, invalidErr("%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := loadStored(path)
	created := errors.Is(err, fs.ErrNotExist)
	switch {
	case created:
		st = &stored{Installation: id, Serials: map[string]int64{}}
	case err != nil:
		return nil, internalErr("open %s: %v", id, err)
	case st.Installation != id:
		return nil, invalidErr("%s holds installation %s, not %s", path, st.Installation, id)
	}
	st.Server = req.GetServerAddress()
	st.Options = storedOpts{WidthCap: req.GetOptions().GetWidthCap(), Variant: req.GetOptions().GetMlsVariant()}

	if old := s.insts[id]; old != nil {
		// Opened again: the same as a restart from the file given now.
		old.topic.close()
		delete(s.insts, id)
	}
	in, err := s.start(id, path, st, created)
	if err != nil {
		return nil, err
	}
	_, kerr := in.ensureKeyPackages()
	in.flush()
	if err := in.save(); err != nil {
		return nil, internalErr("save %s: %v", path, err)
	}
	// Open on a failed upload is open all the same: the driver gets the
	// Ack with the error, and the next EnsureKeyPackages uploads again.
	return reply(&pb.OpenResponse{Ack: &pb.Ack{ObservedThrough: in.log.last()}, Created: created}, kerr)
}

// Restart drops what the installation holds in memory and re-opens it
// from its state file, as a new process would.
func (s *Server) Restart(_ context.Context, req *pb.InstallationRequest) (*pb.AckResponse, error) {
	id := req.GetInstallation()
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.insts[id]
	if old == nil {
		return nil, unknownInstallationErr(id)
	}
	old.topic.close()
	delete(s.insts, id)
	st, err := loadStored(old.path)
	if err != nil {
		return nil, internalErr("restart %s: %v", id, err)
	}
	in, err := s.start(id, old.path, st, false)
	if err != nil {
		return nil, err
	}
	return &pb.AckResponse{Ack: &pb.Ack{ObservedThrough: in.log.last()}}, nil
}

// start brings an installation up from st: the topic connection, the MLS
// layer, a new identity for a new store, the live MLS states, and the
// records of what the store holds.
func (s *Server) start(id, path string, st *stored, created bool) (*installation, error) {
	account, _ := accountOf(id)
	topic, err := dialTopic(st.Server, id)
	if err != nil {
		return nil, networkErr("connect %s to %s: %v", id, st.Server, err)
	}
	a, err := newAdapter(st.Options.Variant)
	if err != nil {
		topic.close()
		return nil, invalidErr("%v", err)
	}
	in := &installation{id: id, account: account, path: path, st: st, mls: a, topic: topic,
		states: map[string]mlsGroup{}, log: s.logFor(id, true)}
	if created {
		if in.ident, err = a.NewIdentity(id); err != nil {
			topic.close()
			return nil, internalErr("new identity: %v", err)
		}
		st.Identity = in.ident.Private
	} else {
		in.ident = mlsIdentity{InstallationID: id, Private: st.Identity}
	}
	for _, g := range st.Groups {
		if g.RemovedAtSeq != 0 || g.Broken != "" || g.State == nil {
			continue
		}
		gs, err := a.LoadGroup(in.ident, g.State, nil)
		if err != nil {
			g.Broken = "cannot load the saved state: " + err.Error()
			continue
		}
		in.states[g.ID] = gs
	}
	s.insts[id] = in
	in.replay()
	return in, nil
}

// save writes the state file, with every live MLS state encoded anew
// (Protect and Unprotect move ratchets in place).
func (in *installation) save() error {
	for _, g := range in.st.Groups {
		gs := in.states[g.ID]
		if gs == nil {
			g.State = nil
			continue
		}
		data, err := gs.Marshal()
		if err != nil {
			return err
		}
		g.State = data
	}
	return in.st.save(in.path)
}

// ensureKeyPackages tops the directory up (the first call also registers
// the installation under its account) and returns how many it uploaded.
func (in *installation) ensureKeyPackages() (int, error) {
	have, err := in.topic.count()
	if err != nil {
		return 0, networkErr("key package count: %v", err)
	}
	if have >= keyPackageLow && len(in.st.KeyPackages) > 0 {
		return 0, nil
	}
	var public [][]byte
	for i := have; i < keyPackageTarget; i++ {
		kp, err := in.mls.NewKeyPackage(in.ident)
		if err != nil {
			return 0, internalErr("new key package: %v", err)
		}
		in.st.KeyPackages = append(in.st.KeyPackages, storedKP{Public: kp.Public, Private: kp.Private, Ref: kp.Ref})
		public = append(public, kp.Public)
	}
	if err := in.topic.upload(in.account, public); err != nil {
		return 0, networkErr("upload key packages: %v", err)
	}
	return len(public), nil
}

// EnsureKeyPackages tops the installation's key packages up.
func (s *Server) EnsureKeyPackages(_ context.Context, req *pb.InstallationRequest) (*pb.EnsureKeyPackagesResponse, error) {
	var n int
	ack, err := s.call(req.GetInstallation(), func(in *installation) error {
		var err error
		n, err = in.ensureKeyPackages()
		return err
	})
	return reply(&pb.EnsureKeyPackagesResponse{Ack: ack, Uploaded: uint32(n)}, err)
}
