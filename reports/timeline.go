package reports

import (
	"sort"
	"strconv"
	"strings"
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
	"query_short_page": "fault", "store_transient": "fault", "group_broken": "broken", "member_removed": "removed",
}

// maxMarks bounds a page: a 10,000-step run stays well under 5 MB.
const (
	maxMarks    = 8000
	maxLineText = 160
)

// BuildTimeline reads a trace (lines "STEP command args -> outcome |
// events") into lanes, epoch bands and marks. lead are the trace lines
// that led to violations; their marks are always kept.
func BuildTimeline(trace []string, lead []string) Timeline {
	leadSet := map[string]bool{}
	for _, l := range lead {
		leadSet[l] = true
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
	for _, line := range trace {
		step, cmd, events := splitLine(line)
		tl.LastStep = max(tl.LastStep, step)
		actor, group := actorAndGroup(cmd)
		addLane(group, actor)
		text := line
		if len(text) > maxLineText {
			text = text[:maxLineText] + "…"
		}
		add := func(kind, g string) {
			marks = append(marks, Mark{Step: step, Group: g, Installation: actor, Kind: kind, Line: text, Lead: leadSet[line]})
		}
		switch {
		case strings.Contains(cmd, "client crashed at"):
			add("crash", group)
		case strings.HasPrefix(cmd, "restart "):
			add("restart", group)
		case strings.HasPrefix(cmd, "fault ") || strings.HasPrefix(cmd, "partition ") || strings.HasPrefix(cmd, "store-busy "):
			add("fault", group)
		}
		for _, ev := range events {
			f := strings.Fields(ev)
			if len(f) == 0 {
				continue
			}
			evGroup := group
			if len(f) > 1 && !strings.Contains(f[1], "=") {
				evGroup = f[1]
			}
			addLane(evGroup, actor)
			if f[0] == "commit_accepted" {
				for _, kv := range f[2:] {
					if e, ok := strings.CutPrefix(kv, "epoch="); ok {
						n, _ := strconv.ParseUint(e, 10, 64)
						if epochStart[evGroup] == nil {
							epochStart[evGroup] = map[uint64]int{}
						}
						if _, seen := epochStart[evGroup][n]; !seen {
							epochStart[evGroup][n] = step
						}
					}
				}
			}
			if kind, ok := markKinds[f[0]]; ok {
				add(kind, evGroup)
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

// splitLine splits "STEP text | events" into its parts.
func splitLine(line string) (int, string, []string) {
	stepText, rest, _ := strings.Cut(line, " ")
	step, _ := strconv.Atoi(stepText)
	cmd, events, found := strings.Cut(rest, " | ")
	if !found {
		return step, rest, nil
	}
	return step, cmd, strings.Split(events, "; ")
}

// actorAndGroup reads the acting installation and the group from a
// command's text.
func actorAndGroup(cmd string) (string, string) {
	head, _, _ := strings.Cut(cmd, " -> ")
	f := strings.Fields(head)
	if len(f) < 2 {
		return "", ""
	}
	switch f[0] {
	case "race", "garbage":
		return "", f[1]
	case "round", "fault":
		if len(f) > 2 {
			return f[2], ""
		}
	case "heal", "swarm", "clock", "land-delayed", "stabilize", "check":
		return "", ""
	}
	actor := f[1]
	if !strings.Contains(actor, "/") {
		actor = ""
	}
	group := ""
	if len(f) > 2 && !strings.Contains(f[2], "=") && !strings.Contains(f[2], "/") {
		switch f[0] {
		case "create-group", "add", "remove", "send", "key-update", "consent", "publish", "sync", "sync-begin":
			group = f[2]
		}
	}
	return actor, group
}
