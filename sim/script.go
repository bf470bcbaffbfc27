package sim

import "fmt"

// ScriptStep is one executed command and its output: a script block.
type ScriptStep struct {
	Cmd    Cmd
	Output string
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
