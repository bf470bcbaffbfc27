// Package reports writes what a run or a sweep found, for people:
// summary.json (the data, enough to re-render), summary.md (for a terminal
// or a pull request) and index.html (one self-contained page: the template
// is embedded, the data inlined, the SVG, CSS and JS inline; nothing is
// loaded from the network).
//
// A live run's report (results.LiveRun set, `simrun live`) adds a "Live
// run" section — its note that timing is real, the processes, kills,
// restarts, network faults by kind, what was played and not, the order
// check — says "not reproducible" where a simulator's prints its trace
// hash and command, draws a wall-time axis over its timelines, and lists
// its kills, restarts, faults and the steps leading to violations by wall
// time (a live run's step texts begin "t=12.345s": the one piece of text
// the timeline reads, StepTime).
//
// A run's page draws a timeline per group — one lane per installation,
// epochs as bands, commits won and lost, re-sends, crashes, faults and
// welcomes as marks whose trace line shows on hover — and highlights each
// violation with the steps that led to it. A sweep's page lists the seeds,
// links the reports of failing seeds, and draws the event counts as bars.
//
// It renders from data only — package results (the summaries), trace (the
// typed steps: the timeline reads their fields, and of their text only a
// live run's leading time and process) and
// checker's property names — and imports none of the code that produced
// them (sim, engine, store, runner, …; a test checks), so summary.json can
// be re-rendered, or read by a tool, without the simulator.
//
// A conformance report (`simrun conform`, [ConformReport]) lists a client
// under test's scripts — a failed one opens on its first differing
// command, expected and got — and its seeded sweep's properties and
// failing seeds. Its summary states a verdict and counts, so they are
// checked against its scripts and seeds before it is written or
// re-rendered ([CheckConform]).
//
// API: [BuildTimeline], [WriteRun], [WriteSweep], [WriteConform], [Render],
// [RunReport], [SweepReport], [ConformReport], [NewConformReport].
package reports
