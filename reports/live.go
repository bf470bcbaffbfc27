package reports

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mlsim/mlsim/results"
)

// notReproducible stands where a simulator's report prints its trace hash
// and the command that reproduces it: a live run has neither.
const notReproducible = "not reproducible (live run: timing is real)"

// liveView is a live run's section of its page and summary.md: what
// results.LiveRun holds, its maps as rows in key order.
type liveView struct {
	*results.LiveRun
	FaultSeconds  string
	NetworkFaults []keyCount
	FaultsTotal   int
	NotPlayed     []keyReason
	Rerun         string // the command making the same choices again
}

type keyCount struct {
	Key   string
	Count int
}

type keyReason struct {
	Key, Reason string
}

func newLiveView(r *results.RunSummary) *liveView {
	l := r.Live
	if l == nil {
		return nil
	}
	v := &liveView{LiveRun: l, FaultSeconds: "not recorded", Rerun: liveCommand(r)}
	if l.FaultMillis > 0 {
		v.FaultSeconds = fmt.Sprintf("%.1f s", l.FaultMillis/1000)
	}
	for _, k := range slices.Sorted(maps.Keys(l.NetworkFaults)) {
		v.NetworkFaults = append(v.NetworkFaults, keyCount{k, l.NetworkFaults[k]})
		v.FaultsTotal += l.NetworkFaults[k]
	}
	for _, k := range slices.Sorted(maps.Keys(l.NotPlayed)) {
		v.NotPlayed = append(v.NotPlayed, keyReason{k, l.NotPlayed[k]})
	}
	return v
}

// liveCommand is `simrun live` with what the summary records of its
// flags: it makes the same choices again, not the same run.
func liveCommand(r *results.RunSummary) string {
	l := r.Live
	cmd := fmt.Sprintf("simrun live --scenario %s --seed %d --clients %d", r.Scenario, r.Seed, l.ClientProcesses)
	if l.FaultMillis > 0 {
		cmd += fmt.Sprintf(" --duration %gs", float64(int64(l.FaultMillis/100+0.5))/10)
	} else {
		cmd += " --duration D"
	}
	if l.Servers > 1 {
		cmd += fmt.Sprintf(" --servers %d", l.Servers)
	}
	return cmd + " --out DIR"
}

// momentKinds are the marks a live run's wall-time table lists: what was
// done to the processes and the network, and what went wrong.
var momentKinds = map[string]bool{"crash": true, "restart": true, "fault": true, "lost": true, "broken": true}

// maxMoments bounds the wall-time table (the timeline above it holds them
// all).
const maxMoments = 300

// moment is one row of the wall-time table: a step, once however many
// lanes its marks are on.
type moment struct {
	Time, Kind, Line string
	Step             int
	Installations    string
	Lead             bool
}

// moments lists, in step order, the timed steps with a mark of a
// momentKinds kind or leading to a violation (the violation's lead lines:
// not every step has a mark); more counts those left out.
func moments(tl Timeline, violations []results.Violation) (rows []moment, more int) {
	at := map[int]int{} // step -> row
	insts := map[int][]string{}
	for _, v := range violations {
		for _, line := range v.Trace {
			t := lineTime(line)
			n, err := strconv.Atoi(strings.SplitN(line, " ", 2)[0])
			if t == "" || err != nil {
				continue
			}
			kind := "leads to " + v.Property
			if i, seen := at[n]; seen {
				if !strings.Contains(rows[i].Kind, kind) {
					rows[i].Kind += ", " + v.Property
				}
				continue
			}
			text := line
			if len(text) > maxLineText {
				text = text[:maxLineText] + "…"
			}
			at[n] = len(rows)
			// Its installations are the marks' (below): a trace line
			// names its actor only in its text.
			rows = append(rows, moment{Time: t, Kind: kind, Line: text, Step: n, Lead: true})
		}
	}
	for _, m := range tl.Marks {
		if m.Time == "" || !(momentKinds[m.Kind] || m.Lead) {
			continue
		}
		i, seen := at[m.Step]
		if !seen {
			i = len(rows)
			at[m.Step] = i
			rows = append(rows, moment{Time: m.Time, Kind: m.Kind, Line: m.Line, Step: m.Step})
		}
		if !slices.Contains(insts[m.Step], m.Installation) {
			insts[m.Step] = append(insts[m.Step], m.Installation)
		}
		if !strings.Contains(" "+rows[i].Kind+" ", " "+m.Kind+" ") {
			rows[i].Kind = strings.TrimSpace(m.Kind + " " + rows[i].Kind)
		}
		rows[i].Lead = rows[i].Lead || m.Lead
	}
	slices.SortStableFunc(rows, func(a, b moment) int { return a.Step - b.Step })
	for i := range rows {
		list := insts[rows[i].Step]
		slices.Sort(list)
		list = slices.Compact(list)
		rows[i].Installations = strings.Join(list, ",")
	}
	if len(rows) > maxMoments {
		return rows[:maxMoments], len(rows) - maxMoments
	}
	return rows, 0
}

// liveMarkdown is summary.md's "Live run" section.
func liveMarkdown(b *strings.Builder, r *results.RunSummary) {
	v := newLiveView(r)
	if v == nil {
		return
	}
	fmt.Fprintf(b, "## Live run\n\n> %s\n\n", v.Note)
	fmt.Fprintf(b, "| database | servers | client processes | fault phase | client kills | server kills | restarts |\n|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(b, "| %s | %d | %d | %s | %d | %d | %d |\n\n", v.Database, v.Servers, v.ClientProcesses, v.FaultSeconds,
		v.ClientKills, v.ServerKills, v.Restarts)
	fmt.Fprintf(b, "Network faults: %d.\n\n", v.FaultsTotal)
	if len(v.NetworkFaults) > 0 {
		fmt.Fprintf(b, "| network fault | count |\n|---|---|\n")
		for _, f := range v.NetworkFaults {
			fmt.Fprintf(b, "| %s | %d |\n", f.Key, f.Count)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "Actions: %d played, %d skipped (client down). Acknowledged intents: %d (every one must be in its store). "+
		"Checker: %d steps over %d calls. Files passing integrity_check: %d. Liveness: %d rounds, converged %t.\n\n",
		v.Actions, v.Skipped, v.AckedIntents, v.CheckSteps, v.Calls, v.FilesChecked, v.LivenessRounds, v.Converged)
	fmt.Fprintf(b, "Order check (linearizability): %s\n\n", orNone(v.OrderCheck))
	fmt.Fprintf(b, "Same choices again (not the same run): `%s`\n\n", v.Rerun)
	if len(v.NotPlayed) > 0 {
		fmt.Fprintf(b, "Not played (no live counterpart):\n\n| action | why |\n|---|---|\n")
		for _, n := range v.NotPlayed {
			fmt.Fprintf(b, "| %s | %s |\n", n.Key, n.Reason)
		}
		b.WriteString("\n")
	}
}

// wallTimeMarkdown is summary.md's wall-time table of a live run's
// moments (none for a simulator's run: its steps carry no time).
func wallTimeMarkdown(b *strings.Builder, tl Timeline, violations []results.Violation) {
	rows, more := moments(tl, violations)
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(b, "## Timeline (wall time)\n\nKills, restarts, faults, lost commits and the steps leading to violations (**bold**).\n\n")
	fmt.Fprintf(b, "| time | step | what | installations | line |\n|---|---|---|---|---|\n")
	for _, m := range rows {
		step := fmt.Sprint(m.Step)
		if m.Lead {
			step = "**" + step + "**"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | `%s` |\n", m.Time, step, m.Kind, m.Installations, strings.ReplaceAll(m.Line, "|", "\\|"))
	}
	if more > 0 {
		fmt.Fprintf(b, "\n%d more in summary.json (timeline.marks).\n", more)
	}
	b.WriteString("\n")
}

func orNone(s string) string {
	if s == "" {
		return "(none recorded)"
	}
	return s
}

// liveFaultSites stands for the fault-site table in a live run's report:
// its faults are dealt to processes and calls, not engine call sites.
const liveFaultSites = "Not counted in a live run: its faults are the SIGKILLs and network faults of the live section, not faults at the engine's call sites."
