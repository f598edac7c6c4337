// Package host implements Salt's host states (present, absent) on
// <Root>/etc/hosts.
package host

import (
	"context"
	"fmt"
	"os"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

const hostsFile = "/etc/hosts"

// Module returns the host state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{
		"present": func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
			return edit(env, c, true)
		},
		"absent": func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
			return edit(env, c, false)
		},
	}}
}

// line is one /etc/hosts line; ip == "" for comments and blanks.
type line struct {
	raw     string
	ip      string
	names   []string
	comment string
	dirty   bool
}

func parse(s string) []*line {
	var out []*line
	for _, raw := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		l := &line{raw: raw}
		body := raw
		if i := strings.IndexByte(raw, '#'); i >= 0 {
			body, l.comment = raw[:i], raw[i:]
		}
		if f := strings.Fields(body); len(f) > 0 {
			l.ip, l.names = f[0], f[1:]
		}
		out = append(out, l)
	}
	if len(out) == 1 && out[0].raw == "" {
		return nil
	}
	return out
}

func render(ls []*line) string {
	var b strings.Builder
	for _, l := range ls {
		switch {
		case !l.dirty:
			b.WriteString(l.raw)
		case len(l.names) == 0:
			continue
		default:
			b.WriteString(l.ip + "\t" + strings.Join(l.names, " "))
			if l.comment != "" {
				b.WriteString(" " + l.comment)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func has(s []string, x string) bool {
	for _, e := range s {
		if e == x {
			return true
		}
	}
	return false
}

func edit(env *state.Env, c lowstate.Chunk, present bool) *lowstate.Result {
	name := c.Name()
	ips := state.ArgList(c, "ip")
	if name == "" || len(ips) == 0 {
		return state.Failed("host states need a name and an ip (a string or a list)")
	}
	p := state.HostPath(env, hostsFile)
	data, err := os.ReadFile(p)
	if err != nil && !os.IsNotExist(err) {
		return state.Failedf("Failed to read %s: %v", hostsFile, err)
	}
	ls := parse(string(data))
	changed := map[string]any{}
	var comments []string
	verb, done, would := "added", "Added host %s (%s)", "Host %s (%s) would be added"
	already := "Host %s (%s) already present"
	if !present {
		verb, done, would, already = "removed", "Removed host %s (%s)", "Host %s (%s) would be removed", "Host %s (%s) already absent"
	}
	for _, ip := range ips {
		found := false
		for _, l := range ls {
			if l.ip != ip {
				continue
			}
			if has(l.names, name) {
				found = true
				if !present {
					var keep []string
					for _, n := range l.names {
						if n != name {
							keep = append(keep, n)
						}
					}
					l.names, l.dirty = keep, true
				}
			}
		}
		if present && !found {
			added := false
			for _, l := range ls {
				if l.ip == ip {
					l.names, l.dirty, added = append(l.names, name), true, true
					break
				}
			}
			if !added {
				ls = append(ls, &line{ip: ip, names: []string{name}, dirty: true})
			}
		}
		if found != present {
			changed[ip] = []any{name}
			if env.Test {
				comments = append(comments, fmt.Sprintf(would, name, ip))
			} else {
				comments = append(comments, fmt.Sprintf(done, name, ip))
			}
		} else {
			comments = append(comments, fmt.Sprintf(already, name, ip))
		}
	}
	cm := strings.Join(comments, "\n")
	if !present {
		return absentResult(env, ls, name, ips, changed)
	}
	if len(changed) == 0 {
		return state.OK(cm)
	}
	ch := map[string]any{verb: changed}
	if env.Test {
		return state.Pending(cm, ch)
	}
	if err := state.WriteFile(env, hostsFile, []byte(render(ls)), 0, -1, -1); err != nil {
		return state.Failedf("Failed to write %s: %v", hostsFile, err)
	}
	return state.Changed(cm, ch)
}

// absentResult is Salt's host.absent: "needs to be removed" in test mode
// (no changes), {"host": name} once removed; the result is None in test
// mode unless an address was already clean.
func absentResult(env *state.Env, ls []*line, name string, ips []string, removed map[string]any) *lowstate.Result {
	r := &lowstate.Result{Changes: map[string]any{}}
	var comments []string
	for _, ip := range ips {
		switch _, todo := removed[ip]; {
		case !todo:
			r.Result = lowstate.Bool(true)
			comments = append(comments, fmt.Sprintf("Host %s (%s) already absent", name, ip))
		case env.Test:
			comments = append(comments, fmt.Sprintf("Host %s (%s) needs to be removed", name, ip))
		default:
			r.Result = lowstate.Bool(true)
			r.Changes["host"] = name
			comments = append(comments, fmt.Sprintf("Removed host %s (%s)", name, ip))
		}
	}
	r.Comment = strings.Join(comments, "\n")
	if len(r.Changes) > 0 {
		if err := state.WriteFile(env, hostsFile, []byte(render(ls)), 0, -1, -1); err != nil {
			return state.Failed("Failed to remove host")
		}
	}
	return r
}
