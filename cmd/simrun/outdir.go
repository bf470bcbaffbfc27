package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mlsim/mlsim/reports"
)

// manifestName is the file in which every report folder lists the files
// simrun wrote there. It is not a dotfile on purpose: CI artifact uploads
// (actions/upload-artifact since v4.4) leave dotfiles out, and a shard's
// folder that lost its manifest could not be resumed or re-rendered
// without --force.
const manifestName = "mlsim-manifest.txt"

const manifestHeader = "# mlsim manifest: the files simrun wrote in this folder, one a line. The next report written here removes them first; simrun touches no file this list does not name."

// runPageFiles are the files of a run's report (run --out, and each
// failing seed's page of a sweep under seeds/N/).
var runPageFiles = []string{"summary.json", "summary.md", "index.html", "trace.txt"}

// outPlan is what a report may write, known before any work starts, so
// that a folder holding someone else's files is refused at once.
type outPlan struct {
	files []string        // names directly in the folder
	seeds map[uint64]bool // a sweep: seeds/N/ run pages, for these seeds
}

// outDir is a report folder being written. Every file goes through it,
// so the manifest always lists every file simrun may have written: it is
// rewritten before each batch of writes, never after, and a killed
// command leaves nothing unlisted behind.
type outDir struct {
	root   string
	listed map[string]bool
}

// openOut prepares root to receive a report, before any work is done:
// the folder must be one (or creatable) and writable; files in it that
// no manifest lists and that the report may overwrite are refused unless
// force; the files the previous manifest lists, except keep, are removed
// (a report folder holds only the current report: no failing-seed page
// of an earlier sweep survives a later one). what names the folder in
// messages ("--out DIR").
func openOut(what, root string, force bool, plan outPlan, keep func(rel string) bool) (*outDir, error) {
	if err := usableFolder(what, root); err != nil {
		return nil, err
	}
	listed, err := readManifest(root)
	var notOurs *foreignManifest
	switch {
	case errors.As(err, &notOurs) && force:
		listed = map[string]bool{}
	case err != nil:
		return nil, usageError{fmt.Errorf("%s: %w", what, err)}
	}
	foreign, err := foreignFiles(root, plan, listed)
	if err != nil {
		return nil, err
	}
	if len(foreign) > 0 && !force {
		if len(foreign) > 8 {
			foreign = append(foreign[:8], fmt.Sprintf("and %d more", len(foreign)-8))
		}
		return nil, usageError{fmt.Errorf("%s holds files simrun did not write (its %s does not list them) that this report would overwrite: %s; move them away, or give --force to overwrite them",
			what, manifestName, strings.Join(foreign, ", "))}
	}
	d := &outDir{root: root, listed: map[string]bool{}}
	var stale []string
	for rel := range listed {
		if keep != nil && keep(rel) {
			d.listed[rel] = true
		} else {
			stale = append(stale, rel)
		}
	}
	if err := d.writeManifest(); err != nil {
		return nil, err
	}
	for _, rel := range stale {
		if err := removeListed(root, rel); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// usableFolder checks that root is a folder simrun can write in, or can
// be created as one; it creates it.
func usableFolder(what, root string) error {
	info, err := os.Stat(root)
	switch {
	case err == nil && !info.IsDir():
		return usageError{fmt.Errorf("%s: is a file, not a folder", what)}
	case err != nil && fileAbove(root) != "":
		return usageError{fmt.Errorf("%s: cannot create the folder: %s is a file", what, fileAbove(root))}
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(root, 0o755); err != nil {
			return usageError{fmt.Errorf("%s: cannot create the folder: %w", what, err)}
		}
	case err != nil:
		return usageError{fmt.Errorf("%s: %w", what, err)}
	}
	probe, err := os.CreateTemp(root, ".mlsim-probe-*")
	if err != nil {
		return usageError{fmt.Errorf("%s: cannot write in the folder: %w", what, err)}
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// fileAbove returns the nearest existing ancestor of a path that does not
// exist, if that ancestor is not a folder.
func fileAbove(p string) string {
	for dir := filepath.Dir(p); ; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		if err == nil {
			if info.IsDir() {
				return ""
			}
			return dir
		}
		if dir == filepath.Dir(dir) {
			return ""
		}
	}
}

// checkOutFile checks, before any work, that a file can be written at p
// (run --trace-out, shrink -o): its folder exists and p is not a folder.
func checkOutFile(flag, p string) error {
	if info, err := os.Stat(p); err == nil && info.IsDir() {
		return usageError{fmt.Errorf("%s %s: is a folder, not a file", flag, p)}
	}
	dir := filepath.Dir(p)
	info, err := os.Stat(dir)
	switch {
	case err != nil && fileAbove(dir) != "":
		return usageError{fmt.Errorf("%s %s: %s is a file, not a folder", flag, p, fileAbove(dir))}
	case errors.Is(err, fs.ErrNotExist):
		return usageError{fmt.Errorf("%s %s: no folder %s", flag, p, dir)}
	case err != nil:
		return usageError{fmt.Errorf("%s %s: %w", flag, p, err)}
	case !info.IsDir():
		return usageError{fmt.Errorf("%s %s: %s is a file, not a folder", flag, p, dir)}
	}
	return nil
}

// foreignManifest is a file named like a manifest that simrun did not
// write.
type foreignManifest struct{ path string }

func (e *foreignManifest) Error() string {
	return fmt.Sprintf("%s is not a manifest simrun wrote (give --force to replace it)", e.path)
}

// readManifest reads the files a folder's manifest lists (none when it
// has no manifest). Entries that are not plain paths inside the folder
// are refused: a manifest is a list of files to delete.
func readManifest(root string) (map[string]bool, error) {
	p := filepath.Join(root, manifestName)
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "# mlsim manifest") {
		return nil, &foreignManifest{p}
	}
	listed := map[string]bool{}
	for n := 2; lines.Scan(); n++ {
		rel := strings.TrimSpace(lines.Text())
		if rel == "" || strings.HasPrefix(rel, "#") {
			continue
		}
		if !filepath.IsLocal(filepath.FromSlash(rel)) || path.Clean(rel) != rel || rel == manifestName {
			return nil, fmt.Errorf("%s: line %d: %q is not a file inside the folder", p, n, rel)
		}
		listed[rel] = true
	}
	return listed, lines.Err()
}

func (d *outDir) writeManifest() error {
	rels := make([]string, 0, len(d.listed))
	for rel := range d.listed {
		rels = append(rels, rel)
	}
	slices.Sort(rels)
	text := manifestHeader + "\n" + strings.Join(rels, "\n")
	if len(rels) > 0 {
		text += "\n"
	}
	tmp := filepath.Join(d.root, manifestName+".tmp")
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(d.root, manifestName))
}

// plan lists files in the manifest before they are written.
func (d *outDir) plan(rels ...string) error {
	added := false
	for _, rel := range rels {
		if !d.listed[rel] {
			d.listed[rel] = true
			added = true
		}
	}
	if !added {
		return nil
	}
	return d.writeManifest()
}

// path is where a listed file lives.
func (d *outDir) path(rel string) string {
	return filepath.Join(d.root, filepath.FromSlash(rel))
}

// write writes one file of the report.
func (d *outDir) write(rel string, data []byte) error {
	if err := d.plan(rel); err != nil {
		return err
	}
	p := d.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

// writeFiles writes a report's files under prefix ("" or "seeds/N/").
func (d *outDir) writeFiles(prefix string, files reports.Files) error {
	rels := make([]string, 0, len(files))
	for name := range files {
		rels = append(rels, prefix+name)
	}
	slices.Sort(rels)
	if err := d.plan(rels...); err != nil {
		return err
	}
	for _, rel := range rels {
		if err := d.write(rel, files[strings.TrimPrefix(rel, prefix)]); err != nil {
			return err
		}
	}
	return nil
}

var seedPage = regexp.MustCompile(`^seeds/([0-9]+)(/(summary\.json|summary\.md|index\.html|trace\.txt))?$`)

// foreignFiles lists what the plan may overwrite that the manifest does
// not list. It looks only where the report writes (never walks the whole
// folder: --out may be a home directory).
func foreignFiles(root string, plan outPlan, listed map[string]bool) ([]string, error) {
	var foreign []string
	for _, rel := range plan.files {
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel))); err == nil && !listed[rel] {
			foreign = append(foreign, rel)
		}
	}
	if plan.seeds == nil {
		return foreign, nil
	}
	seeds := filepath.Join(root, "seeds")
	info, err := os.Lstat(seeds)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return foreign, nil
	case err != nil:
		return nil, err
	case !info.IsDir():
		return append(foreign, "seeds"), nil
	}
	err = filepath.WalkDir(seeds, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		m := seedPage.FindStringSubmatch(rel)
		if e.IsDir() {
			if m == nil && rel != "seeds" {
				return fs.SkipDir // not a page's folder: never written
			}
			return nil
		}
		if m == nil || listed[rel] {
			return nil
		}
		if seed, err := strconv.ParseUint(m[1], 10, 64); err == nil && plan.seeds[seed] {
			foreign = append(foreign, rel)
		}
		return nil
	})
	return foreign, err
}

// removeListed removes one file a previous manifest listed, and the
// folders its removal left empty. It never follows a symbolic link out of
// the folder, nor removes a folder that still holds anything.
func removeListed(root, rel string) error {
	parts := strings.Split(rel, "/")
	p := root
	for _, part := range parts[:len(parts)-1] {
		p = filepath.Join(p, part)
		info, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !info.IsDir() {
			return nil // a link or a file where a folder was: not ours to follow
		}
	}
	p = filepath.Join(p, parts[len(parts)-1])
	info, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if info.IsDir() {
		return nil
	}
	if err := os.Remove(p); err != nil {
		return err
	}
	for dir := filepath.Dir(p); dir != filepath.Clean(root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break // not empty
		}
	}
	return nil
}
