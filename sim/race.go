package sim

import (
	"fmt"
	"strings"
)

// commitRace is SPEC §7's users racing: two or three members of one group
// each record a membership or key change and publish it before any of
// them reads the topic, so their commits are built for the same epoch and
// all but the first lose.
func (w *World) commitRace() (string, string) {
	group := w.groups[w.pick(len(w.groups))]
	var members []*client
	for _, c := range w.live() {
		if contains(w.held[c.id], group) {
			members = append(members, c)
		}
	}
	if len(members) < 2 {
		return "world", "commit_race " + group + " (fewer than two members running)"
	}
	n := 2 + w.pick(2)
	var parts []string
	for i := 0; i < n && len(members) > 0; i++ {
		k := w.pick(len(members))
		c := members[k]
		members = append(members[:k], members[k+1:]...)
		text := "key_update"
		err := w.guard(c, func() error {
			var err error
			if w.pick(2) == 0 {
				acct := w.addTarget(group)
				text = "add " + acct
				_, err = c.eng.AddMembers(group, acct)
			} else {
				_, err = c.eng.KeyUpdate(group)
			}
			if err != nil {
				return err
			}
			res, err := c.eng.PublishNext(group)
			text += fmt.Sprintf(" publish=%s", res.Action)
			return err
		})
		parts = append(parts, fmt.Sprintf("%s %s%s", c.id, text, outcome(err)))
	}
	return "world", fmt.Sprintf("commit_race %s: %s", group, strings.Join(parts, ", "))
}
