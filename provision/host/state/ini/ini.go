// Package ini implements Salt's ini state module (options_present) on the
// ini_manage parser: options at the top of the file or in [sections],
// comments kept, "key = value" written.
package ini

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"brine/provision/host/state"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/lowstate"
)

// Module returns the ini state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{"options_present": optionsPresent}}
}

// pyStr is Python's str() of a value from the SLS (its whole numbers are
// ints: they crossed the wire as JSON).
func pyStr(v any) string { return pyfmt.Str(pyfmt.Ints(v)) }

// ordered turns the sections argument into ordered keys. The SLS order does
// not survive the trip to the host (chunks are JSON objects), so keys are
// sorted: new options are added in sorted order.
func ordered(m map[string]any) []kv {
	out := make([]kv, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if sub, ok := m[k].(map[string]any); ok {
			out = append(out, kv{k, ordered(sub)})
		} else {
			out = append(out, kv{k, pyStr(m[k])})
		}
	}
	return out
}

// load reads and parses the file (a missing file is empty, as in Salt).
func load(env *state.Env, name, sep string) (*section, error) {
	b, err := os.ReadFile(state.HostPath(env, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return parseFile(string(b), sep), nil
}

func optionsPresent(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	sep := state.ArgStr(c, "separator")
	if !state.HasArg(c, "separator") {
		sep = "="
	}
	strict := state.ArgBool(c, "strict", false)
	sections := state.ArgMap(c, "sections")
	ini, err := load(env, name, sep)
	if err != nil {
		return state.Failed(err.Error())
	}
	cur := ini.values()
	var opts, secs []kv
	for _, p := range ordered(sections) {
		if _, isSec := p.val.([]kv); isSec {
			secs = append(secs, p)
		} else {
			opts = append(opts, p)
		}
	}
	if env.Test {
		return predict(name, cur, opts, secs, strict)
	}
	changes := map[string]any{}
	if len(sections) > 0 {
		for k, v := range ini.update(opts) {
			changes[k] = v
		}
		if strict {
			for _, k := range slices.Sorted(maps.Keys(cur)) {
				if _, isSec := cur[k].(map[string]any); isSec || hasKey(opts, k) {
					continue
				}
				ini.pop(k)
				changes[k] = map[string]any{"before": cur[k], "after": nil}
			}
		}
		for _, s := range secs {
			sch := map[string]any{}
			body := s.val.([]kv)
			if strict {
				orig, _ := cur[s.key].(map[string]any)
				for _, k := range slices.Sorted(maps.Keys(orig)) {
					if hasKey(body, k) {
						continue
					}
					if _, e := ini.find(s.key); e != nil && e.sec != nil {
						e.sec.pop(k)
					}
					sch[k] = map[string]any{"before": orig[k], "after": nil}
				}
			}
			if up := ini.update([]kv{s}); up[s.key] != nil {
				if m, ok := up[s.key].(map[string]any); ok {
					for k, v := range m {
						sch[k] = v
					}
				}
			}
			if len(sch) > 0 {
				changes[s.key] = sch
			}
		}
	}
	if err := write(env, name, ini.text()); err != nil {
		return state.Failed(err.Error())
	}
	if len(changes) == 0 {
		return state.OK("No anomaly detected")
	}
	return state.Changed("Changes take effect", changes)
}

// predict is options_present in test mode: one comment line per option.
func predict(name string, cur map[string]any, opts, secs []kv, strict bool) *lowstate.Result {
	comment := ""
	pending := false
	for _, o := range opts {
		if v, ok := cur[o.key]; ok && !isMap(v) && pyStr(v) == o.val.(string) {
			comment += fmt.Sprintf("Unchanged key %s.\n", o.key)
		} else {
			comment += fmt.Sprintf("Changed key %s.\n", o.key)
			pending = true
		}
	}
	if strict && len(opts)+len(secs) > 0 {
		for _, k := range slices.Sorted(maps.Keys(cur)) {
			if isMap(cur[k]) || hasKey(opts, k) {
				continue
			}
			comment += fmt.Sprintf("Removed key %s.\n", k)
			pending = true
		}
	}
	for _, s := range secs {
		descr := ""
		if s.key != "" {
			descr = " in section " + s.key
		}
		orig, _ := cur[s.key].(map[string]any)
		body := s.val.([]kv)
		if strict {
			for _, k := range slices.Sorted(maps.Keys(orig)) {
				if !hasKey(body, k) {
					comment += fmt.Sprintf("Deleted key %s%s.\n", k, descr)
					pending = true
				}
			}
		}
		for _, o := range body {
			want, _ := o.val.(string)
			if v, ok := orig[o.key]; ok && !isMap(v) && pyStr(v) == want {
				comment += fmt.Sprintf("Unchanged key %s%s.\n", o.key, descr)
			} else {
				comment += fmt.Sprintf("Changed key %s%s.\n", o.key, descr)
				pending = true
			}
		}
	}
	if pending {
		return state.Pending(comment, nil)
	}
	return state.OK(comment)
}

func write(env *state.Env, name, text string) error {
	hp := state.HostPath(env, name)
	if _, err := os.Stat(filepath.Dir(hp)); err != nil {
		return fmt.Errorf("[Errno 2] No such file or directory: '%s'", name)
	}
	if old, err := os.ReadFile(hp); err == nil && string(old) == text {
		return nil
	}
	return state.WriteHostFile(hp, []byte(text), 0, -1, -1)
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

func hasKey(l []kv, k string) bool {
	for _, p := range l {
		if p.key == k {
			return true
		}
	}
	return false
}
