package intent

import "testing"

// Legal is exactly SPEC §4's diagram.
func TestLegal(t *testing.T) {
	states := []State{ToSend, Published, Committed, Failed}
	reasons := []Reason{ReasonNone, ReasonNoop, ReasonGroupCap, ReasonRemoved, ReasonInvalid}
	want := map[[2]State]map[Reason]bool{
		{ToSend, Published}:    {ReasonNone: true, ReasonNoop: true, ReasonGroupCap: true, ReasonRemoved: true, ReasonInvalid: true},
		{ToSend, Committed}:    {ReasonNoop: true},
		{ToSend, Failed}:       {ReasonGroupCap: true, ReasonRemoved: true, ReasonInvalid: true},
		{Published, ToSend}:    {ReasonNone: true, ReasonNoop: true, ReasonGroupCap: true, ReasonRemoved: true, ReasonInvalid: true},
		{Published, Committed}: {ReasonNone: true},
		{Published, Failed}:    {ReasonRemoved: true},
	}
	for _, from := range states {
		for _, to := range states {
			for _, r := range reasons {
				expect := from == to || want[[2]State{from, to}][r]
				if got := Legal(from, to, r); got != expect {
					t.Errorf("Legal(%s, %s, %q) = %t, want %t", from, to, r, got, expect)
				}
			}
		}
	}
}

func TestPermitted(t *testing.T) {
	for r, want := range map[Reason]bool{ReasonGroupCap: true, ReasonRemoved: true, ReasonPermission: true, ReasonInvalid: false, ReasonNoop: false, ReasonNone: false} {
		if r.Permitted() != want {
			t.Errorf("%q.Permitted() = %t", r, !want)
		}
	}
}

func TestStrings(t *testing.T) {
	for k, want := range map[Kind]string{SendMessage: "SEND_MESSAGE", AddMembers: "ADD_MEMBERS", RemoveMembers: "REMOVE_MEMBERS", KeyUpdate: "KEY_UPDATE"} {
		if k.String() != want {
			t.Errorf("%d.String() = %s", k, k.String())
		}
	}
	for s, want := range map[State]string{ToSend: "TO_SEND", Published: "PUBLISHED", Committed: "COMMITTED", Failed: "FAILED"} {
		if s.String() != want {
			t.Errorf("%d.String() = %s", s, s.String())
		}
	}
	in := Intent{ID: 3, Kind: AddMembers, State: Failed, Reason: ReasonGroupCap}
	if in.String() != "#3 ADD_MEMBERS FAILED(group_cap)" {
		t.Errorf("got %q", in.String())
	}
	if !AddMembers.IsCommit() || SendMessage.IsCommit() {
		t.Error("IsCommit")
	}
}
