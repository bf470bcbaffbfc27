package checker

import (
	"fmt"
	"strings"
)

// Violation is one broken property.
type Violation struct {
	Property      string   `json:"property"`                // S1..S12, L1..L6
	Step          int      `json:"step"`                    // the step after which it was found (the last step for liveness)
	Group         string   `json:"group,omitempty"`         // "" when not about one group
	Installations []string `json:"installations,omitempty"` // who is involved, sorted
	Message       string   `json:"message"`
}

func (v Violation) String() string {
	who := strings.Join(v.Installations, ",")
	return fmt.Sprintf("%s step=%d group=%s installations=%s: %s", v.Property, v.Step, v.Group, who, v.Message)
}

// Names of the properties, for reports.
var PropertyNames = map[string]string{
	"S1":  "no fork",
	"S2":  "monotonic",
	"S3":  "exactly once",
	"S4":  "legal intent transitions",
	"S5":  "confidentiality",
	"S6":  "order",
	"S7":  "owed only",
	"S8":  "publish order",
	"S9":  "no needless copy",
	"S10": "justified NOOP",
	"S11": "content",
	"S12": "revoked stores nothing after",
	"S13": "policy obeyed",
	"L1":  "convergence",
	"L2":  "no intent lost",
	"L3":  "completeness",
	"L4":  "intent truth",
	"L5":  "welcomes",
	"L6":  "installations follow their account",
}
