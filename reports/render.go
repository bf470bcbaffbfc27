package reports

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"sort"
	"strings"

	"github.com/mlsim/mlsim/results"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.ParseFS(templateFS, "templates/*.tmpl"))

// Geometry of a group's timeline.
const (
	pageWidth  = 1200
	labelWidth = 110
	laneHeight = 18
	topMargin  = 16
)

type runView struct {
	R            *RunReport
	Reproduce    string // the command that runs this seed again
	Verdict      string
	VerdictClass string
	Violations   []violationView
	Groups       []groupView
	Events       []eventCount
	FaultSites   faultSiteTable
	// Live is a live run's section (nil for a simulator's run); TraceHash
	// is the trace hash, or for a live run that it has none.
	Live      *liveView
	TraceHash string
	// Clock is a live run's time axis over the timelines; Moments its
	// wall-time table.
	Clock       []clockTickView
	ClockWidth  int
	Moments     []moment
	MomentsMore int
	// LiveFaultSites stands for the fault-site table in a live run's page.
	LiveFaultSites string
}

type clockTickView struct {
	X      int
	LabelX int
	Label  string
}

type violationView struct {
	ID, Property, Name, Group, Installations, Message string
	Step                                              int
	Trace                                             []string
}

type groupView struct {
	ID            string
	Width, Height int
	Bands         []bandView
	Lanes         []laneView
	Marks         []markView
	Violations    []violationMarker
}

type bandView struct {
	X, W, H      int
	Label, Class string
}

type laneView struct {
	Name             string
	X1, X2, Y, TextY int
}

type markView struct {
	X, Y, Step   int
	Kind, Line   string
	Installation string
	Lead         bool
	Time         string // a live run's wall time, "" for a simulator's
}

type violationMarker struct {
	ID, Label         string
	X, LabelX, Y2, LY int
}

type eventCount struct {
	Name  string
	Count int
	Width int
}

func verdict(failed bool) (string, string) {
	if failed {
		return "FAIL", "fail"
	}
	return "PASS", "pass"
}

// runParams is the world of a run report: recorded, or for a report
// written before worlds were recorded, read back from its scenario label.
func runParams(r *RunReport) results.Params {
	if r.World != nil {
		return *r.World
	}
	return results.ParamsFromName(r.Scenario, r.Steps)
}

func renderRun(r *RunReport) (Files, error) {
	v := runView{R: r, Reproduce: runParams(r).RunCommand(r.Seed), Events: sortedEvents(r.Events, 0), FaultSites: buildFaultSiteTable(r.FaultSites)}
	v.Verdict, v.VerdictClass = verdict(r.Failed())
	v.TraceHash = r.TraceSHA256
	if r.Live != nil {
		v.Live, v.TraceHash, v.Reproduce = newLiveView(&r.RunSummary), notReproducible, notReproducible
	}
	for i, x := range r.Violations {
		v.Violations = append(v.Violations, violationView{ID: fmt.Sprintf("violation-%d", i+1), Property: x.Property,
			Name: x.Name, Group: x.Group, Installations: strings.Join(x.Installations, ","), Message: x.Message,
			Step: x.Step, Trace: x.Trace})
	}
	last := max(r.Timeline.LastStep, 1)
	x := func(step int) int { return labelWidth + step*(pageWidth-labelWidth-10)/last }
	for _, t := range r.Timeline.Clock {
		v.Clock = append(v.Clock, clockTickView{X: x(t.Step), LabelX: x(t.Step) + 2, Label: fmt.Sprintf("%gs", t.Seconds)})
	}
	v.ClockWidth = pageWidth
	v.Moments, v.MomentsMore = moments(r.Timeline, r.Violations)
	v.LiveFaultSites = liveFaultSites
	for _, g := range r.Timeline.Groups {
		gv := groupView{ID: g.ID, Width: pageWidth, Height: topMargin + laneHeight*max(len(g.Installations), 1) + 8}
		laneY := map[string]int{}
		for i, inst := range g.Installations {
			y := topMargin + laneHeight*i + laneHeight/2
			laneY[inst] = y
			gv.Lanes = append(gv.Lanes, laneView{Name: inst, X1: labelWidth, X2: pageWidth - 4, Y: y, TextY: y + 4})
		}
		for i, b := range g.Epochs {
			class := "band-even"
			if i%2 == 1 {
				class = "band-odd"
			}
			gv.Bands = append(gv.Bands, bandView{X: x(b.FromStep), W: max(x(b.ToStep)-x(b.FromStep), 1), H: gv.Height,
				Label: fmt.Sprintf("e%d", b.Epoch), Class: class})
		}
		for _, m := range r.Timeline.Marks {
			y, ok := laneY[m.Installation]
			if m.Group != g.ID || !ok {
				continue
			}
			gv.Marks = append(gv.Marks, markView{X: x(m.Step) - 3, Y: y - 5, Step: m.Step, Kind: m.Kind, Line: m.Line,
				Installation: m.Installation, Lead: m.Lead, Time: m.Time})
		}
		for _, vv := range v.Violations {
			if vv.Group != "" && vv.Group != g.ID {
				continue
			}
			// Labels of violations at the same step stack upwards.
			same := 0
			for _, o := range gv.Violations {
				if o.X == x(vv.Step) {
					same++
				}
			}
			gv.Violations = append(gv.Violations, violationMarker{ID: vv.ID, Label: fmt.Sprintf("%s @ %d", vv.Property, vv.Step),
				X: x(vv.Step), LabelX: min(x(vv.Step)+4, pageWidth-80), Y2: gv.Height - 2, LY: gv.Height - 4 - 12*same})
		}
		v.Groups = append(v.Groups, gv)
	}
	page, err := renderFile("index.html", "run.html.tmpl", v)
	if err != nil {
		return nil, err
	}
	return Files{"index.html": page, "summary.md": []byte(runMarkdown(r))}, nil
}

type sweepView struct {
	R            *SweepReport
	Verdict      string
	VerdictClass string
	WallSeconds  float64
	Failing      []failingSeed
	Events       []eventCount
	FaultSites   faultSiteTable
	Rows         []seedRow
}

type failingSeed struct {
	Seed                  uint64
	Link, What, Reproduce string
}

type seedRow struct {
	Seed           uint64
	Verdict        string
	Failed         bool
	Steps, Clients int
	Events         int
	Hash, Link     string
}

func renderSweep(r *SweepReport) (Files, error) {
	p := r.World()
	v := sweepView{R: r, WallSeconds: r.WallMillis / 1000, Events: sortedEvents(r.Events, 400), FaultSites: buildFaultSiteTable(r.FaultSites)}
	v.Verdict, v.VerdictClass = verdict(r.Failed > 0)
	for _, run := range r.Runs {
		total := 0
		for _, n := range run.Events {
			total += n
		}
		link := r.SeedReports[fmt.Sprint(run.Seed)]
		verdictText, _ := verdict(run.Failed())
		v.Rows = append(v.Rows, seedRow{Seed: run.Seed, Verdict: verdictText, Failed: run.Failed(), Steps: run.Steps,
			Clients: run.Clients, Events: total, Hash: shortHash(run.TraceSHA256), Link: link})
		if run.Failed() {
			var what []string
			for _, x := range run.Violations {
				what = append(what, fmt.Sprintf("%s (%s) at step %d", x.Property, results.PropertyName(x.Property), x.Step))
			}
			if run.Determinism == "mismatch" {
				what = append(what, "not deterministic")
			}
			if run.WorkerDied != "" {
				what = append(what, "worker died: "+firstLine(run.WorkerDied))
			}
			v.Failing = append(v.Failing, failingSeed{Seed: run.Seed, Link: link, What: strings.Join(dedupe(what), "; "),
				Reproduce: p.RunCommand(run.Seed)})
		}
	}
	page, err := renderFile("index.html", "sweep.html.tmpl", v)
	if err != nil {
		return nil, err
	}
	return Files{"index.html": page, "summary.md": []byte(sweepMarkdown(r))}, nil
}

func renderFile(name, tmpl string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, tmpl, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// sortedEvents lists event counts by name; bars scale to barWidth.
func sortedEvents(ev map[string]int, barWidth int) []eventCount {
	top := 1
	for _, n := range ev {
		top = max(top, n)
	}
	var out []eventCount
	for name, n := range ev {
		out = append(out, eventCount{Name: name, Count: n, Width: max(n*barWidth/top, 1)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
