package sim

// ScriptStep is one executed command and its output: a script block.
type ScriptStep struct {
	Cmd    Cmd
	Output string
}
