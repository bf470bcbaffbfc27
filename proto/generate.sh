#!/usr/bin/env bash
# Regenerates the Go code of the protocols under proto/ (committed beside
# each .proto). Usage: proto/generate.sh [OUT_DIR] — OUT_DIR defaults to
# proto/ itself; proto/topic/v1's test passes a temporary one and compares.
#
# Pinned: protoc 3.21.12 (Debian bookworm's protobuf-compiler; apt-get
# install -y protobuf-compiler) and the two plugins at the versions go.mod's
# tool directives name (protoc-gen-go from google.golang.org/protobuf,
# protoc-gen-go-grpc from google.golang.org/grpc/cmd/protoc-gen-go-grpc).
# The generated files name these versions in their headers, so another
# protoc would change them: the script refuses one.
set -euo pipefail
PROTOC_VERSION=3.21.12

cd "$(dirname "$0")/.."
out="${1:-proto}"

have="$(protoc --version 2>/dev/null || true)"
if [ "$have" != "libprotoc $PROTOC_VERSION" ]; then
  echo "generate.sh: need protoc $PROTOC_VERSION, have '${have:-none}'" >&2
  exit 3
fi

# The plugins are built from the module's own pinned versions (go.mod,
# go.sum), into a directory of their own that is removed afterwards.
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
go build -o "$bin" google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc

mkdir -p "$out"
protoc -I proto \
  --plugin=protoc-gen-go="$bin/protoc-gen-go" \
  --plugin=protoc-gen-go-grpc="$bin/protoc-gen-go-grpc" \
  --go_out="$out" --go_opt=paths=source_relative \
  --go-grpc_out="$out" --go-grpc_opt=paths=source_relative \
  topic/v1/topic.proto intentclient/v1/intentclient.proto
