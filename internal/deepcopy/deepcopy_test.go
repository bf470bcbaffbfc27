package deepcopy

import (
	"strings"
	"testing"
)

type node struct {
	name  string
	next  *node
	tags  map[string][]byte
	any   any
	arr   [2]int
	inner struct{ n int }
}

type holder struct {
	a, b  *node   // b aliases a
	list  []*node // its element aliases a
	byKey map[string]*node
	ext   *external
}

type external struct{ id int }

func TestCopyIsDeepAndKeepsSharing(t *testing.T) {
	a := &node{name: "a", tags: map[string][]byte{"k": []byte("v")}, any: &node{name: "boxed"}, arr: [2]int{1, 2}}
	a.next = a // a cycle
	a.inner.n = 7
	orig := holder{a: a, b: a, list: []*node{a}, byKey: map[string]*node{"a": a}, ext: &external{1}}
	c := New()
	repl := &external{2}
	c.Replace(orig.ext, repl)
	cp, err := Copy(c, orig)
	if err != nil {
		t.Fatal(err)
	}
	if cp.a == a || cp.a.next != cp.a || cp.b != cp.a || cp.list[0] != cp.a || cp.byKey["a"] != cp.a {
		t.Fatalf("sharing lost or original shared: %+v", cp)
	}
	if cp.ext != repl {
		t.Fatalf("Replace ignored")
	}
	cp.a.tags["k"][0] = 'x'
	cp.a.any.(*node).name = "changed"
	cp.a.arr[0] = 9
	if string(a.tags["k"]) != "v" || a.any.(*node).name != "boxed" || a.arr[0] != 1 {
		t.Fatalf("the copy shares with the original")
	}
	if cp.a.inner.n != 7 || cp.a.name != "a" {
		t.Fatalf("fields lost: %+v", cp.a)
	}
}

func TestCopyRefusesFuncs(t *testing.T) {
	type withFunc struct{ f func() }
	_, err := Copy(New(), withFunc{f: func() {}})
	if err == nil || !strings.Contains(err.Error(), "func") {
		t.Fatalf("want an error about the func, got %v", err)
	}
	if _, err := Copy(New(), withFunc{}); err != nil {
		t.Fatalf("a nil func is plain data: %v", err)
	}
}
