//go:debug randseednop=0
package conform

import (
	"fmt"
	"net"
	"os"
	"testing"

	"github.com/mlsim/mlsim/intentclient"
	"github.com/mlsim/mlsim/internal/naiveclient"
)

// childEnv makes the test binary a client under test: `simrun client`'s
// own code (intentclient.Main), started by the kit as any client is.
const childEnv = "MLSIM_CONFORM_TEST_CLIENT"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "engine":
		os.Exit(intentclient.Main(os.Args[1:], os.Stdout, os.Stderr))
	case "naive":
		os.Exit(serveNaive(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// ourEngine is `simrun client` as the kit starts it: this binary again.
func ourEngine(t *testing.T) Client {
	t.Setenv(childEnv, "engine")
	return Client{Argv: []string{os.Args[0]}}
}

// naive is the deliberately naive client (internal/naiveclient), a
// client not built on our engine, as the kit starts it.
func naive(t *testing.T) Client {
	t.Setenv(childEnv, "naive")
	return Client{Argv: []string{os.Args[0]}}
}

// serveNaive serves the naive client on the address after --listen.
func serveNaive(args []string) int {
	if len(args) != 2 || args[0] != "--listen" {
		fmt.Fprintf(os.Stderr, "naive: want --listen HOST:PORT, got %q\n", args)
		return 2
	}
	lis, err := net.Listen("tcp", args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := naiveclient.Serve(lis); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
