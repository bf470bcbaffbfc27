package live

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/internal/linearize"
	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/trace"
)

// finish runs the final checks, stops every process, checks the files
// and the server's order, and builds the run's summary.
func (h *harness) finish() (*results.RunSummary, error) {
	if err := h.checkStep(); err != nil {
		return nil, err
	}
	step := len(h.steps) + 1
	h.emit(trace.Step{Name: "check", Text: h.elapsed() + " check"})
	if _, err := h.check.Final(step, nil); err != nil {
		return nil, err
	}
	intents := h.intentCounts()

	// Stop every process before the files are checked whole.
	for _, c := range h.clients {
		if c.proc == nil {
			continue
		}
		if err := c.proc.stop(false, stopGrace); err != nil {
			h.problem("live-process", "", []string{c.account}, "%s: %v: %s", c.proc.name, err, c.proc.stderrTail())
		}
		c.proc = nil
	}
	for _, s := range h.servers {
		if s.proc == nil {
			continue
		}
		if err := s.proc.stop(true, stopGrace); err != nil {
			h.problem("live-process", "", nil, "%s: %v: %s", s.name, err, s.proc.stderrTail())
		}
		s.proc = nil
	}
	h.integrity()
	h.orderCheck()

	st := h.stats
	st.Note = "timing is real: the seed fixes the choices (actions, clients, kill moments), not how they interleave with the clients' own upkeep, so a live run is not reproducible byte for byte"
	st.Database, st.Servers, st.ClientProcesses = "sqlite", len(h.servers), len(h.clients)
	if h.cfg.DB != "" {
		st.Database = "postgres"
	}
	st.AckedIntents = len(h.acked)
	sum := &results.RunSummary{Scenario: h.sc.Name, Seed: h.cfg.Seed, Steps: len(h.steps), Clients: len(h.stores),
		Groups: len(h.check.Oracle.Groups()), Determinism: results.DeterminismSkipped, Converged: st.Converged,
		LivenessRounds: st.LivenessRounds, LivenessBound: h.stats.LivenessBound, Intents: intents, Events: h.events,
		FaultSites: map[string]int{}, ExtraCopies: h.check.Copies(), WallMillis: float64(time.Since(h.start).Milliseconds()),
		Trace: h.steps, Live: &st}
	sum.MembersMean, sum.MembersMax = h.groupSizes()
	for _, v := range h.check.Violations() {
		sum.Violations = append(sum.Violations, results.NewViolation(v, h.cfg.Seed, h.leadingTo(v)))
	}
	sum.Violations = append(sum.Violations, h.problems...)
	return sum, nil
}

// intentCounts reads every store's intents, and checks that each intent
// a client acknowledged is there.
func (h *harness) intentCounts() results.IntentCounts {
	var n results.IntentCounts
	held := map[string]map[int64]intentRow{}
	for _, inst := range h.installations() {
		rows, err := intentStates(h.stores[inst])
		if err != nil {
			h.problem("live-integrity", "", []string{inst}, "reading its intents: %v", err)
			continue
		}
		held[inst] = rows
		for _, r := range rows {
			n.Created++
			switch {
			case r.state == checker.StateCommitted && r.reason == "noop":
				n.Noop++
			case r.state == checker.StateCommitted:
				n.Committed++
			case r.state == checker.StateFailed:
				n.Failed++
			default:
				n.Open++
			}
		}
	}
	for _, a := range h.acked {
		if _, ok := held[a.inst][a.id]; !ok {
			h.problem("live-acked", "", []string{a.inst}, "acknowledged intent %d is not in its store", a.id)
		}
	}
	return n
}

// integrity runs PRAGMA integrity_check on every client file and on
// topicd's SQLite file.
func (h *harness) integrity() {
	paths := []string{}
	for _, c := range h.clients {
		for _, inst := range c.insts {
			paths = append(paths, h.storePath(c, inst))
		}
	}
	if h.cfg.DB == "" {
		paths = append(paths, h.db)
	}
	for _, p := range paths {
		if err := integrityCheck(p); err != nil {
			h.problem("live-integrity", "", nil, "%v", err)
			continue
		}
		h.stats.FilesChecked++
	}
}

// orderCheck checks the clients' observed histories against a totally
// ordered append-only log per topic (porcupine).
func (h *harness) orderCheck() {
	paths := []string{filepath.Join(h.dir, "harness-order.jsonl")}
	for _, c := range h.clients {
		for life := 1; life <= c.life; life++ {
			paths = append(paths, filepath.Join(c.dir, fmt.Sprintf("order-%d.jsonl", life)))
		}
	}
	hist, err := linearize.ReadFiles(paths...)
	if err != nil {
		h.problem("live-order", "", nil, "reading the observed histories: %v", err)
		h.stats.OrderCheck = "not checked: " + err.Error()
		return
	}
	ok, info := linearize.Options{Timeout: 2 * time.Minute}.Check(hist)
	h.stats.OrderCheck = info.String()
	switch {
	case ok:
	case info.Result == porcupine.Unknown:
		// Running out of time is neither a pass nor a violation; the
		// summary says it.
	default:
		page := filepath.Join(h.cfg.Out, "order.html")
		if err := info.WriteHTML(page); err != nil {
			page = "(not written: " + err.Error() + ")"
		}
		h.problem("live-order", strings.Join(info.Failing, ","), nil,
			"the clients' observed histories are not linearizable on %s; see %s", strings.Join(info.Failing, ", "), page)
	}
}

func (h *harness) installations() []string {
	out := make([]string, 0, len(h.stores))
	for inst := range h.stores {
		out = append(out, inst)
	}
	sort.Strings(out)
	return out
}

func (h *harness) groupSizes() (mean float64, most int) {
	groups := h.check.Oracle.Groups()
	if len(groups) == 0 {
		return 0, 0
	}
	total := 0
	for _, g := range groups {
		n := len(g.Members)
		total += n
		most = max(most, n)
	}
	return float64(total) / float64(len(groups)), most
}

// leadingTo is the last dozen steps up to a violation's that name its
// installations or group.
func (h *harness) leadingTo(v checker.Violation) []trace.Step {
	var out []trace.Step
	for i := min(v.Step, len(h.steps)) - 1; i >= 0 && len(out) < 12; i-- {
		st := h.steps[i]
		if st.Mentions(v.Group, v.Installations) {
			out = append(out, st)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
