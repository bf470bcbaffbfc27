package intentclient

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
)

// Exit codes of a serving client process.
const (
	ExitOK    = 0 // stopped by SIGTERM or SIGINT, or --help
	ExitRun   = 1 // serving failed
	ExitSetup = 2 // bad flags, an address it cannot listen on
)

// Main is `simrun client --listen ADDR`: our engine serving the
// intent-client protocol until SIGTERM or SIGINT. Its first line on
// stdout is "listening HOST:PORT" (the port chosen when ADDR asks for 0),
// so a driver may start it on port 0 and read where to connect.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "", "serve the intent-client protocol on HOST:PORT (required; port 0 picks one)")
	// On by default: this process exists to be driven by a harness, whose
	// scripts play Byzantine members through ForgeCommit.
	byzantine := fs.Bool("byzantine", true, "let ForgeCommit publish commits the policy forbids (a Byzantine member, for the harness's permission checks)")
	faultHooks := fs.Bool("fault-hooks", true, "serve ArmCrash, StoreBusy and Withhold (the harness's crashes and transient failures inside this client)")
	timeout := fs.Duration("timeout", 2*time.Second, "each topic server call's deadline")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitSetup
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "client: unexpected arguments %q\n", fs.Args())
		return ExitSetup
	case *listen == "":
		fmt.Fprintln(stderr, "client: --listen HOST:PORT is required")
		return ExitSetup
	case *timeout <= 0:
		fmt.Fprintln(stderr, "client: --timeout must be positive")
		return ExitSetup
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "client: --listen %s: %v\n", *listen, err)
		return ExitSetup
	}
	srv := NewServer(Options{Timeout: *timeout, Byzantine: *byzantine, FaultHooks: *faultHooks})
	g := grpc.NewServer(ServerOptions()...)
	srv.Register(g)
	fmt.Fprintf(stdout, "listening %s\n", lis.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(stop)
	served := make(chan error, 1)
	go func() { served <- g.Serve(lis) }()
	select {
	case <-stop:
		g.Stop() // ends the Observe streams too; a driver reconnecting sees the process gone
		<-served
	case err := <-served:
		_ = srv.Close()
		fmt.Fprintf(stderr, "client: serving: %v\n", err)
		return ExitRun
	}
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "client: closing the stores: %v\n", err)
		return ExitRun
	}
	return ExitOK
}
