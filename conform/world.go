package conform

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/mlsim/mlsim/intentclient"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"github.com/mlsim/mlsim/sim"
)

// remoteWorld is sim.Remote over one client process: each installation
// the world creates is opened in the client, on its own endpoint into the
// world's network and its own store file under dir.
type remoteWorld struct {
	proc      *process
	dir       string
	seed      uint64     // the world's: each installation's random_seed
	lock      sync.Mutex // around every call into the world from an endpoint
	endpoints []*endpoint
	clients   []*remoteClient
}

var _ sim.Remote = (*remoteWorld)(nil)

func (w *remoteWorld) Open(id string, t sim.RemoteTransport, p sim.Params) (sim.RemoteClient, error) {
	ep, err := serveTransport(id, t, &w.lock)
	if err != nil {
		return nil, err
	}
	w.endpoints = append(w.endpoints, ep)
	opts := &pb.ClientOptions{WidthCap: uint32(max(p.WidthCap, 0)), MlsVariant: p.MLSVariant,
		// The world's seed, for a client that can draw from it (ours draws
		// exactly what the same world in process draws).
		RandomSeed: proto.Uint64(w.seed)}
	if p.MaxPastEpochs != 0 {
		opts.MaxPastEpochs = proto.Uint32(uint32(max(p.MaxPastEpochs, 0))) // negative: none
	}
	store := filepath.Join(w.dir, strings.ReplaceAll(id, "/", "_")+".store")
	r, _, err := w.proc.driver.Open(id, ep.addr, store, opts)
	err = unsupported(err)
	if r == nil {
		return nil, err
	}
	// A crash answered by the client's fault hooks panics as our engine's
	// fuse does in process, so the world handles both alike.
	r.PanicOnCrash = true
	c := &remoteClient{Remote: r, id: id, hub: ep.streams}
	w.clients = append(w.clients, c)
	return c, err
}

// close stops following the clients and closes the endpoints.
func (w *remoteWorld) close() {
	for _, c := range w.clients {
		c.Close()
	}
	for _, e := range w.endpoints {
		e.close()
	}
}

// unsupported marks what the client said it cannot do: an RPC it lacks
// (UNIMPLEMENTED), or options it cannot honour (INVALID_ARGUMENT on
// Open), so the run stops as unsupported rather than failed.
func unsupported(err error) error {
	var ce *intentclient.CallError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, intentclient.ErrUnimplemented):
		return fmt.Errorf("%w: %v", sim.ErrUnsupported, err)
	case errors.As(err, &ce) && ce.Code == codes.InvalidArgument:
		return fmt.Errorf("%w: the client refused the world's options: %v", sim.ErrUnsupported, err)
	}
	return err
}
