package mutation

import "testing"

// The lines FuzzRunner reads off `go test -fuzz`, as Go 1.26 prints them
// (a failure while fuzzing and one in the seed corpus).
func TestFuzzOutputLines(t *testing.T) {
	if m := statusLine.FindStringSubmatch("fuzz: elapsed: 21s, execs: 1837 (80/sec), new interesting: 15 (total: 274)"); m == nil || m[1] != "1837" {
		t.Errorf("status line: %v", m)
	}
	if m := crasherLine.FindStringSubmatch("    Failing input written to testdata/fuzz/FuzzConflictOrder/3e43b72405901e69"); m == nil ||
		m[1] != "testdata/fuzz/FuzzConflictOrder/3e43b72405901e69" {
		t.Errorf("crasher line: %v", m)
	}
	if m := seedFailure.FindStringSubmatch("failure while testing seed corpus entry: FuzzConflictOrder/re-add-then-erin-commits@used"); m == nil ||
		m[1] != "re-add-then-erin-commits@used" {
		t.Errorf("seed failure: %v", m)
	}
	if m := property.FindStringSubmatch("        fuzz_order_test.go:44: L1 step=84 group=g0 installations=bob/1: stopped: cannot process"); m == nil || m[1] != "L1" {
		t.Errorf("property: %v", m)
	}
	if m := property.FindStringSubmatch("S10 step=7 group=g1 installations=: NOOP"); m == nil || m[1] != "S10" {
		t.Errorf("property: %v", m)
	}
}
