package naiveclient

import (
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The protocol's errors start with a reason word, so a driver can tell a
// network failure (outcome unknown) from a refusal without parsing more.

func networkErr(format string, args ...any) error {
	return status.Error(codes.Unavailable, "network: "+fmt.Sprintf(format, args...))
}

func removedErr(format string, args ...any) error {
	return status.Error(codes.FailedPrecondition, "removed: "+fmt.Sprintf(format, args...))
}

func brokenErr(format string, args ...any) error {
	return status.Error(codes.FailedPrecondition, "broken: "+fmt.Sprintf(format, args...))
}

func unknownGroupErr(group string) error {
	return status.Error(codes.NotFound, "unknown_group: "+group)
}

func unknownInstallationErr(inst string) error {
	return status.Error(codes.NotFound, "unknown_installation: "+inst)
}

func invalidErr(format string, args ...any) error {
	return status.Error(codes.InvalidArgument, "invalid: "+fmt.Sprintf(format, args...))
}

// selfRemovalErr: a removal naming the installation's own account, which
// the protocol names with its own reason word.
func selfRemovalErr(format string, args ...any) error {
	return status.Error(codes.FailedPrecondition, "self_removal: "+fmt.Sprintf(format, args...))
}

func internalErr(format string, args ...any) error {
	return status.Error(codes.Internal, "internal: "+fmt.Sprintf(format, args...))
}
