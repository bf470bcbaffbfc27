//go:debug randseednop=0

// Command simrun runs the deterministic simulation: one seed (run), a
// range of seeds (sweep), or lists the scenarios (list). Exit status: 0
// when every property holds, 1 when one is violated (or a run was not
// deterministic), 2 for bad usage or input.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(execute(os.Args[1:]))
}

// usageError marks errors that are the caller's (exit status 2).
type usageError struct{ error }

// errViolated makes the exit status 1 after the output was printed.
var errViolated = errors.New("a property was violated")

func execute(args []string) int {
	root := newRootCommand()
	var prof profiler
	prof.register(root)
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return prof.start() }
	root.SetArgs(args)
	err := root.Execute()
	if perr := prof.stop(); perr != nil && err == nil {
		err = perr
	}
	var code exitCode
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errViolated):
		return 1
	case errors.As(err, &code):
		return int(code) // a live run's child process, which said why
	}
	// Bad usage or input (usageError), or anything else that stopped the
	// run before a verdict: 2.
	fmt.Fprintln(os.Stderr, "simrun:", err)
	return 2
}
