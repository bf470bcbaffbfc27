package live

import (
	"fmt"
	"sort"
	"time"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/trace"
)

// faultPhase plays the scenario's mix for the run's duration, with the
// kills at their seeded moments, a checker step every second.
func (h *harness) faultPhase() error {
	if h.stats.NetworkFaults == nil {
		h.stats.NetworkFaults = map[string]int{}
	}
	w := h.weights()
	if len(w.actions) == 0 {
		return fmt.Errorf("scenario %s has no action a live run plays", h.sc.Name)
	}
	begin := time.Now()
	end := begin.Add(h.cfg.Duration)
	clientKills := h.killTimes(begin, h.cfg.ClientKills)
	serverKills := h.killTimes(begin, h.cfg.ServerKills)
	nextCheck := time.Now().Add(checkEvery)
	for time.Now().Before(end) {
		if err := h.restartDue(false); err != nil {
			return err
		}
		for _, c := range h.clients {
			if err := h.awaitReady(c, false); err != nil {
				return err
			}
		}
		// A kill whose moment came waits while every process of its
		// kind is down.
		if len(clientKills) > 0 && time.Now().After(clientKills[0]) && h.killClient() {
			clientKills = clientKills[1:]
		}
		if len(serverKills) > 0 && time.Now().After(serverKills[0]) && h.killServer() {
			serverKills = serverKills[1:]
		}
		if time.Now().After(nextCheck) {
			if err := h.checkStep(); err != nil {
				return err
			}
			nextCheck = time.Now().Add(checkEvery)
		}
		h.act(w)
		time.Sleep(time.Duration(5+h.rng.IntN(30)) * time.Millisecond)
	}
	h.stats.FaultMillis = float64(time.Since(begin).Milliseconds())
	// Kills the loop had no time for still happen: the counts are the
	// run's promise.
	for range clientKills {
		if err := h.restartDue(true); err != nil {
			return err
		}
		h.killClient()
	}
	for range serverKills {
		if err := h.restartDue(true); err != nil {
			return err
		}
		h.killServer()
	}
	return nil
}

// killTimes spreads n moments over the middle of the fault phase.
func (h *harness) killTimes(begin time.Time, n int) []time.Time {
	out := make([]time.Time, n)
	span := float64(h.cfg.Duration) * 0.85
	for i := range out {
		out[i] = begin.Add(time.Duration(float64(h.cfg.Duration)*0.05 + h.rng.Float64()*span))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// killClient SIGKILLs one running client process, by its pid; it comes
// back after a moment on the same files. It reports whether one was up.
func (h *harness) killClient() bool {
	up := h.upClients()
	if len(up) == 0 {
		return false
	}
	c := up[h.rng.IntN(len(up))]
	pid := c.proc.cmd.Process.Pid
	c.proc.kill()
	c.proc, c.restartAt = nil, time.Now().Add(time.Duration(200+h.rng.IntN(800))*time.Millisecond)
	h.stats.ClientKills++
	h.emit(trace.Step{Name: "kill", Text: fmt.Sprintf("%s kill %s pid=%d", h.elapsed(), c.account, pid), Actor: c.insts[0],
		Involves: c.insts[1:], Outcome: "SIGKILL", Crashed: true})
	return true
}

// killServer SIGKILLs one running topicd, by its pid; it comes back after
// a moment on the same database and address. It reports whether one was
// up.
func (h *harness) killServer() bool {
	var up []*server
	for _, s := range h.servers {
		if s.proc != nil {
			up = append(up, s)
		}
	}
	if len(up) == 0 {
		return false
	}
	s := up[h.rng.IntN(len(up))]
	pid := s.proc.cmd.Process.Pid
	s.proc.kill()
	s.proc = nil
	s.kills++
	h.stats.ServerKills++
	h.emit(trace.Step{Name: "kill", Text: fmt.Sprintf("%s kill %s pid=%d", h.elapsed(), s.name, pid), Outcome: "SIGKILL"})
	h.serverRestart = append(h.serverRestart, pendingServer{s, time.Now().Add(time.Duration(300+h.rng.IntN(1200)) * time.Millisecond)})
	return true
}

type pendingServer struct {
	s  *server
	at time.Time
}

// restartDue restarts the servers and clients whose moment came. With
// now set it restarts all of them, servers first, and then waits for
// every client still starting to be ready.
func (h *harness) restartDue(now bool) error {
	keep := h.serverRestart[:0]
	for _, p := range h.serverRestart {
		if !now && time.Now().Before(p.at) {
			keep = append(keep, p)
			continue
		}
		if err := h.startServer(p.s); err != nil {
			return err
		}
		h.stats.Restarts++
		h.emit(trace.Step{Name: "restart", Text: fmt.Sprintf("%s restart %s life=%d", h.elapsed(), p.s.name, p.s.life), Outcome: "ok"})
	}
	h.serverRestart = keep
	for _, c := range h.clients {
		if c.proc != nil || (!now && time.Now().Before(c.restartAt)) {
			continue
		}
		if err := h.startClient(c, false); err != nil {
			return err
		}
		h.stats.Restarts++
		h.emit(trace.Step{Name: "restart", Text: fmt.Sprintf("%s restart %s life=%d", h.elapsed(), c.account, c.life),
			Actor: c.insts[0], Involves: c.insts[1:], Outcome: "ok"})
	}
	if now {
		for _, c := range h.clients {
			if err := h.awaitReady(c, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkStep is one checker step: the calls every client process recorded
// since the last, then the stores and the log.
func (h *harness) checkStep() error {
	var calls []checker.Call
	n := len(h.steps)
	for _, c := range h.clients {
		for _, r := range c.readers {
			got, err := r.read(n)
			if err != nil {
				return err
			}
			calls = append(calls, got...)
		}
	}
	h.stats.CheckSteps++
	h.stats.Calls += len(calls)
	return h.check.Step(n, calls)
}

// livenessBound is the simulator's bound on the liveness rounds (a round
// per open intent's commit and its read-back, one per installation for
// welcome chains, and a constant), and at least minRounds: real time
// brings reconnections the simulator does not have.
func (h *harness) livenessBound() int {
	open := 0
	for _, inst := range h.installations() {
		rows, err := intentStates(h.stores[inst])
		if err != nil {
			continue // counted at the end, where a read that fails is a finding
		}
		for _, r := range rows {
			if r.state == checker.StateToSend || r.state == checker.StatePublished {
				open++
			}
		}
	}
	return max(minRounds, 8+len(h.stores)+2*open)
}

// livenessPhase heals everything, stops the clients' own upkeep, and runs
// rounds of every installation's Upkeep until a round changes nothing.
func (h *harness) livenessPhase() error {
	// Clients restarted late in the fault phase may not have said they
	// are ready yet: restartDue waits for them.
	if err := h.restartDue(true); err != nil {
		return err
	}
	h.emit(trace.Step{Name: "heal", Text: h.elapsed() + " heal"})
	for _, c := range h.clients {
		h.command(c, "", Command{Op: OpHeal})
		h.command(c, "", Command{Op: OpPause})
	}
	bound := h.livenessBound()
	h.stats.LivenessBound = bound
	for round := 1; round <= bound; round++ {
		if err := h.restartDue(true); err != nil {
			return err
		}
		if err := h.checkStep(); err != nil {
			return err
		}
		before := h.log.Count()
		quiet, failed := true, false
		for _, c := range h.clients {
			// As in the simulator, a round is quiet when nothing lands
			// and no event happens; an error that is not the network's
			// (a removed group's subscription that cannot reopen) shows
			// in the trace but is no progress.
			r := h.command(c, "", Command{Op: OpUpkeep})
			quiet = quiet && !r.Failed && !r.Changed
			failed = failed || r.Failed || !c.up()
		}
		h.stats.LivenessRounds = round
		if err := h.checkStep(); err != nil {
			return err
		}
		if quiet && h.log.Count() == before {
			h.stats.Converged = true
			return nil
		}
		if failed {
			// A network error in a healed world is a connection still
			// coming back (a restarted server): give it time, not rounds.
			time.Sleep(min(time.Duration(round)*200*time.Millisecond, 2*time.Second))
		}
	}
	// As in the simulator: a liveness phase that does not settle within
	// its bound is a convergence failure.
	h.check.Report(checker.Violation{Property: "L1", Step: len(h.steps),
		Message: fmt.Sprintf("the liveness phase did not settle within its bound of %d rounds", bound)})
	return nil
}
