package intentclientv1

import (
	"context"
	"strconv"

	"google.golang.org/grpc/metadata"
)

// Current is the protocol version this build speaks.
const Current = ProtocolVersion_PROTOCOL_VERSION_1

// VersionKey is the request metadata key under which a driver sends its
// protocol version (decimal) on every call.
const VersionKey = "mlsim-intentclient-protocol"

// WithVersion returns ctx with v attached as the outgoing version.
func WithVersion(ctx context.Context, v ProtocolVersion) context.Context {
	return metadata.AppendToOutgoingContext(ctx, VersionKey, strconv.Itoa(int(v)))
}
