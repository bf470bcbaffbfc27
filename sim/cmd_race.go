package sim

import (
	"fmt"
	"strings"
)

// raceChange is one kind of change a race can name: ID=NAME, or
// ID=NAME:ARG when it takes an argument.
type raceChange struct {
	name   string
	arg    string // what the argument is ("" when it takes none), for errors and help
	record func(e clientAPI, group, arg string) error
}

// raceChanges is every intent kind a racer can record, one row each: a new
// kind is one more row (and one more choice in chooseRace).
var raceChanges = []raceChange{
	{name: "key-update", record: func(e clientAPI, group, _ string) error {
		_, err := e.KeyUpdate(group)
		return err
	}},
	{name: "add", arg: "ACCOUNT", record: func(e clientAPI, group, acct string) error {
		_, err := e.AddMembers(group, acct)
		return err
	}},
	{name: "remove", arg: "ACCOUNT", record: func(e clientAPI, group, acct string) error {
		_, err := e.RemoveMembers(group, acct)
		return err
	}},
	{name: "send", arg: "BODY", record: func(e clientAPI, group, body string) error {
		_, err := e.Send(group, []byte(body))
		return err
	}},
	{name: "admins", arg: "+ACCOUNT|-ACCOUNT", record: func(e clientAPI, group, change string) error {
		add, remove, err := parseAdminChanges([]string{change})
		if err != nil {
			return err
		}
		_, err = e.UpdateAdmins(group, add, remove)
		return err
	}},
	{name: "policy", arg: "ACTION=LEVEL", record: func(e clientAPI, group, change string) error {
		k, v, _ := strings.Cut(change, "=")
		levels, err := parseLevels([]Opt{{k, v}})
		if err != nil {
			return err
		}
		_, err = e.UpdatePolicy(group, levels)
		return err
	}},
}

// raceUsage is the forms raceChanges accepts, "key-update|add:ACCOUNT|…".
func raceUsage() string {
	forms := make([]string, len(raceChanges))
	for i, k := range raceChanges {
		forms[i] = k.name
		if k.arg != "" {
			forms[i] += ":" + k.arg
		}
	}
	return strings.Join(forms, "|")
}

// parseRaceChange reads one racer's change: its row and argument.
func parseRaceChange(val string) (raceChange, string, error) {
	name, arg, hasArg := strings.Cut(val, ":")
	for _, k := range raceChanges {
		if k.name != name {
			continue
		}
		if (k.arg != "") != hasArg || (hasArg && arg == "") {
			break
		}
		return k, arg, nil
	}
	return raceChange{}, "", fmt.Errorf("want %s", raceUsage())
}

// race GROUP ID=CHANGE ...: SPEC §7's users racing. Each named member
// records its change (raceChanges) and publishes it before any of them
// reads the topic, so their commits are built for the same epoch and all
// but the first lose, and their messages are built for the epoch the
// winning commit ends.
func (w *World) cmdRace(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	group := c.Arg(0)
	changes := make([]raceChange, len(c.Opts))
	args := make([]string, len(c.Opts))
	for i, o := range c.Opts {
		var err error
		if changes[i], args[i], err = parseRaceChange(o.Val); err != nil {
			return result{}, fmt.Errorf("race: %s=%s: %w", o.Key, o.Val, err)
		}
	}
	var parts []string
	for i, o := range c.Opts {
		r := w.engineCall(o.Key, func(cl *client) (string, error) {
			if err := changes[i].record(cl.eng, group, args[i]); err != nil {
				return "", err
			}
			// Counted, not traced: which kinds raced (event coverage).
			w.count("race_" + strings.ReplaceAll(changes[i].name, "-", "_"))
			res, err := cl.eng.PublishNext(group)
			return fmt.Sprintf("publish=%s", res.Action), err
		})
		parts = append(parts, o.Key+": "+r.out)
	}
	return result{out: strings.Join(parts, ", ")}, nil
}
