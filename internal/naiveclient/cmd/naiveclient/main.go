// Command naiveclient serves the naive intent client
// (internal/naiveclient) on --listen until it is killed. It is built for
// the conformance kit's tests only.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/mlsim/mlsim/internal/naiveclient"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

// run returns the exit code: 0 after --help, 2 for bad flags, 1 when
// serving fails.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("naiveclient", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "", "HOST:PORT to serve the intent-client protocol on (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: naiveclient --listen HOST:PORT")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *listen == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "naiveclient: --listen is required and there are no arguments")
		fs.Usage()
		return 2
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "naiveclient: %v\n", err)
		return 1
	}
	if err := naiveclient.Serve(lis); err != nil {
		fmt.Fprintf(stderr, "naiveclient: %v\n", err)
		return 1
	}
	return 0
}
