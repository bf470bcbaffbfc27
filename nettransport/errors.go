package nettransport

import (
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var (
	// ErrNetwork: the call failed and its outcome is unknown (a publish
	// may have been stored). Transient: the engine carries on by its rules.
	ErrNetwork = errors.New("network error")
	// ErrRejected: the server refused the call; nothing was stored. A
	// correct client never sees it (it means a bug, a limit or another
	// protocol version), but it is transient to the engine all the same.
	ErrRejected = errors.New("rejected by the topic server")
)

// classify maps a gRPC error to the package's classes, keeping the status.
// Only codes with which a server says it did nothing are rejections; every
// other code — the deadline, the connection, the server's own failures —
// leaves the outcome unknown.
func classify(what string, err error) error {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange, codes.NotFound,
		codes.AlreadyExists, codes.PermissionDenied, codes.Unauthenticated, codes.Unimplemented:
		return fmt.Errorf("%s: %w: %w", what, ErrRejected, err)
	}
	return fmt.Errorf("%s: %w: %w", what, ErrNetwork, err)
}
