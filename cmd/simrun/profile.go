package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profiler writes the pprof profiles asked for by --cpuprofile and
// --memprofile around any subcommand, so a slow or large run can be
// explained with a profile rather than a guess.
type profiler struct {
	cpuPath, memPath string
	cpuFile          *os.File
}

func (p *profiler) register(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&p.cpuPath, "cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof)")
	f.StringVar(&p.memPath, "memprofile", "", "write a heap profile at the end of the command to this file (go tool pprof)")
}

func (p *profiler) start() error {
	if p.cpuPath == "" {
		return nil
	}
	f, err := os.Create(p.cpuPath)
	if err != nil {
		return usageError{fmt.Errorf("--cpuprofile: %w", err)}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	p.cpuFile = f
	return nil
}

// stop ends the CPU profile and writes the heap profile. It runs whether
// or not the command failed: a failing run is the one worth profiling.
func (p *profiler) stop() error {
	var first error
	if p.cpuFile != nil {
		pprof.StopCPUProfile()
		first = p.cpuFile.Close()
		p.cpuFile = nil
	}
	if p.memPath != "" {
		f, err := os.Create(p.memPath)
		if err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
		runtime.GC() // the heap profile shows live data as of the last GC
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			_ = f.Close()
			return fmt.Errorf("--memprofile: %w", err)
		}
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
