package live

import (
	"fmt"
	"io"
	"strings"

	"github.com/mlsim/mlsim/intentclient"
	"github.com/mlsim/mlsim/topicd"
)

// servesProtocol: `simrun client --listen ADDR` serves the intent-client
// protocol (package intentclient); without --listen it is a live run's
// client process, driven on stdin.
func servesProtocol(args []string) bool {
	for _, a := range args {
		if a == "--listen" || a == "-listen" || strings.HasPrefix(a, "--listen=") || strings.HasPrefix(a, "-listen=") {
			return true
		}
	}
	return false
}

// ChildMain runs one of a live run's child processes: args are the role
// ("client" or "topicd") and its flags. simrun's `client` and `topicd`
// commands and the tests' re-executed binaries call it.
func ChildMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "live: want a role: client or topicd")
		return ClientExitSetup
	}
	switch args[0] {
	case "client":
		if servesProtocol(args[1:]) {
			return intentclient.Main(args[1:], stdout, stderr)
		}
		return RunClient(args[1:], stdin, stdout, stderr)
	case "topicd":
		return topicd.Main(args[1:], stderr)
	}
	fmt.Fprintf(stderr, "live: unknown role %q: want client or topicd\n", args[0])
	return ClientExitSetup
}
