package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// Cmd is one fully resolved step: everything the schedule chose is in it,
// so executing it again in a world of the same seed does the same thing.
// Its text form is a script line in the datadriven style:
//
//	name pos1 pos2 key=value key2=value2
//
// Positional arguments come first, then options in a fixed order.
type Cmd struct {
	Name string
	Args []string
	Opts []Opt
}

// Opt is one key=value option.
type Opt struct{ Key, Val string }

// NewCmd builds a command from a name and positional arguments.
func NewCmd(name string, args ...string) Cmd { return Cmd{Name: name, Args: args} }

// With appends an option.
func (c Cmd) With(key string, val any) Cmd {
	c.Opts = append(append([]Opt(nil), c.Opts...), Opt{key, fmt.Sprint(val)})
	return c
}

func (c Cmd) String() string {
	var b strings.Builder
	b.WriteString(c.Name)
	for _, a := range c.Args {
		b.WriteString(" " + a)
	}
	for _, o := range c.Opts {
		b.WriteString(" " + o.Key + "=" + o.Val)
	}
	return b.String()
}

// Opt returns an option's value.
func (c Cmd) Opt(key string) (string, bool) {
	for _, o := range c.Opts {
		if o.Key == key {
			return o.Val, true
		}
	}
	return "", false
}

// IntOpt returns an integer option, or def when it is absent.
func (c Cmd) IntOpt(key string, def int) (int, error) {
	v, ok := c.Opt(key)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %s=%q is not a number", c.Name, key, v)
	}
	return n, nil
}

// Arg returns the i-th positional argument.
func (c Cmd) Arg(i int) string {
	if i < len(c.Args) {
		return c.Args[i]
	}
	return ""
}

// need checks the positional argument count against the command's
// usage (commandDocs).
func (c Cmd) need() error {
	d, ok := commandDoc(c.Name)
	if ok && len(c.Args) < d.min {
		return fmt.Errorf("%s: want %q", c.Name, c.Name+" "+d.Usage)
	}
	return nil
}

// ParseCmd reads one script line.
func ParseCmd(line string) (Cmd, error) {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return Cmd{}, fmt.Errorf("empty command")
	}
	c := Cmd{Name: fields[0]}
	for _, f := range fields[1:] {
		if k, v, ok := strings.Cut(f, "="); ok && k != "" {
			c.Opts = append(c.Opts, Opt{k, v})
			continue
		}
		if len(c.Opts) > 0 {
			return Cmd{}, fmt.Errorf("%q: positional argument %q after an option", line, f)
		}
		c.Args = append(c.Args, f)
	}
	return c, nil
}
