package reports

import (
	"sort"

	"github.com/mlsim/mlsim/trace"
)

// Timeline is what a run's page draws, built from the trace.
type Timeline struct {
	LastStep int         `json:"last_step"`
	Groups   []GroupLane `json:"groups"`
	Marks    []Mark      `json:"marks"`
	// Dropped counts marks left out to keep the page small (never marks
	// that lead to a violation).
	Dropped int `json:"dropped,omitempty"`
}

// GroupLane is one group: its installations' lanes and its epochs.
type GroupLane struct {
	ID            string      `json:"id"`
	Installations []string    `json:"installations"`
	Epochs        []EpochBand `json:"epochs"`
}

// EpochBand is the steps during which an epoch was the newest one any
// client had entered.
type EpochBand struct {
	Epoch    uint64 `json:"epoch"`
	FromStep int    `json:"from"`
	ToStep   int    `json:"to"`
}

// Mark is one thing worth seeing at a step on a lane.
type Mark struct {
	Step         int    `json:"step"`
	Group        string `json:"group"`
	Installation string `json:"installation"`
	Kind         string `json:"kind"`
	Line         string `json:"line"`
	Lead         bool   `json:"lead,omitempty"` // one of the steps that led to a violation
}

// Mark kinds, in drawing order of importance.
var markKinds = map[string]string{
	"commit_won": "commit", "commit_lost": "lost", "rebuilt": "lost", "resent_same_bytes": "resend",
	"welcome_sent": "welcome", "welcome_applied": "welcome", "welcome_withheld": "welcome",
	"publish_lost": "fault", "publish_ambiguous": "fault", "publish_delayed": "fault", "query_error": "fault",
	"query_short_page": "fault", "store_busy": "fault", "group_broken": "broken", "member_removed": "removed",
}

// maxMarks bounds a page: a 10,000-step run stays well under 5 MB.
const (
	maxMarks    = 8000
	maxLineText = 160
)

// BuildTimeline lays a run's steps out as lanes, epoch bands and marks. A
// step's actor and group give its lane; each event goes on the lane of
// the installation it happened to, in its group (the step's when it names
// none). lead are the steps that led to violations; their marks are
// always kept.
func BuildTimeline(steps []trace.Step, lead []trace.Step) Timeline {
	leadSet := map[int]bool{}
	for _, st := range lead {
		leadSet[st.N] = true
	}
	lanes := map[string]map[string]bool{} // group -> installations
	var groupOrder []string
	addLane := func(group, inst string) {
		if group == "" {
			return
		}
		if lanes[group] == nil {
			lanes[group] = map[string]bool{}
			groupOrder = append(groupOrder, group)
		}
		if inst != "" {
			lanes[group][inst] = true
		}
	}
	epochStart := map[string]map[uint64]int{}
	var tl Timeline
	var marks []Mark
	for _, st := range steps {
		tl.LastStep = max(tl.LastStep, st.N)
		addLane(st.Group, st.Actor)
		text := st.String()
		if len(text) > maxLineText {
			text = text[:maxLineText] + "…"
		}
		add := func(kind, group, inst string) {
			marks = append(marks, Mark{Step: st.N, Group: group, Installation: inst, Kind: kind, Line: text, Lead: leadSet[st.N]})
		}
		switch {
		case st.Crashed:
			add("crash", st.Group, st.Actor)
		case st.Name == "restart":
			add("restart", st.Group, st.Actor)
		case st.Name == "fault" || st.Name == "partition" || st.Name == "store-busy":
			add("fault", st.Group, st.Actor)
		}
		for _, ev := range st.Events {
			group, inst := ev.Group, ev.Installation
			if group == "" {
				group = st.Group
			}
			if inst == "" {
				inst = st.Actor
			}
			addLane(group, inst)
			if ev.Kind == "commit_accepted" && ev.Epoch != 0 {
				if epochStart[group] == nil {
					epochStart[group] = map[uint64]int{}
				}
				if _, seen := epochStart[group][ev.Epoch]; !seen {
					epochStart[group][ev.Epoch] = st.N
				}
			}
			if kind, ok := markKinds[ev.Kind]; ok {
				add(kind, group, inst)
			}
		}
	}
	for _, g := range groupOrder {
		lane := GroupLane{ID: g}
		for inst := range lanes[g] {
			lane.Installations = append(lane.Installations, inst)
		}
		sort.Strings(lane.Installations)
		var epochs []uint64
		for e := range epochStart[g] {
			epochs = append(epochs, e)
		}
		sort.Slice(epochs, func(i, j int) bool { return epochs[i] < epochs[j] })
		for i, e := range epochs {
			to := tl.LastStep
			if i+1 < len(epochs) {
				to = epochStart[g][epochs[i+1]]
			}
			lane.Epochs = append(lane.Epochs, EpochBand{Epoch: e, FromStep: epochStart[g][e], ToStep: to})
		}
		tl.Groups = append(tl.Groups, lane)
	}
	// Marks without a group (a crash during a key package upload, a fault
	// armed for an installation) go on that installation's lane in every
	// group it has one in.
	for _, m := range marks {
		if m.Group != "" {
			tl.Marks = append(tl.Marks, m)
			continue
		}
		for _, g := range groupOrder {
			if lanes[g][m.Installation] {
				m.Group = g
				tl.Marks = append(tl.Marks, m)
			}
		}
	}
	tl.Marks, tl.Dropped = bound(tl.Marks)
	return tl
}

// bound keeps at most maxMarks marks: every lead mark, then the rarest
// kinds first (welcomes and faults are many; commits lost and crashes few).
func bound(marks []Mark) ([]Mark, int) {
	if len(marks) <= maxMarks {
		return marks, 0
	}
	priority := map[string]int{"broken": 0, "crash": 1, "lost": 2, "resend": 3, "removed": 4, "restart": 5, "commit": 6, "fault": 7, "welcome": 8}
	idx := make([]int, len(marks))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ma, mb := marks[idx[a]], marks[idx[b]]
		if ma.Lead != mb.Lead {
			return ma.Lead
		}
		return priority[ma.Kind] < priority[mb.Kind]
	})
	keep := map[int]bool{}
	for _, i := range idx[:maxMarks] {
		keep[i] = true
	}
	var out []Mark
	for i, m := range marks {
		if keep[i] {
			out = append(out, m)
		}
	}
	return out, len(marks) - len(out)
}
