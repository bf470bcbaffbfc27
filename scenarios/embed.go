package scenarios

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

// scriptFiles are the conformance and regression scripts, built in so
// that `simrun conform` runs them wherever the binary is.
//
//go:embed testdata/conformance/*.txt testdata/regressions/*.txt
var scriptFiles embed.FS

// ScriptFile is one built-in script.
type ScriptFile struct {
	Name string // "conformance/01-same-account-added-twice"
	Text []byte
}

// BuiltinScripts returns every conformance script, then every regression
// script, each sorted by name.
func BuiltinScripts() []ScriptFile {
	var out []ScriptFile
	for _, dir := range []string{"conformance", "regressions"} {
		entries, _ := fs.ReadDir(scriptFiles, "testdata/"+dir) // embedded: cannot fail
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		for _, n := range names {
			text, _ := scriptFiles.ReadFile("testdata/" + dir + "/" + n)
			out = append(out, ScriptFile{Name: dir + "/" + strings.TrimSuffix(n, ".txt"), Text: text})
		}
	}
	return out
}
