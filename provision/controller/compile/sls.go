package compile

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"brine/provision/lib/fnmatch"
)

// fileState is the compiled content of one SLS file with its includes merged
// in (Salt's per-file "state" dict), or the whole highstate.
type fileState struct {
	ids      []string
	decls    map[string]*IDDecl
	extends  []*extendDecl
	excludes []exclude
}

func newFileState() *fileState { return &fileState{decls: map[string]*IDDecl{}} }

// extendDecl is one id under an `extend:` block.
type extendDecl struct {
	ID, SLS, Env, File string
	Line               int
	States             []*StateDecl
}

// exclude is one `exclude:` entry: kind "sls" or "id".
type exclude struct{ kind, val string }

// add appends a declaration; dup reports an existing one with the same id.
func (f *fileState) add(d *IDDecl) (dup *IDDecl) {
	if old, ok := f.decls[d.ID]; ok {
		f.decls[d.ID] = d
		return old
	}
	f.ids = append(f.ids, d.ID)
	f.decls[d.ID] = d
	return nil
}

// merge merges src into f (Salt's merge_included_states), reporting
// conflicting ids.
func (r *run) merge(f, src *fileState) {
	f.extends = append(f.extends, src.extends...)
	f.excludes = append(f.excludes, src.excludes...)
	for _, id := range src.ids {
		d := src.decls[id]
		if old := f.add(d); old != nil {
			r.errorf("Detected conflicting IDs, SLS IDs need to be globally unique. The conflicting ID is '%s' and is found in SLS '%s:%s' and SLS '%s:%s'",
				id, old.Env, old.SLS, d.Env, d.SLS)
		}
	}
}

// renderTop renders a top-level SLS into the highstate.
func (r *run) renderTop(env, sls string) {
	if r.mods[env+":"+sls] || r.needsTarget {
		return
	}
	st := r.renderState(env, sls)
	if st != nil {
		r.merge(r.high, st)
	}
}

// renderState renders one SLS (and, recursively, its includes), like Salt's
// render_state.
func (r *run) renderState(env, sls string) *fileState {
	r.mods[env+":"+sls] = true
	roots, envOK := r.c.tree.FileRoots[env]
	full, rel, src, ok := r.c.slsFile(roots, sls)
	if !ok || !envOK {
		r.errorf("Specified SLS %s in saltenv %s is not available on the salt master or through a configured fileserver", sls, env)
		return nil
	}
	vars := r.baseVars(env, false)
	slsVars(vars, sls, rel, full)
	text, err := r.render(r.c.envRenderer(env, false), full, src, vars, "sls\x00"+env+"\x00"+sls)
	if err != nil {
		r.errorf("Rendering SLS '%s:%s' failed: %v", env, sls, err)
		return nil
	}
	return r.stateFromText(env, sls, full, rel, text)
}

// stateFromText reads rendered SLS text into its declarations, includes
// and extends (the part of render_state after the render).
func (r *run) stateFromText(env, sls, full, rel, text string) *fileState {
	root, err := r.c.parseCached(text)
	if err != nil {
		r.errorf("Rendering SLS '%s:%s' failed: %s: %v", env, sls, full, err)
		return nil
	}
	st := newFileState()
	if root == nil {
		return st
	}
	if resolveAlias(root).Kind != yaml.MappingNode {
		r.errorf("SLS %s does not render to a dictionary (%s:%d)", sls, full, root.Line)
		return st
	}
	pairs, err := mappingPairs(root)
	if err != nil {
		r.errorf("Rendering SLS '%s:%s' failed: %s: %v", env, sls, full, err)
		return st
	}
	var includes []*yaml.Node
	for _, p := range pairs {
		switch p.Key {
		case "include":
			n := resolveAlias(p.Val)
			if n.Kind != yaml.SequenceNode {
				if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
					continue
				}
				r.errorf("Include Declaration in SLS %s is not formed as a list (%s:%d)", sls, full, p.KeyN.Line)
				continue
			}
			includes = append(includes, n.Content...)
		case "extend":
			r.parseExtend(st, env, sls, full, p)
		case "exclude":
			r.parseExclude(st, sls, full, p)
		default:
			if t := pyType(p.KeyN); t != "str" {
				r.errorf("ID '%s' in SLS '%s' is not formed as a string, but is a %s (%s:%d)", p.Key, sls, t, full, p.KeyN.Line)
				continue
			}
			if d := r.parseID(env, sls, full, p); d != nil {
				st.add(d)
			}
		}
	}
	own := append([]string(nil), st.ids...)
	isInit := strings.HasSuffix(rel, "/init.sls")
	for _, inc := range includes {
		incEnv, name, ok := r.includeTarget(env, sls, full, inc)
		if !ok {
			continue
		}
		name, err := relativeSLS(sls, name, isInit)
		if err != nil {
			r.errorf("%v (%s:%d)", err, full, inc.Line)
			continue
		}
		names := []string{name}
		if strings.ContainsAny(name, "*?[") {
			names = matchSLS(r.c.listSLS(incEnv), name)
		} else if _, _, _, ok := r.c.slsFile(r.c.tree.FileRoots[incEnv], name); !ok {
			names = nil
		}
		if len(names) == 0 {
			r.errorf("Unknown include: Specified SLS %s: %s is not available on the salt master in saltenv(s): %s", incEnv, name, incEnv)
			continue
		}
		for _, n := range names {
			if r.mods[incEnv+":"+n] || r.needsTarget {
				continue
			}
			if sub := r.renderState(incEnv, n); sub != nil {
				for _, id := range sub.ids {
					d := sub.decls[id]
					d.IncludedFrom = append(d.IncludedFrom, sls)
				}
				r.merge(st, sub)
			}
		}
	}
	r.autoOrder(st, own)
	return st
}

// includeTarget reads one include entry: "name", or {saltenv: name}.
func (r *run) includeTarget(env, sls, full string, n *yaml.Node) (string, string, bool) {
	v, err := nodeValueOrdered(n, "", r.order)
	if err != nil {
		r.errorf("Include Declaration in SLS %s: %v (%s:%d)", sls, err, full, n.Line)
		return "", "", false
	}
	switch t := v.(type) {
	case string:
		return env, t, true
	case map[string]any:
		if name, ok := t["sls"].(string); ok {
			// {sls: name, saltenv: env}
			for _, ek := range []string{"saltenv", "env"} {
				if e, ok := t[ek].(string); ok {
					return e, name, true
				}
			}
			return env, name, true
		}
		if len(t) == 1 {
			for k, x := range t {
				if s, ok := x.(string); ok {
					return k, s, true
				}
				if m, ok := x.(map[string]any); ok {
					// {name: {saltenv: env}}
					for _, ek := range []string{"saltenv", "env"} {
						if e, ok := m[ek].(string); ok {
							return e, k, true
						}
					}
					return env, k, true
				}
			}
		}
	}
	r.errorf("Include Declaration in SLS %s has an entry that is not a name or a single-key {saltenv: name} mapping (%s:%d)", sls, full, n.Line)
	return "", "", false
}

// relativeSLS resolves ".sub" and "..x" includes against the including SLS.
func relativeSLS(sls, inc string, isInit bool) (string, error) {
	if !strings.HasPrefix(inc, ".") {
		return inc, nil
	}
	rest := strings.TrimLeft(inc, ".")
	levels := len(inc) - len(rest)
	comps := strings.Split(sls, ".")
	if isInit {
		comps = append(comps, "init")
	}
	if levels > len(comps) {
		return "", fmt.Errorf(`Attempted relative include of "%s" within SLS %s goes beyond top level package`, inc, sls)
	}
	comps = append(comps[:len(comps)-levels], rest)
	out := strings.Trim(strings.Join(comps, "."), ".")
	return out, nil
}

// autoOrder gives every own state declaration without an `order` the next
// definition-order number (Salt's state_auto_order).
func (r *run) autoOrder(st *fileState, own []string) {
	for _, id := range own {
		d := st.decls[id]
		for _, s := range d.States {
			if _, ok := s.Get("order"); ok {
				continue
			}
			s.Args = append(s.Args, Arg{Key: "order", Value: r.iorder})
			r.iorder++
		}
	}
}

// parseID converts one top-level id declaration.
func (r *run) parseID(env, sls, full string, p mapPair) *IDDecl {
	d := &IDDecl{ID: p.Key, SLS: sls, Env: env, File: full, Line: p.KeyN.Line}
	val := resolveAlias(p.Val)
	if val.Kind == yaml.ScalarNode {
		if val.Tag != "!!null" && strings.Contains(val.Value, ".") {
			// short form: "GMT: timezone.system"
			mod, fun, _ := strings.Cut(val.Value, ".")
			d.States = []*StateDecl{{Module: mod, Funs: []string{fun}, Pos: Pos{full, p.KeyN.Line}}}
			return d
		}
	}
	if val.Kind != yaml.MappingNode {
		r.errorf("ID %s in SLS %s is not a dictionary (%s:%d)", p.Key, sls, full, p.KeyN.Line)
		return nil
	}
	d.States = r.parseStates(p.Key, sls, full, val, false)
	return d
}

// parseStates converts an id's body: state declarations in old or new form.
func (r *run) parseStates(id, sls, full string, body *yaml.Node, extend bool) []*StateDecl {
	pairs, err := mappingPairs(body)
	if err != nil {
		r.errorf("ID '%s' in SLS '%s': %v (%s)", id, sls, err, full)
		return nil
	}
	var out []*StateDecl
	seen := map[string]bool{}
	for _, sp := range pairs {
		if strings.HasPrefix(sp.Key, "__") {
			continue
		}
		mod, fun, dotted := strings.Cut(sp.Key, ".")
		v := resolveAlias(sp.Val)
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			r.errorf("ID '%s' in SLS '%s' contains a short declaration (%s) with a trailing colon. When not passing any arguments to a state, the colon must be omitted. (%s:%d)", id, sls, sp.Key, full, sp.KeyN.Line)
			continue
		}
		if v.Kind != yaml.SequenceNode {
			r.errorf("State '%s' in SLS '%s' is not formed as a list (%s:%d)", id, sls, full, sp.KeyN.Line)
			continue
		}
		if seen[mod] {
			r.errorf("ID '%s' in SLS '%s' contains multiple state declarations of the same type (%s:%d)", id, sls, full, sp.KeyN.Line)
			continue
		}
		seen[mod] = true
		sd := &StateDecl{Module: mod, Pos: Pos{full, sp.KeyN.Line}}
		for _, item := range v.Content {
			it := resolveAlias(item)
			switch it.Kind {
			case yaml.ScalarNode:
				x, err := scalarValue(it, "")
				if s, ok := x.(string); ok && err == nil {
					if len(sd.Funs) == 0 {
						sd.FunAt = len(sd.Args)
					}
					sd.Funs = append(sd.Funs, s)
					continue
				}
				r.errorf("ID '%s' in SLS '%s': state '%s' has an argument %q that is neither a function name nor a single-key mapping (%s:%d)", id, sls, sp.Key, it.Value, full, it.Line)
			case yaml.MappingNode:
				aps, err := mappingPairs(it)
				if err != nil {
					r.errorf("ID '%s' in SLS '%s': %v (%s:%d)", id, sls, err, full, it.Line)
					continue
				}
				// Salt (verify_high) refuses a dictionary with several keys
				// only when its first key is one of these requisites; any
				// other one gives one argument per key (compile_high_data).
				if len(aps) > 1 && multiKeyRequisite(aps[0].Key) {
					r.errorf("Multiple dictionaries defined in argument of state '%s' in SLS '%s' (%s:%d)", id, sls, full, it.Line)
					continue
				}
				for i, ap := range aps {
					val, err := nodeValueOrdered(ap.Val, ap.Key, r.order)
					if err != nil {
						r.errorf("ID '%s' in SLS '%s': %v (%s:%d)", id, sls, err, full, it.Line)
						continue
					}
					sd.Args = append(sd.Args, Arg{Key: ap.Key, Value: val, Joined: i > 0, IntText: isIntText(ap.Key, ap.Val), Pos: Pos{full, it.Line}})
				}
			default:
				r.errorf("ID '%s' in SLS '%s': state '%s' has an argument that is neither a function name nor a single-key mapping (%s:%d)", id, sls, sp.Key, full, it.Line)
			}
		}
		if dotted {
			// Salt appends the function of "file.managed:" after the
			// arguments (_handle_state_decls)
			if len(sd.Funs) == 0 {
				sd.FunAt = len(sd.Args)
			}
			sd.Funs = append([]string{fun}, sd.Funs...)
		}
		out = append(out, sd)
	}
	return out
}

// multiKeyRequisite lists the first keys for which Salt's verify_high
// refuses an argument dictionary with several keys.
func multiKeyRequisite(k string) bool {
	return k == "require" || k == "watch" || k == "prereq" || k == "onchanges"
}

// isIntText reports a mode-like argument written as an unquoted integer,
// which the compiler keeps as its text (see isModeKey).
func isIntText(key string, n *yaml.Node) bool {
	n = resolveAlias(n)
	return isModeKey(key) && n != nil && n.Kind == yaml.ScalarNode && n.Style == 0 && n.ShortTag() == "!!int"
}

// parseExtend reads an `extend:` block.
func (r *run) parseExtend(st *fileState, env, sls, full string, p mapPair) {
	pairs, err := mappingPairs(p.Val)
	if err != nil {
		r.errorf("Extension value in SLS '%s' is not a dictionary (%s:%d)", sls, full, p.KeyN.Line)
		return
	}
	for _, ep := range pairs {
		if resolveAlias(ep.Val).Kind != yaml.MappingNode {
			r.errorf("Extension value in SLS '%s' is not a dictionary (%s:%d)", sls, full, ep.KeyN.Line)
			continue
		}
		st.extends = append(st.extends, &extendDecl{
			ID: ep.Key, SLS: sls, Env: env, File: full, Line: ep.KeyN.Line,
			States: r.parseStates(ep.Key, sls, full, ep.Val, true),
		})
	}
}

// parseExclude reads an `exclude:` block.
func (r *run) parseExclude(st *fileState, sls, full string, p mapPair) {
	v, err := nodeValueOrdered(p.Val, "", r.order)
	list, ok := v.([]any)
	if err != nil || !ok {
		r.errorf("Exclude Declaration in SLS %s is not formed as a list (%s:%d)", sls, full, p.KeyN.Line)
		return
	}
	for _, e := range list {
		switch t := e.(type) {
		case string:
			st.excludes = append(st.excludes, exclude{"sls", t})
		case map[string]any:
			for k, x := range t {
				s, ok := x.(string)
				if (k == "sls" || k == "id") && ok && len(t) == 1 {
					st.excludes = append(st.excludes, exclude{k, s})
				} else {
					r.errorf("Exclude Declaration in SLS %s: entry must be {sls: name} or {id: name} (%s:%d)", sls, full, p.KeyN.Line)
				}
			}
		default:
			r.errorf("Exclude Declaration in SLS %s: entry must be {sls: name} or {id: name} (%s:%d)", sls, full, p.KeyN.Line)
		}
	}
}

// hasInnerSpace reports a function name with inner whitespace.
func hasInnerSpace(s string) bool {
	return strings.ContainsAny(strings.TrimSpace(s), " \t\n")
}

// matchSLS filters SLS names with a glob.
func matchSLS(all []string, pattern string) []string {
	var out []string
	for _, s := range all {
		if fnmatch.Match(pattern, s) {
			out = append(out, s)
		}
	}
	return out
}

// listSLS lists the SLS names available in a saltenv, sorted.
func (c *Compiler) listSLS(env string) []string {
	if v, ok := c.slsLists.Load(env); ok {
		return v.([]string)
	}
	seen := map[string]bool{}
	for _, root := range c.tree.FileRoots[env] {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".sls") {
				return nil
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return nil
			}
			rel = strings.TrimSuffix(filepath.ToSlash(rel), ".sls")
			if rel == "top" {
				return nil
			}
			rel = strings.TrimSuffix(rel, "/init")
			seen[strings.ReplaceAll(rel, "/", ".")] = true
			return nil
		})
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	c.slsLists.Store(env, out)
	return out
}

// pyType names the Python type PyYAML would give a plain scalar key.
func pyType(n *yaml.Node) string {
	if n.Style != 0 {
		return "str"
	}
	v, err := scalarValue(n, "")
	if err != nil {
		return "str"
	}
	switch v.(type) {
	case int:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	case nil:
		return "NoneType"
	}
	return "str"
}
