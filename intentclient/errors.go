package intentclient

import (
	"errors"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/faultwrap"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/nettransport"
)

// Reason is the word a failed call's status message starts with
// ("network: publish g0: …"): what a driver reads to tell a network
// failure, whose outcome may be unknown, from a refusal. docs/PROTOCOL.md
// lists them with their codes.
type Reason string

const (
	ReasonNetwork       Reason = "network"        // UNAVAILABLE: a network call failed; a publish may have landed
	ReasonStreamBroken  Reason = "stream_broken"  // UNAVAILABLE: the group's subscription broke
	ReasonRemoved       Reason = "removed"        // FAILED_PRECONDITION: removed from the group
	ReasonBroken        Reason = "broken"         // FAILED_PRECONDITION: the group's processing stopped
	ReasonNotSubscribed Reason = "not_subscribed" // FAILED_PRECONDITION: StreamStep without Subscribe
	ReasonRevoked       Reason = "revoked"        // FAILED_PRECONDITION: the directory revoked the installation
	ReasonVersion       Reason = "version"        // FAILED_PRECONDITION: another protocol version
	ReasonUnknownGroup  Reason = "unknown_group"  // NOT_FOUND: the installation holds no such group
	ReasonUnknownInst   Reason = "unknown_installation"
	ReasonSelfRemoval   Reason = "self_removal" // FAILED_PRECONDITION: a removal naming one's own account (leaving is not in v1)
	ReasonCrashed       Reason = "crashed"      // ABORTED: a fault hook crashed the installation (detail: where)
	ReasonStoreBusy     Reason = "store_busy"   // ABORTED: a store transaction failed to commit (transient)
	ReasonInvalid       Reason = "invalid"      // INVALID_ARGUMENT: the request itself is wrong
	ReasonInternal      Reason = "internal"     // INTERNAL: anything else, the client's own failure
)

var reasonCodes = map[Reason]codes.Code{
	ReasonNetwork: codes.Unavailable, ReasonStreamBroken: codes.Unavailable,
	ReasonRemoved: codes.FailedPrecondition, ReasonBroken: codes.FailedPrecondition,
	ReasonNotSubscribed: codes.FailedPrecondition, ReasonRevoked: codes.FailedPrecondition,
	ReasonVersion: codes.FailedPrecondition, ReasonUnknownGroup: codes.NotFound,
	ReasonUnknownInst: codes.NotFound, ReasonInvalid: codes.InvalidArgument, ReasonInternal: codes.Internal,
	ReasonCrashed: codes.Aborted, ReasonStoreBusy: codes.Aborted, ReasonSelfRemoval: codes.FailedPrecondition,
}

// Failure builds a failed call's status: the reason's code, and a message
// "REASON: detail".
func Failure(r Reason, detail string) error {
	return status.Error(reasonCodes[r], string(r)+": "+detail)
}

// statusOf is the status our engine's error becomes: the engine's
// sentinels first (a transport error deep inside the chain may carry a
// gRPC status of the topic server's, which is not this protocol's
// answer), then a status of ours passed through (a Failure), else
// internal.
func statusOf(err error) error {
	if err == nil {
		return nil
	}
	r := ReasonInternal
	switch {
	case errors.Is(err, engine.ErrStreamBroken): // wraps the network error that broke it
		r = ReasonStreamBroken
	case errors.Is(err, nettransport.ErrNetwork), errors.Is(err, memnet.ErrNetwork):
		r = ReasonNetwork
	case errors.Is(err, engine.ErrRemoved):
		r = ReasonRemoved
	case errors.Is(err, engine.ErrGroupBroken):
		r = ReasonBroken
	case errors.Is(err, engine.ErrUnknownGroup):
		r = ReasonUnknownGroup
	case errors.Is(err, engine.ErrNotSubscribed):
		r = ReasonNotSubscribed
	case errors.Is(err, engine.ErrRevoked):
		r = ReasonRevoked
	case errors.Is(err, faultwrap.ErrStoreBusy):
		r = ReasonStoreBusy
	case errors.Is(err, engine.ErrSelfRemoval):
		r = ReasonSelfRemoval
	default:
		if _, ours := err.(interface{ GRPCStatus() *status.Status }); ours {
			return err // a Failure of ours, not wrapped in anything
		}
	}
	return Failure(r, err.Error())
}

// CallError is a failed call as a driver sees it: its code, reason and
// detail. Unwrap gives the engine's sentinel for the reason (ErrRemoved,
// memnet.ErrNetwork, …), so a driver's errors.Is reads a remote failure
// as it reads a local one.
type CallError struct {
	Code   codes.Code
	Reason Reason
	Detail string
}

// Error is what the client said after the reason word: our engine's
// error as it reads in process (the reason is in Reason, and errors.Is
// finds the engine's sentinel for it).
func (e *CallError) Error() string { return e.Detail }

func (e *CallError) Unwrap() error {
	switch e.Reason {
	case ReasonNetwork:
		return memnet.ErrNetwork
	case ReasonStreamBroken:
		return engine.ErrStreamBroken
	case ReasonRemoved:
		return engine.ErrRemoved
	case ReasonBroken:
		return engine.ErrGroupBroken
	case ReasonUnknownGroup:
		return engine.ErrUnknownGroup
	case ReasonNotSubscribed:
		return engine.ErrNotSubscribed
	case ReasonRevoked:
		return engine.ErrRevoked
	case ReasonCrashed:
		return faultwrap.ErrCrashed
	case ReasonStoreBusy:
		return faultwrap.ErrStoreBusy
	case ReasonSelfRemoval:
		return engine.ErrSelfRemoval
	}
	return nil
}

// CrashPoint is where a fault hook crashed the installation ("" for any
// other failure): the simulator names a crash by it.
func (e *CallError) CrashPoint() string {
	if e.Reason != ReasonCrashed {
		return ""
	}
	return e.Detail
}

// ReasonOf is a failed call's reason as a driver reads it (callError): a
// status straight from a call, or a CallError; "" for no failure and for
// UNIMPLEMENTED.
func ReasonOf(err error) Reason {
	var ce *CallError
	if errors.As(err, &ce) || errors.As(callError(err), &ce) {
		return ce.Reason
	}
	return ""
}

// ErrUnimplemented: the client answered UNIMPLEMENTED (it lacks the RPC).
var ErrUnimplemented = errors.New("unimplemented by the client")

// unimplemented is an UNIMPLEMENTED answer: errors.Is it ErrUnimplemented,
// and it says Unsupported, which is how a world of remote clients (sim)
// tells it from a failure without importing this package.
type unimplemented struct{ msg string }

func (u unimplemented) Error() string        { return ErrUnimplemented.Error() + ": " + u.msg }
func (u unimplemented) Is(target error) bool { return target == ErrUnimplemented }
func (u unimplemented) Unsupported() bool    { return true }

// callError reads a failed call's status. A message without a known
// reason word is the client's own failure (internal), its text kept whole.
func callError(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	if st.Code() == codes.Unimplemented {
		return unimplemented{st.Message()}
	}
	word, detail, found := strings.Cut(st.Message(), ": ")
	r := Reason(word)
	if _, known := reasonCodes[r]; !found || !known {
		r, detail = ReasonInternal, st.Message()
	}
	if st.Code() == codes.Unavailable && r == ReasonInternal {
		r = ReasonNetwork // the connection itself failed: the outcome is unknown
	}
	return &CallError{Code: st.Code(), Reason: r, Detail: detail}
}
