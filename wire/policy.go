package wire

import (
	"fmt"
	"slices"
	"strings"
)

// Level is who may perform an action under a group's policy.
type Level uint8

const (
	// Everyone: any member.
	Everyone Level = 1
	// Admins: a member whose account is an admin or the super admin.
	Admins Level = 2
	// SuperAdmins: a member whose account is the super admin.
	SuperAdmins Level = 3
)

var levelNames = []string{Everyone: "everyone", Admins: "admins", SuperAdmins: "super"}

func (l Level) String() string {
	if l >= Everyone && l <= SuperAdmins {
		return levelNames[l]
	}
	return fmt.Sprintf("level(%d)", uint8(l))
}

// ParseLevel reads a level's name.
func ParseLevel(s string) (Level, bool) {
	for l := Everyone; l <= SuperAdmins; l++ {
		if levelNames[l] == s {
			return l, true
		}
	}
	return 0, false
}

// Policy is a group's permissions (issue 15 item 2): the super admin (the
// creator's account, fixed for the group's life), the admin accounts, and
// per action the level that may perform it. Every commit envelope carries
// the policy of the epoch it leads into; this package only encodes it —
// who may do what is judged by the engine and, with its own code, by the
// checker.
type Policy struct {
	SuperAdmin string   // account
	Admins     []string // accounts, sorted, unique, never the super admin
	// AddAccount: adding an account that has no installation in the group.
	AddAccount Level
	// RemoveAccount: removing every installation of another account.
	RemoveAccount Level
	// ChangeAdmins: changing the admin list.
	ChangeAdmins Level
	// ChangePolicy: changing any of these four levels.
	ChangePolicy Level
}

// DefaultPolicy is a new group's policy: every member may add and remove
// accounts (what members could do before permissions existed), only the
// super admin may change the admins or the policy.
func DefaultPolicy(superAdmin string) Policy {
	return Policy{SuperAdmin: superAdmin, AddAccount: Everyone, RemoveAccount: Everyone,
		ChangeAdmins: SuperAdmins, ChangePolicy: SuperAdmins}
}

// Levels lists the four levels in a fixed order: add, remove, admins,
// policy.
func (p Policy) Levels() [4]Level {
	return [4]Level{p.AddAccount, p.RemoveAccount, p.ChangeAdmins, p.ChangePolicy}
}

// LevelNames names Levels' entries, as UPDATE_POLICY and scripts spell them.
var LevelNames = [4]string{"add", "remove", "admins", "policy"}

// SetLevel sets the level of one of LevelNames.
func (p *Policy) SetLevel(name string, l Level) bool {
	switch name {
	case "add":
		p.AddAccount = l
	case "remove":
		p.RemoveAccount = l
	case "admins":
		p.ChangeAdmins = l
	case "policy":
		p.ChangePolicy = l
	default:
		return false
	}
	return true
}

// Equal reports whether two policies are the same.
func (p Policy) Equal(q Policy) bool {
	return p.SuperAdmin == q.SuperAdmin && slices.Equal(p.Admins, q.Admins) && p.Levels() == q.Levels()
}

// String is one canonical line: "super=alice admins=bob,carol add=everyone
// remove=admins admins=super policy=super".
func (p Policy) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "super=%s admins=%s", p.SuperAdmin, strings.Join(p.Admins, ","))
	for i, l := range p.Levels() {
		fmt.Fprintf(&b, " %s=%s", LevelNames[i], l)
	}
	return b.String()
}

// Check reports whether the policy is well-formed.
func (p Policy) Check() error {
	if p.SuperAdmin == "" {
		return fmt.Errorf("%w: policy without a super admin", ErrMalformed)
	}
	for i, a := range p.Admins {
		if a == "" || a == p.SuperAdmin || (i > 0 && a <= p.Admins[i-1]) {
			return fmt.Errorf("%w: policy admins not sorted, unique, other than the super admin", ErrMalformed)
		}
	}
	for _, l := range p.Levels() {
		if l < Everyone || l > SuperAdmins {
			return fmt.Errorf("%w: policy level %d", ErrMalformed, l)
		}
	}
	return nil
}

func (w *writer) policy(p Policy) {
	w.string(p.SuperAdmin)
	w.strings(p.Admins)
	for _, l := range p.Levels() {
		w.uint(uint64(l))
	}
}

func (r *reader) policy() Policy {
	p := Policy{SuperAdmin: r.string(), Admins: r.strings()}
	var ls [4]Level
	for i := range ls {
		v := r.uint()
		if v > 255 {
			r.fail("bad level")
		}
		ls[i] = Level(v)
	}
	p.AddAccount, p.RemoveAccount, p.ChangeAdmins, p.ChangePolicy = ls[0], ls[1], ls[2], ls[3]
	return p
}

// EncodePolicy is a policy's canonical encoding (what a client stores).
func EncodePolicy(p Policy) []byte {
	w := &writer{}
	w.policy(p)
	return w.buf
}

// DecodePolicy parses EncodePolicy's output and checks it.
func DecodePolicy(b []byte) (Policy, error) {
	r := &reader{buf: b}
	p := r.policy()
	r.done()
	if r.err != nil {
		return Policy{}, r.err
	}
	return p, p.Check()
}
