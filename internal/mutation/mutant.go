package mutation

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Mutant is one catalogue entry.
type Mutant struct {
	ID         string // the file name without .mutant
	Class      string // the bug class it brings back
	Catch      string // the property expected to catch it
	Scenario   string
	Equivalent string // if set: why it cannot be caught (listed, not counted)
	Edits      []Edit
}

// Edit replaces one exact text in one file.
type Edit struct {
	File     string // path in the module
	Old, New string
}

// Load reads every mutant in a directory, in file-name order.
func Load(dir string) ([]Mutant, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.mutant"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Mutant
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		m, err := Parse(strings.TrimSuffix(filepath.Base(name), ".mutant"), f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no mutants in %s", dir)
	}
	return out, nil
}

// Parse reads one mutant file.
func Parse(id string, r io.Reader) (Mutant, error) {
	m := Mutant{ID: id}
	sc := bufio.NewScanner(r)
	file := ""
	var cur *Edit
	mode := "" // "", "old", "new"
	var buf []string
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case mode != "" && line == "@@ with":
			if mode != "old" {
				return m, fmt.Errorf("line %d: @@ with outside a replace", n)
			}
			cur.Old, buf, mode = strings.Join(buf, "\n"), nil, "new"
		case mode != "" && line == "@@ end":
			if mode != "new" {
				return m, fmt.Errorf("line %d: @@ end before @@ with", n)
			}
			cur.New = strings.Join(buf, "\n")
			m.Edits = append(m.Edits, *cur)
			cur, buf, mode = nil, nil, ""
		case mode != "":
			buf = append(buf, line)
		case strings.HasPrefix(line, "--- "):
			file = strings.TrimSpace(strings.TrimPrefix(line, "--- "))
		case line == "@@ replace":
			if file == "" {
				return m, fmt.Errorf("line %d: @@ replace before a --- file line", n)
			}
			cur, mode = &Edit{File: file}, "old"
		case strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#"):
		case file == "":
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				return m, fmt.Errorf("line %d: want key: value", n)
			}
			v = strings.TrimSpace(v)
			switch strings.TrimSpace(k) {
			case "class":
				m.Class = v
			case "catch":
				m.Catch = v
			case "scenario":
				m.Scenario = v
			case "equivalent":
				m.Equivalent = v
			default:
				return m, fmt.Errorf("line %d: unknown key %q", n, k)
			}
		default:
			return m, fmt.Errorf("line %d: text outside an edit", n)
		}
	}
	if err := sc.Err(); err != nil {
		return m, fmt.Errorf("line %d: %w", n+1, err)
	}
	if mode != "" {
		return m, fmt.Errorf("line %d: the edit of %s is not finished (@@ with and @@ end)", n, file)
	}
	if m.Class == "" || m.Scenario == "" || len(m.Edits) == 0 {
		return m, fmt.Errorf("line %d: a mutant needs class:, scenario: and at least one edit", n)
	}
	return m, nil
}

// Apply writes the mutated files under dir and returns an overlay file for
// `go build -overlay`. Each edit's text must occur exactly once.
func (m Mutant) Apply(root, dir string) (string, error) {
	files := map[string]string{}
	var order []string
	for _, e := range m.Edits {
		text, ok := files[e.File]
		if !ok {
			data, err := os.ReadFile(filepath.Join(root, e.File))
			if err != nil {
				return "", fmt.Errorf("%s: %w", m.ID, err)
			}
			text = string(data)
			order = append(order, e.File)
		}
		if c := strings.Count(text, e.Old); c != 1 {
			return "", fmt.Errorf("%s no longer applies: its text for %s occurs %d times, want 1", m.ID, e.File, c)
		}
		files[e.File] = strings.Replace(text, e.Old, e.New, 1)
	}
	var b strings.Builder
	b.WriteString(`{"Replace":{`)
	for i, f := range order {
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(dst, []byte(files[f]), 0o644); err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q:%q", filepath.Join(root, f), dst)
	}
	b.WriteString("}}")
	overlay := filepath.Join(dir, "overlay.json")
	return overlay, os.WriteFile(overlay, []byte(b.String()), 0o644)
}
