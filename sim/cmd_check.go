package sim

import (
	"fmt"
	"strings"
)

// check: the final properties (liveness, and everything safety found so
// far); its output lists the violations, or ok.
func (w *World) cmdCheck(c Cmd) (result, error) {
	w.final()
	vs := w.violations()
	if len(vs) == 0 {
		return result{out: "ok"}, nil
	}
	var lines []string
	for _, v := range vs {
		lines = append(lines, fmt.Sprintf("%s %s", v.Property, strings.SplitN(v.Message, "\n", 2)[0]))
	}
	return result{out: fmt.Sprintf("%d violations: %s", len(vs), strings.Join(lines, "; "))}, nil
}
