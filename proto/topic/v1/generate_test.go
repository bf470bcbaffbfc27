package topicv1_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// pinnedProtoc is the protoc version proto/generate.sh requires: the
// generated files name it in their headers.
const pinnedProtoc = "libprotoc 3.21.12"

// The committed generated code is what proto/generate.sh makes from
// topic.proto and intentclient.proto today: the script regenerates into a temporary directory
// and every file must match byte for byte. Where protoc (at the pinned
// version) is missing the test says so and skips.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the protoc plugins (about 15 s)")
	}
	out, err := exec.Command("protoc", "--version").Output()
	if err != nil {
		t.Skipf("protoc is not on PATH (apt-get install -y protobuf-compiler): %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != pinnedProtoc {
		t.Skipf("protoc is %q, generate.sh pins %q: regenerating would differ in the headers", got, pinnedProtoc)
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", "../../generate.sh", dir)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "generate.sh: %s", msg)
	for _, name := range []string{"topic/v1/topic.pb.go", "topic/v1/topic_grpc.pb.go",
		"intentclient/v1/intentclient.pb.go", "intentclient/v1/intentclient_grpc.pb.go"} {
		want, err := os.ReadFile(filepath.Join("..", "..", name))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, got), "%s differs from what proto/generate.sh makes now: run it and commit the result", name)
	}
	made, err := filepath.Glob(filepath.Join(dir, "*", "v1", "*"))
	require.NoError(t, err)
	require.Len(t, made, 4, "generate.sh made files this test does not compare: %v", made)
}
