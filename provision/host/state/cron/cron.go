// Package cron implements Salt's cron states (present, absent, env_present,
// env_absent) on per-user crontabs, in the format Salt writes: a header line
// and SALT_CRON_IDENTIFIER comments above each managed job.
package cron

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/lowstate"
)

// Module returns the cron state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{
		"present":     present,
		"absent":      absent,
		"env_present": envPresent,
		"env_absent":  envAbsent,
		"file":        cronFile,
	}}
}

func user(c lowstate.Chunk) string {
	if u := c.Str("user"); u != "" {
		return u
	}
	return "root"
}

// read returns the user's crontab ("" when the user has none), asking
// crontab once per user per run (env.Memo).
func read(ctx context.Context, env *state.Env, u string) (string, error) {
	key := "cron:" + u
	if v, ok := env.Memo.Load(key); ok {
		return v.(string), nil
	}
	if !hostcmd.Has(env, "crontab") {
		return "", fmt.Errorf("crontab is not installed on this host (install the cron package)")
	}
	r := hostcmd.Run(ctx, env, nil, "crontab", "-u", u, "-l")
	if r.Err == nil && r.Retcode != 0 && strings.Contains(r.Stderr+r.Stdout, "no crontab for") {
		env.Memo.Store(key, "")
		return "", nil
	}
	if err := hostcmd.Check(r, "crontab", "-u", u, "-l"); err != nil {
		return "", err
	}
	env.Memo.Store(key, r.Stdout)
	return r.Stdout, nil
}

func write(ctx context.Context, env *state.Env, u, content string) error {
	env.Memo.Forget("cron:" + u)
	r := env.Exec.Run(ctx, state.Cmd{Argv: []string{"crontab", "-u", u, "-"}, Stdin: []byte(content)})
	return hostcmd.Check(r, "crontab", "-u", u, "-")
}

// apply reads the crontab, lets edit change it and writes it back when it
// changed (never in test mode). status is what edit reports ("new",
// "updated", "removed", "present", "absent").
func apply(ctx context.Context, env *state.Env, u string, edit func(t *Tab) string) (string, error) {
	cur, err := read(ctx, env, u)
	if err != nil {
		return "", err
	}
	t := Parse(cur)
	status := edit(t)
	if status == "present" || status == "absent" || env.Test {
		return status, nil
	}
	if err := write(ctx, env, u, t.String()); err != nil {
		return "", err
	}
	return status, nil
}

// resolveRandom replaces "random" time fields, as Salt does: the existing
// job's value is kept when there is one, else a random value in range.
func resolveRandom(w *Job, old *Job) {
	fields := []struct {
		p        *string
		cur      string
		min, max int
	}{{&w.Minute, "", 0, 59}, {&w.Hour, "", 0, 23}, {&w.DayMonth, "", 1, 28}, {&w.Month, "", 1, 12}, {&w.DayWeek, "", 0, 6}}
	if old != nil {
		fields[0].cur, fields[1].cur, fields[2].cur, fields[3].cur, fields[4].cur = old.Minute, old.Hour, old.DayMonth, old.Month, old.DayWeek
	}
	for _, f := range fields {
		if !strings.EqualFold(*f.p, "random") {
			continue
		}
		if n, err := strconv.Atoi(f.cur); err == nil && n >= f.min && n <= f.max {
			*f.p = f.cur
			continue
		}
		*f.p = strconv.Itoa(f.min + rand.IntN(f.max-f.min+1))
	}
}

func field(c lowstate.Chunk, k string) string {
	if v := c.Str(k); v != "" {
		return v
	}
	return "*"
}

func identifier(c lowstate.Chunk) string {
	if id := c.Str("identifier"); id != "" && id != "false" {
		return id
	}
	return strings.TrimSpace(c.Name())
}

func present(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := strings.TrimSpace(c.Name())
	u := user(c)
	want := Job{Minute: field(c, "minute"), Hour: field(c, "hour"), DayMonth: field(c, "daymonth"), Month: field(c, "month"),
		DayWeek: field(c, "dayweek"), Special: c.Str("special"), Cmd: name, Identifier: identifier(c),
		Commented: state.ArgBool(c, "commented", false)}
	if want.Special != "" && !strings.HasPrefix(want.Special, "@") {
		return state.Failedf("special %q must start with @ (quote it in YAML: '@reboot')", want.Special)
	}
	if want.Special != "" {
		want.Minute, want.Hour, want.DayMonth, want.Month, want.DayWeek = "", "", "", "", ""
	}
	status, err := apply(ctx, env, u, func(t *Tab) string {
		own, other := &t.Jobs, &t.Special
		if want.Special != "" {
			own, other = other, own
		}
		moved := false
		if i := find(*other, name, want.Identifier); i >= 0 {
			*other = append((*other)[:i], (*other)[i+1:]...)
			moved = true
		}
		i := find(*own, name, want.Identifier)
		w := want
		if state.HasArg(c, "comment") {
			w.Comment = c.Str("comment")
		} else if i >= 0 {
			w.Comment = (*own)[i].Comment // no comment given: keep the old one
		}
		if w.Special == "" {
			var old *Job
			if i >= 0 {
				old = &(*own)[i]
			}
			resolveRandom(&w, old)
		}
		switch {
		case i < 0:
			*own = append(*own, w)
			if moved {
				return "updated"
			}
			return "new"
		case (*own)[i] != w:
			(*own)[i] = w
			return "updated"
		case moved:
			return "updated"
		}
		return "present"
	})
	if err != nil {
		return state.Failedf("Cron %s for user %s failed to commit with error \n%v", name, u, err)
	}
	ch := map[string]any{u: name}
	switch status {
	case "present":
		return state.OK(fmt.Sprintf("Cron %s already present", name))
	case "new":
		if env.Test {
			return state.Pending(fmt.Sprintf("Cron %s is set to be added", name), nil)
		}
		return state.Changed(fmt.Sprintf("Cron %s added to %s's crontab", name, u), ch)
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("Cron %s is set to be updated", name), nil)
	}
	return state.Changed(fmt.Sprintf("Cron %s updated", name), ch)
}

func absent(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := strings.TrimSpace(c.Name())
	u := user(c)
	id := identifier(c)
	status, err := apply(ctx, env, u, func(t *Tab) string {
		removed := false
		for _, l := range []*[]Job{&t.Jobs, &t.Special} {
			for i := find(*l, name, id); i >= 0; i = find(*l, name, id) {
				*l = append((*l)[:i], (*l)[i+1:]...)
				removed = true
			}
		}
		if removed {
			return "removed"
		}
		return "absent"
	})
	if err != nil {
		return state.Failedf("Cron %s for user %s failed to commit with error %v", name, u, err)
	}
	if status == "absent" {
		if env.Test {
			return state.OK(fmt.Sprintf("Cron %s is absent", name))
		}
		return state.OK(fmt.Sprintf("Cron %s already absent", name))
	}
	ch := map[string]any{u: name}
	if env.Test {
		return state.Pending(fmt.Sprintf("Cron %s is set to be removed", name), nil)
	}
	return state.Changed(fmt.Sprintf("Cron %s removed from %s's crontab", name, u), ch)
}

func envPresent(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := strings.TrimSpace(c.Name())
	u := user(c)
	value := c.Str("value")
	if value == `""` {
		value = ""
	}
	status, err := apply(ctx, env, u, func(t *Tab) string {
		for i, e := range t.Env {
			if e.Name == name {
				cur := e.Value
				if cur == `""` {
					cur = ""
				}
				if cur == value {
					return "present"
				}
				t.Env[i].Value = value
				return "updated"
			}
		}
		t.Env = append(t.Env, Env{Name: name, Value: value})
		return "new"
	})
	if err != nil {
		return state.Failedf("Cron env %s for user %s failed to commit with error \n%v", name, u, err)
	}
	ch := map[string]any{u: name}
	switch {
	case status == "present":
		return state.OK(fmt.Sprintf("Cron env %s already present", name))
	case status == "new" && env.Test:
		return state.Pending(fmt.Sprintf("Cron env %s is set to be added", name), nil)
	case status == "new":
		return state.Changed(fmt.Sprintf("Cron env %s added to %s's crontab", name, u), ch)
	case env.Test:
		return state.Pending(fmt.Sprintf("Cron env %s is set to be updated", name), nil)
	}
	return state.Changed(fmt.Sprintf("Cron env %s updated", name), ch)
}

func envAbsent(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := strings.TrimSpace(c.Name())
	u := user(c)
	status, err := apply(ctx, env, u, func(t *Tab) string {
		for i, e := range t.Env {
			if e.Name == name {
				t.Env = append(t.Env[:i], t.Env[i+1:]...)
				return "removed"
			}
		}
		return "absent"
	})
	if err != nil {
		return state.Failedf("Cron env %s for user %s failed to commit with error %v", name, u, err)
	}
	if status == "absent" {
		if env.Test {
			return state.OK(fmt.Sprintf("Cron env %s is absent", name))
		}
		return state.OK(fmt.Sprintf("Cron env %s already absent", name))
	}
	ch := map[string]any{u: name}
	if env.Test {
		return state.Pending(fmt.Sprintf("Cron env %s is set to be removed", name), nil)
	}
	return state.Changed(fmt.Sprintf("Cron env %s removed from %s's crontab", name, u), ch)
}
