package compile

import (
	"fmt"
	"sort"
	"strings"

	"brine/provision/lib/fnmatch"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/lowstate"
)

// requisites are the requisite keywords kept on chunks (normalised to lists
// of single-key {type: target} maps).
func requisites() map[string]bool {
	return map[string]bool{
		"require": true, "require_any": true, "watch": true, "watch_any": true,
		"prereq": true, "onfail": true, "onfail_any": true, "onfail_all": true,
		"onchanges": true, "onchanges_any": true, "listen": true, "use": true,
		"prerequired": true,
	}
}

// requisiteIns maps the _in forms to the requisite they add to the target.
func requisiteIns() map[string]string {
	return map[string]string{
		"require_in": "require", "watch_in": "watch", "prereq_in": "prereq",
		"onfail_in": "onfail", "onchanges_in": "onchanges", "listen_in": "listen",
		"use_in": "use",
	}
}

// isRequisiteKey reports keys whose values extend merges by appending.
func (c *Compiler) isRequisiteKey(k string) bool {
	if c.reqs[k] {
		return true
	}
	_, ok := c.ins[k]
	return ok
}

// reqList reads a requisite value: a list of "id" strings and single-key
// {type: name} maps. strict rejects a non-list value.
func reqList(v any, strict bool) ([]lowstate.Ref, bool) {
	return lowstate.ParseRequisites(v, lowstate.RefOptions{Strict: strict, Str: pyfmt.Str})
}

// finish runs the call_high steps on the collected highstate: extend,
// verification, requisite_in, exclude; then builds, checks and orders the
// lowstate and resolves files.
func (r *run) finish() (*Result, error) {
	if r.needsTarget {
		return nil, r.failure()
	}
	h := r.high
	r.reconcileExtend(h, h.extends)
	r.verify(h)
	if len(r.errs) > 0 {
		return nil, r.failure()
	}
	r.requisiteIn(h)
	if len(r.errs) > 0 {
		return nil, r.failure()
	}
	r.applyExclude(h)
	chunks := r.compileChunks(h)
	r.checkSpecs(chunks)
	if len(r.errs) > 0 {
		return nil, r.failure()
	}
	orderChunks(chunks)
	r.resolveFiles(chunks)
	if len(r.errs) > 0 {
		return nil, r.failure()
	}
	low := make([]lowstate.Chunk, len(chunks))
	for i, c := range chunks {
		low[i] = c.Chunk
	}
	res := &Result{High: High{ids: h.ids, decls: h.decls}, Low: low, Files: r.files, Pillar: r.pillar}
	return res, nil
}

// findName finds the ids whose declaration of module mod has id or name
// (or one of names) matching pattern (Salt's find_name, with globs).
func findName(h *fileState, pattern, mod string) []string {
	var out []string
	for _, id := range h.ids {
		d := h.decls[id]
		s := d.state(mod)
		if s == nil {
			continue
		}
		if fnmatch.Match(pattern, id) || nameMatches(s, pattern) {
			out = append(out, id)
		}
	}
	return out
}

func nameMatches(s *StateDecl, pattern string) bool {
	if v, ok := s.Get("name"); ok {
		if n, ok := v.(string); ok && fnmatch.Match(pattern, n) {
			return true
		}
	}
	if v, ok := s.Get("names"); ok {
		if l, ok := v.([]any); ok {
			for _, e := range l {
				n := ""
				switch t := e.(type) {
				case string:
					n = t
				case map[string]any:
					for k := range t {
						n = k
					}
				}
				if n != "" && fnmatch.Match(pattern, n) {
					return true
				}
			}
		}
	}
	return false
}

// cannotExtend is Salt's message for an extend or _in to a missing id.
func cannotExtend(id, env, sls string) string {
	return fmt.Sprintf("Cannot extend ID '%[1]s' in '%[2]s:%[3]s'. It is not part of the high state.\n"+
		"This is likely due to a missing include statement or an incorrectly typed ID.\n"+
		"Ensure that a state with an ID of '%[1]s' is available\n"+
		"in environment '%[2]s' and to SLS '%[3]s'", id, env, sls)
}

// reconcileExtend applies extend declarations (Salt's reconcile_extend):
// requisites are appended, other arguments replaced, functions swapped, new
// state modules added.
func (r *run) reconcileExtend(h *fileState, exts []*extendDecl) {
	for _, ext := range exts {
		id := ext.ID
		if _, ok := h.decls[id]; !ok {
			mod := ""
			if len(ext.States) > 0 {
				mod = ext.States[0].Module
			}
			ids := findName(h, id, mod)
			if len(ids) != 1 || strings.ContainsAny(id, "*?[") {
				r.errs = append(r.errs, cannotExtend(ext.ID, ext.Env, ext.SLS))
				continue
			}
			id = ids[0]
		}
		d := h.decls[id]
		for _, es := range ext.States {
			s := d.state(es.Module)
			if s == nil {
				d.States = append(d.States, es.clone())
				continue
			}
			if len(es.Funs) > 0 {
				if len(s.Funs) == 0 {
					s.FunAt = len(s.Args)
				}
				s.Funs = append([]string(nil), es.Funs...)
			}
			for _, a := range es.Args {
				r.c.extendArg(s, a)
			}
		}
	}
}

// extendArg merges one argument into a state declaration.
func (c *Compiler) extendArg(s *StateDecl, a Arg) {
	for i, old := range s.Args {
		if old.Key == a.Key {
			if c.isRequisiteKey(a.Key) {
				// Salt's reconcile_extend extends the list as written
				s.Args[i].Value = append(asList(deepCopy(old.Value)), asList(deepCopy(a.Value))...)
			} else {
				s.Args[i].Value = deepCopy(a.Value)
				s.Args[i].IntText = a.IntText
				s.Args[i].Pos = a.Pos
			}
			return
		}
		if a.Key == "name" && old.Key == "names" {
			s.Args[i] = Arg{Key: a.Key, Value: deepCopy(a.Value), Pos: a.Pos}
			return
		}
	}
	a.Value = deepCopy(a.Value)
	a.Joined = false
	s.Args = append(s.Args, a)
}

// asList is v as a list: itself, or a list of it.
func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// verify checks the structure of the highstate (Salt's verify_high).
func (r *run) verify(h *fileState) {
	// reqs is verify_high's recursion table: id -> the state (module) of
	// its last requisite argument, and each target value -> its type.
	type reqEntry struct {
		state string
		to    map[string]string
	}
	reqs := map[string]*reqEntry{}
	for _, id := range h.ids {
		d := h.decls[id]
		for _, s := range d.States {
			for _, f := range s.Funs {
				if hasInnerSpace(f) {
					r.errorf(`The function "%s" in state "%s" in SLS "%s" has whitespace, a function with whitespace is not supported, perhaps this is an argument that is missing a ":"`, f, id, d.SLS)
				}
			}
			switch {
			case len(s.Funs) == 0:
				r.errorf("No function declared in state '%s' in SLS '%s'", id, d.SLS)
			case len(s.Funs) > 1:
				r.errorf("Too many functions declared in state '%s' in SLS '%s'. Please choose one of the following: %s", id, d.SLS, strings.Join(s.Funs, ", "))
			}
			for _, a := range s.Args {
				if !r.c.reqs[a.Key] || a.Key == "prerequired" {
					continue
				}
				refs, ok := reqList(a.Value, true)
				if !ok {
					r.errorf("The %s statement in state '%s' in SLS '%s' needs to be formed as a list", a.Key, id, d.SLS)
					continue
				}
				for _, it := range a.Value.([]any) {
					if m, ok := it.(map[string]any); ok && len(m) != 1 {
						r.errorf("Requisite declaration %s in SLS %s is not formed as a single key dictionary", pyfmt.Repr(m), d.SLS)
					}
					if _, ok := it.([]any); ok {
						r.errorf("Requisite declaration %s in SLS %s is not formed as a single key dictionary", pyfmt.Repr(it), d.SLS)
					}
				}
				for _, rf := range refs {
					if i := strings.IndexByte(rf.Kind, '.'); i >= 0 {
						r.errorf("Invalid requisite type '%s' in state '%s', in SLS '%s'. Requisite types must not contain dots, did you mean '%s'?", rf.Kind, id, d.SLS, rf.Kind[:i])
					}
				}
				// Salt's verify_high finds one recursion at compile time: two
				// ids requiring each other by id with each one's state as the
				// type (only require, watch, prereq and onchanges; each such
				// argument starts the id's table afresh, as Salt's does).
				// Other cycles fail their states when they run ("Recursive
				// requisite found"), as in Salt 3007.
				switch a.Key {
				case "require", "watch", "prereq", "onchanges":
				default:
					continue
				}
				e := &reqEntry{state: s.Module, to: map[string]string{}}
				reqs[id] = e
				for _, rf := range refs {
					e.to[rf.Target] = rf.Kind
					if o, ok := reqs[rf.Target]; ok {
						if kind, ok := o.to[id]; ok && kind == s.Module && o.state == rf.Kind {
							r.errorf(`A recursive requisite was found, SLS "%s" ID "%s" ID "%s"`, d.SLS, id, rf.Target)
						}
					}
				}
			}
		}
	}
}

// target is one (id, module) a requisite_in applies to.
type target struct{ id, mod string }

// resolveIn finds the declarations a requisite_in ref points at.
func resolveIn(h *fileState, rf lowstate.Ref) []target {
	var out []target
	switch rf.Kind {
	case "sls":
		for _, id := range h.ids {
			d := h.decls[id]
			if fnmatch.Match(rf.Target, d.SLS) {
				for _, s := range d.States {
					out = append(out, target{id, s.Module})
				}
			}
		}
	case "id":
		// A bare id targets the first state declaration of that id, or the
		// state whose name it is (Salt's requisite_in).
		if d, ok := h.decls[rf.Target]; ok {
			if len(d.States) > 0 {
				out = append(out, target{rf.Target, d.States[0].Module})
			}
			return out
		}
		for _, id := range h.ids {
			for _, s := range h.decls[id].States {
				if v, ok := s.Get("name"); ok && v == rf.Target {
					out = append(out, target{id, s.Module})
				}
			}
		}
	default:
		for _, id := range findName(h, rf.Target, rf.Kind) {
			out = append(out, target{id, rf.Kind})
		}
	}
	return out
}

// requisiteIn turns _in requisites into requisites on their targets, adds
// prerequired markers and resolves `use` (Salt's requisite_in).
func (r *run) requisiteIn(h *fileState) {
	ins := r.c.ins
	var pending []*extendDecl
	add := func(id, mod string, a Arg) {
		pending = append(pending, &extendDecl{ID: id, States: []*StateDecl{{Module: mod, Args: []Arg{a}, FunAt: 1}}})
	}
	for _, id := range h.ids {
		d := h.decls[id]
		for _, s := range d.States {
			for _, a := range s.Args {
				rkey, isIn := ins[a.Key]
				if !isIn && a.Key != "use" && a.Key != "prereq" {
					continue
				}
				refs, ok := reqList(a.Value, false)
				if !ok {
					r.errorf("The %s statement in state '%s' in SLS '%s' needs to be formed as a list", a.Key, id, d.SLS)
					continue
				}
				// Salt's requisite_in walks a list form with a list of
				// "hinges" it never resets: each entry applies every
				// target so far again (require_in: [a, b] requires a
				// twice, b once; its lowstate keeps the duplicates), an
				// sls entry replaces them with that SLS's states
				_, isList := a.Value.([]any)
				var hinges []target
				for _, rf := range refs {
					tgts := resolveIn(h, rf)
					if isIn && len(tgts) == 0 && rf.Kind != "id" {
						r.errs = append(r.errs, cannotExtend(rf.Target, d.Env, d.SLS))
						continue
					}
					if len(tgts) == 0 {
						continue // (Salt skips bare ids that match nothing)
					}
					if isList {
						if rf.Kind == "sls" {
							hinges = tgts
						} else {
							hinges = append(hinges, tgts...)
						}
						tgts = hinges
					}
					for _, t := range tgts {
						switch a.Key {
						case "use_in":
							r.c.useArgs(h, t.id, t.mod, id, s.Module, add)
						case "use":
							r.c.useArgs(h, id, s.Module, t.id, t.mod, add)
						case "prereq":
							add(t.id, t.mod, Arg{Key: "prerequired", Value: []any{map[string]any{s.Module: id}}})
						default:
							add(t.id, t.mod, Arg{Key: rkey, Value: []any{map[string]any{s.Module: id}}})
							if a.Key == "prereq_in" {
								add(id, s.Module, Arg{Key: "prerequired", Value: []any{map[string]any{rf.Kind: rf.Target}}})
							}
						}
					}
				}
			}
		}
	}
	r.reconcileExtend(h, pending)
}

// useArgs copies the arguments of (fromID, fromMod) that (toID, toMod) does
// not set itself, except name, names and requisites.
func (c *Compiler) useArgs(h *fileState, toID, toMod, fromID, fromMod string, add func(string, string, Arg)) {
	to := h.decls[toID].state(toMod)
	from := h.decls[fromID].state(fromMod)
	if to == nil || from == nil {
		return
	}
	for _, a := range from.Args {
		if a.Key == "name" || a.Key == "names" || a.Key == "order" || c.isRequisiteKey(a.Key) {
			continue
		}
		if _, has := to.Get(a.Key); has {
			continue
		}
		a.Value = deepCopy(a.Value)
		a.Joined = false
		add(toID, toMod, a)
	}
}

// applyExclude removes excluded ids and the ids of excluded SLS.
func (r *run) applyExclude(h *fileState) {
	var drop []string
	for _, ex := range h.excludes {
		for _, id := range h.ids {
			d := h.decls[id]
			if ex.kind == "id" && id == ex.val || ex.kind == "sls" && fnmatch.Match(ex.val, d.SLS) {
				drop = append(drop, id)
			}
		}
	}
	for _, id := range drop {
		h.ids = removeID(h.ids, id)
		delete(h.decls, id)
	}
}

func removeID(ids []string, id string) []string {
	for i, x := range ids {
		if x == id {
			return append(ids[:i:i], ids[i+1:]...)
		}
	}
	return ids
}

// chunk is a lowstate chunk with its sort keys.
type chunk struct {
	lowstate.Chunk
	nameOrder int
	seq       int
}

// compileChunks builds the lowstate (Salt's compile_high_data): one chunk
// per state declaration and name.
func (r *run) compileChunks(h *fileState) []*chunk {
	var out []*chunk
	for _, id := range h.ids {
		d := h.decls[id]
		for _, s := range d.States {
			base := lowstate.Chunk{"state": s.Module, "name": id, "__sls__": d.SLS, "__env__": d.Env, "__id__": id}
			if len(d.IncludedFrom) > 0 {
				base["__sls_included_from__"] = strsToAny(d.IncludedFrom)
			}
			var names []any
			var intText []any
			for _, a := range s.Args {
				switch {
				case a.Key == "names":
					l, ok := a.Value.([]any)
					if !ok {
						r.errorf("The 'names' argument in state '%s' in SLS '%s' needs to be formed as a list", id, d.SLS)
						continue
					}
					names = append(names, l...)
				case a.Key == "state":
				case a.Key == "name":
					// like Salt, a name that is not a string falls back to the id
					if n, ok := a.Value.(string); ok {
						base["name"] = n
					}
				default:
					// requisites too stay as written, as Salt prints them
					base[a.Key] = a.Value
					if a.IntText {
						intText = append(intText, a.Key)
					} else {
						intText = dropValue(intText, a.Key)
					}
				}
			}
			if len(intText) > 0 {
				base[lowstate.KeyIntText] = intText
			}
			if s.Module == "module" {
				var order []any
				for _, a := range s.Args {
					if strings.Contains(a.Key, ".") {
						order = append(order, a.Key)
					}
				}
				if len(order) > 1 {
					base[lowstate.KeyArgOrder] = order
				}
			}
			fun := s.Fun()
			if len(names) == 0 {
				// values are shared with the highstate, which is read-only
				// from here on
				c := base
				c["fun"] = fun
				out = append(out, &chunk{Chunk: c, seq: len(out)})
				continue
			}
			seen := map[string]bool{}
			n := 0
			for _, e := range names {
				c := cloneChunk(base)
				switch t := e.(type) {
				case map[string]any:
					for k, v := range t {
						c["name"] = k
						applyNameArgs(c, v)
					}
				default:
					c["name"] = pyfmt.Str(t)
				}
				nm := c["name"].(string)
				if seen[nm] {
					continue
				}
				seen[nm] = true
				n++
				c["fun"] = fun
				out = append(out, &chunk{Chunk: c, nameOrder: n, seq: len(out)})
			}
		}
	}
	return out
}

// applyNameArgs applies per-name arguments from `names: [{name: [{k: v}]}]`.
func applyNameArgs(c lowstate.Chunk, v any) {
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				for k, x := range m {
					c[k] = x
				}
			}
		}
	case map[string]any:
		for k, x := range t {
			c[k] = x
		}
	}
}

// strsToAny copies a string list into a generic one.
func strsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// dropValue removes v from l.
func dropValue(l []any, v any) []any {
	out := l[:0]
	for _, x := range l {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func cloneChunk(c lowstate.Chunk) lowstate.Chunk {
	out := make(lowstate.Chunk, len(c)+2)
	for k, v := range c {
		out[k] = deepCopy(v)
	}
	return out
}

// orderChunks assigns numeric orders and sorts (Salt's order_chunks):
// "first" is 0, "last" and negative orders go after everything, the
// tie-break is name order then "state+name+fun".
func orderChunks(chunks []*chunk) {
	capOrder := 1
	for _, c := range chunks {
		if o, ok := asInt(c.Chunk["order"]); ok && o > capOrder-1 && o > 0 {
			capOrder = o + 100
		}
	}
	for _, c := range chunks {
		v, has := c.Chunk["order"]
		o, isInt := asInt(v)
		switch {
		case !has:
			o = capOrder
		case isInt:
		case v == "last":
			o = capOrder + 1000000
		case v == "first":
			o = 0
		default:
			o = capOrder
		}
		if o < 0 {
			o = capOrder + 1000000 + o
		}
		c.Chunk["order"] = o
		if c.nameOrder > 0 {
			// Salt: order + name_order / 10000.0, a float in the lowstate
			c.Chunk["order"] = float64(o) + float64(c.nameOrder)/10000
		}
	}
	key := func(c *chunk) float64 {
		if f, ok := c.Chunk["order"].(float64); ok {
			return f
		}
		return float64(c.Chunk["order"].(int))
	}
	sort.SliceStable(chunks, func(i, j int) bool {
		a, b := chunks[i], chunks[j]
		if oa, ob := key(a), key(b); oa != ob {
			return oa < ob
		}
		return a.State()+a.Name()+a.Fun() < b.State()+b.Name()+b.Fun()
	})
}

func asInt(v any) (int, bool) {
	switch t := v.(type) {
	case int:
		return t, true
	case int64:
		return int(t), true
	case float64:
		if t == float64(int(t)) {
			return int(t), true
		}
	}
	return 0, false
}
