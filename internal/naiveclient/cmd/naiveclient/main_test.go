package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--help"}, 0, "usage: naiveclient"},
		{[]string{"--bogus"}, 2, "usage: naiveclient"},
		{nil, 2, "--listen is required"},
		{[]string{"--listen", "127.0.0.1:1", "extra"}, 2, "no arguments"},
		{[]string{"--listen", "not an address"}, 1, "naiveclient:"},
	} {
		var stderr bytes.Buffer
		if code := run(c.args, &stderr); code != c.code || !strings.Contains(stderr.String(), c.says) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, stderr.String(), c.code, c.says)
		}
	}
}
