package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mlsim/mlsim/results"
)

// faultColumns are the fault-site table's columns, in order.
var faultColumns = []string{results.FaultCrashBefore, results.FaultCrashAfter, results.FaultBusy, results.FaultNetError}

// faultSiteTable is the fault-site coverage table of a run or a sweep: a
// row per engine call site, a column per fault, so what the faults never
// hit stands out next to what they did.
type faultSiteTable struct {
	Columns   []string
	Rows      []faultSiteRow
	Reached   int      // applicable pairs of reachable sites with a count
	Pairs     int      // applicable pairs of reachable sites
	Unreached []string // those never counted, "site fault"
}

// faultSiteRow is one site's counts; Note says why the site or one of its
// faults is not required (unreachable), or that the site is missing from
// results.FaultSites.
type faultSiteRow struct {
	Site  string
	Cells []faultSiteCell
	Note  string
}

// faultSiteCell is one (site, fault) count. Applicable is false where the
// fault cannot hit the site (busy at a network call, say); Unreached marks
// a pair the sweep was expected to reach and did not.
type faultSiteCell struct {
	Count      int
	Applicable bool
	Unreached  bool
}

// buildFaultSiteTable lays counts (by results.FaultSiteKey) over the static
// list of sites; a counted site that is not in the list gets a row too.
func buildFaultSiteTable(counts map[string]int) faultSiteTable {
	t := faultSiteTable{Columns: faultColumns, Unreached: results.UnreachedFaultSites(counts)}
	listed := map[string]bool{}
	row := func(site string, applies []string, note string, unreachable map[string]string) {
		r := faultSiteRow{Site: site, Note: note}
		for _, f := range faultColumns {
			c := faultSiteCell{Count: counts[results.FaultSiteKey(site, f)]}
			for _, a := range applies {
				c.Applicable = c.Applicable || a == f
			}
			if why := unreachable[f]; c.Applicable && why != "" {
				r.Note = strings.TrimPrefix(r.Note+"; ", "; ") + f + " not required: " + why
			} else if c.Applicable && note == "" {
				t.Pairs++
				if c.Count > 0 {
					t.Reached++
				} else {
					c.Unreached = true
				}
			}
			r.Cells = append(r.Cells, c)
		}
		t.Rows = append(t.Rows, r)
	}
	for _, s := range results.FaultSites {
		listed[s.ID] = true
		note := ""
		if s.Unreachable != "" {
			note = "not required: " + s.Unreachable
		}
		row(s.ID, s.Faults(), note, s.UnreachableFaults)
	}
	var extra []string
	for k := range counts {
		if site, _, _ := strings.Cut(k, " "); !listed[site] && !contains(extra, site) {
			extra = append(extra, site)
		}
	}
	sort.Strings(extra)
	for _, site := range extra {
		row(site, faultColumns, "not in results.FaultSites", nil)
	}
	return t
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// faultSitesMarkdown renders the table for summary.md: unreached pairs in
// bold, pairs that do not apply as "·".
func faultSitesMarkdown(b *strings.Builder, t faultSiteTable) {
	fmt.Fprintf(b, "## Fault-site coverage\n\n%d of %d (site, fault) pairs reached.", t.Reached, t.Pairs)
	if len(t.Unreached) > 0 {
		fmt.Fprintf(b, " Never reached (**bold**): %s.", strings.Join(t.Unreached, ", "))
	}
	fmt.Fprintf(b, "\n\n| site | %s | note |\n|---|%s---|\n", strings.Join(t.Columns, " | "), strings.Repeat("---|", len(t.Columns)))
	for _, r := range t.Rows {
		fmt.Fprintf(b, "| %s |", r.Site)
		for _, c := range r.Cells {
			switch {
			case !c.Applicable:
				b.WriteString(" · |")
			case c.Unreached:
				b.WriteString(" **0** |")
			default:
				fmt.Fprintf(b, " %d |", c.Count)
			}
		}
		fmt.Fprintf(b, " %s |\n", r.Note)
	}
	b.WriteString("\n")
}
