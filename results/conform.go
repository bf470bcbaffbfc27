package results

// Conformance is what `simrun conform` reports: a client under test,
// judged script by script and then over a seeded sweep, by the same
// worlds and checker our engine is judged by (package conform).
type Conformance struct {
	// Client is the command that started the client under test;
	// Implementation and Features are what it said in Hello.
	Client         string   `json:"client"`
	Implementation string   `json:"implementation"`
	Features       []string `json:"features"`
	// Verdict is PASS when every script passed or was unsupported and
	// every sweep seed passed; FAIL otherwise.
	Verdict string          `json:"verdict"`
	Scripts []ScriptOutcome `json:"scripts"`
	// Passed, Failed, Unsupported and Broken count the scripts by status.
	Passed      int `json:"passed"`
	Failed      int `json:"failed"`
	Unsupported int `json:"unsupported"`
	Broken      int `json:"broken"`
	// Sweep is the seeded sweep, nil when none was asked for.
	Sweep      *ConformanceSweep `json:"sweep,omitempty"`
	WallMillis float64           `json:"wall_ms"`
}

// ScriptOutcome is one script run against the client under test.
type ScriptOutcome struct {
	Name string `json:"name"`
	// Status: passed, failed, unsupported or error (the kit could not
	// run it).
	Status string `json:"status"`
	// The first command whose output differs: its line in the script,
	// the command, and the two outputs as compared.
	Line     int    `json:"line,omitempty"`
	Command  string `json:"command,omitempty"`
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
	// Properties are those the checker found violated (a script may
	// expect some: a defence switched off); Violations one line each.
	Properties []string `json:"properties,omitempty"`
	Violations []string `json:"violations,omitempty"`
	Why        string   `json:"why,omitempty"`
	Commands   int      `json:"commands"`
	Millis     float64  `json:"ms"`
}

// ConformanceSweep is the seeded sweep against the client under test: a
// scenario's schedule as a world of remote clients plays it (no crashes
// at our engine's fault sites, no streams; restarts, network faults,
// garbage, revocations and Byzantine commits stay).
type ConformanceSweep struct {
	Scenario string `json:"scenario"`
	Seeds    int    `json:"seeds"`
	Passed   int    `json:"passed"`
	Failed   int    `json:"failed"`
	// Properties counts the failing seeds each property failed in.
	Properties map[string]int `json:"properties"`
	// Runs is every seed's outcome, in seed order.
	Runs       []ConformanceRun `json:"runs"`
	WallMillis float64          `json:"wall_ms"`
}

// ConformanceRun is one seed of the sweep.
type ConformanceRun struct {
	Seed       uint64   `json:"seed"`
	Status     string   `json:"status"` // passed, failed, error
	Properties []string `json:"properties,omitempty"`
	Violations []string `json:"violations,omitempty"` // the first few, one line each
	Why        string   `json:"why,omitempty"`
	Steps      int      `json:"steps"`
	Millis     float64  `json:"ms"`
}
