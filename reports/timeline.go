package reports

import (
	"sort"
	"strconv"
	"strings"

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
	// Clock is a live run's time axis: the first step at or after each
	// tick of wall time (steps of a live run begin "t=12.345s"). A
	// simulator's steps carry no time, and its timeline no clock.
	Clock []ClockTick `json:"clock,omitempty"`
}

// ClockTick is the first step at or after Seconds of wall time.
type ClockTick struct {
	Seconds float64 `json:"s"`
	Step    int     `json:"step"`
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
	// Time is the step's wall time ("12.345s") in a live run, "" in a
	// simulator's.
	Time string `json:"time,omitempty"`
}

// StepTime is the wall time a live run's step text begins with: "12.345s"
// and 12.345 for "t=12.345s send alice/1 g0 m3"; ok is false for any other
// text (a simulator's steps have none).
func StepTime(text string) (t string, seconds float64, ok bool) {
	rest, found := strings.CutPrefix(text, "t=")
	if !found {
		return "", 0, false
	}
	t, _, _ = strings.Cut(rest, " ")
	num, found := strings.CutSuffix(t, "s")
	if !found {
		return "", 0, false
	}
	seconds, err := strconv.ParseFloat(num, 64)
	if err != nil || seconds < 0 {
		return "", 0, false
	}
	return t, seconds, true
}

// lineTime is the wall time of a trace line ("12 t=1.5s send …"): the
// time of the step text after its number.
func lineTime(line string) string {
	_, text, _ := strings.Cut(line, " ")
	t, _, _ := StepTime(text)
	return t
}

// clockTicks is the time axis of steps with times: about ten ticks, a
// round number of seconds apart.
func clockTicks(times []stepClock) []ClockTick {
	if len(times) == 0 {
		return nil
	}
	last := times[len(times)-1].seconds
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600} {
		step = s
		if last/s <= 10 {
			break
		}
	}
	var ticks []ClockTick
	next := 0.0
	for _, c := range times {
		if c.seconds < next {
			continue
		}
		for next+step <= c.seconds {
			next += step
		}
		ticks = append(ticks, ClockTick{Seconds: next, Step: c.n})
		next += step
	}
	return ticks
}

type stepClock struct {
	n       int
	seconds float64
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
	var clock []stepClock // steps with a wall time, in order (a live run)
	for _, st := range steps {
		tl.LastStep = max(tl.LastStep, st.N)
		addLane(st.Group, st.Actor)
		text := st.String()
		if len(text) > maxLineText {
			text = text[:maxLineText] + "…"
		}
		at, seconds, timed := StepTime(st.Text)
		if timed && (len(clock) == 0 || seconds >= clock[len(clock)-1].seconds) {
			clock = append(clock, stepClock{n: st.N, seconds: seconds})
		}
		add := func(kind, group, inst string) {
			marks = append(marks, Mark{Step: st.N, Group: group, Installation: inst, Kind: kind, Line: text, Lead: leadSet[st.N], Time: at})
		}
		actor := st.Actor
		if timed && actor == "" {
			actor = liveProcess(st)
		}
		switch {
		case st.Crashed || (timed && st.Name == "kill"):
			add("crash", st.Group, actor)
		case st.Name == "restart":
			add("restart", st.Group, actor)
		case st.Name == "fault" || st.Name == "partition" || st.Name == "store-busy":
			add("fault", st.Group, actor)
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
	// group it has one in. In a live run, a step acts on a process: a
	// client's (named by its account, "alice": the lanes of its
	// installations) or a server's (no lane of its own: every lane).
	live := len(clock) > 0
	for _, m := range marks {
		if m.Group != "" {
			tl.Marks = append(tl.Marks, m)
			continue
		}
		placed := false
		for _, g := range groupOrder {
			if lanes[g][m.Installation] {
				m.Group = g
				tl.Marks = append(tl.Marks, m)
				placed = true
			}
		}
		if placed || !live {
			continue
		}
		var byAccount, every []Mark
		for _, g := range groupOrder {
			for _, inst := range sortedKeys(lanes[g]) {
				lm := m
				lm.Group, lm.Installation = g, inst
				every = append(every, lm)
				if m.Installation != "" && strings.HasPrefix(inst, m.Installation+"/") {
					byAccount = append(byAccount, lm)
				}
			}
		}
		if len(byAccount) > 0 {
			tl.Marks = append(tl.Marks, byAccount...)
		} else if m.Installation != "" {
			tl.Marks = append(tl.Marks, every...)
		}
	}
	tl.Marks, tl.Dropped = bound(tl.Marks)
	tl.Clock = clockTicks(clock)
	return tl
}

// liveProcess is the process a live run's step without an actor names
// after its command ("t=1.2s fault alice drop-query 0ms": a client's
// account; "t=9.4s kill topicd-1 pid=…": a server), "" if none.
func liveProcess(st trace.Step) string {
	f := strings.Fields(st.Text)
	if len(f) < 3 || f[1] != st.Name {
		return ""
	}
	return f[2]
}

func sortedKeys(set map[string]bool) []string {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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
