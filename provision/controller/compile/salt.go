package compile

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"brine/inventory/match"
	"brine/provision/controller/compile/jinja"
	"brine/provision/host/modules"
	"brine/provision/lib/fnmatch"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/funcs"
)

// saltObj is the `salt` template variable: salt['mod.fun'] and salt.mod.fun
// both resolve to a jinja.Callable. Functions come from three places: the
// compile-time ones below (pillar.*, grains.*, config.*, defaults.*...,
// which salt-ssh also runs on the master), the execution modules of
// provision/host/modules (answered by the target, or by the controller in pillar
// templates) and nothing else: any other name is undefined, so
// `salt['x.y'] is defined` and `is callable` are false and a call fails with
// Salt's "'x.y' is not available." at the template's file and line.
type saltObj struct {
	r      *run
	pillar bool
	fns    map[string]jinja.Callable
}

// saltMod is `salt.mod`, resolving `.fun`.
type saltMod struct {
	s   *saltObj
	mod string
}

// newSaltObj builds the `salt` object of one host run, for pillar templates
// or for state and file templates; pil returns the pillar its pillar.*
// functions read.
func newSaltObj(r *run, pillar bool, pil func() map[string]any) *saltObj {
	// The delimiter's position differs: pillar.get(key, default, merge,
	// delimiter), grains.get and config.get(key, default, delimiter, ...).
	pillarGet := func(args []any, kw map[string]any) (any, error) {
		return dataGet(r.order, pil(), args, kw, 3)
	}
	grainsGet := func(args []any, kw map[string]any) (any, error) {
		return dataGet(r.order, r.grains, args, kw, 2)
	}
	configGet := func(args []any, kw map[string]any) (any, error) {
		key, def, delim := getArgs(args, kw, 2)
		for _, src := range []map[string]any{r.opts, r.grains, pil()} {
			if v, ok := match.Traverse(src, key, delim); ok {
				return deepCopyOrdered(v, r.order), nil
			}
		}
		return def, nil
	}
	noop := func([]any, map[string]any) (any, error) { return "", nil }
	fns := map[string]jinja.Callable{
		"pillar.get":   pillarGet,
		"pillar.fetch": pillarGet,
		"pillar.item":  itemsOf(pil),
		"pillar.items": func([]any, map[string]any) (any, error) { return deepCopyOrdered(pil(), r.order), nil },
		"pillar.raw": func(a []any, kw map[string]any) (any, error) {
			// the salt-ssh wrapper's raw: the top-level key's value ({} when
			// missing), or the whole pillar
			if k := argOrKw(a, kw, 0, "key"); pyfmt.Truth(k) {
				if s, ok := k.(string); ok {
					if v, ok := pil()[s]; ok {
						return deepCopyOrdered(v, r.order), nil
					}
				}
				return map[string]any{}, nil
			}
			return deepCopyOrdered(pil(), r.order), nil
		},
		"grains.get":             grainsGet,
		"grains.item":            itemsOf(func() map[string]any { return r.grains }),
		"grains.items":           func([]any, map[string]any) (any, error) { return deepCopyOrdered(r.grains, r.order), nil },
		"grains.has_value":       hasValue(func() map[string]any { return r.grains }),
		"grains.filter_by":       func(a []any, kw map[string]any) (any, error) { return filterBy(r.order, r.grains, a, kw) },
		"pillar.filter_by":       func(a []any, kw map[string]any) (any, error) { return filterBy(r.order, pil(), a, kw) },
		"config.get":             configGet,
		"config.option":          func(a []any, kw map[string]any) (any, error) { return configOption(r, a, kw) },
		"config.valid_fileproto": configValidFileproto,
		"config.manage_mode":     configManageMode,
		"config.backup_mode": func(a []any, kw map[string]any) (any, error) {
			if b := argOrKw(a, kw, 0, "backup"); pyfmt.Truth(b) {
				return b, nil
			}
			return configOption(r, []any{"backup_mode"}, nil)
		},
		"defaults.merge":    defaultsMerge(r.order),
		"defaults.deepcopy": func(a []any, _ map[string]any) (any, error) { return deepCopyOrdered(argN(a, 0), r.order), nil },
		"defaults.update":   defaultsMerge(r.order),
		"slsutil.merge":     slsutilMerge(r.order),
		"slsutil.update":    defaultsMerge(r.order),
		// computed from their arguments: the host's own code, run here
		"file.join":           r.local("file.join"),
		"file.dirname":        r.local("file.dirname"),
		"file.basename":       r.local("file.basename"),
		"test.true":           r.local("test.true"),
		"test.false":          r.local("test.false"),
		"test.ping":           r.local("test.ping"),
		"log.debug":           noop,
		"log.info":            noop,
		"log.warning":         noop,
		"log.warn":            noop,
		"log.error":           noop,
		"log.critical":        noop,
		"log.trace":           noop,
		"log.exception":       noop,
		"config.items":        func([]any, map[string]any) (any, error) { return deepCopyOrdered(r.opts, r.order), nil },
		"grains.ls":           keysOf(func() map[string]any { return r.grains }),
		"pillar.ls":           keysOf(pil),
		"pillar.keys":         func(a []any, kw map[string]any) (any, error) { return keysAt(pil(), a) },
		"opts.get":            configGet,
		"slsutil.serialize":   slsutilSerialize,
		"slsutil.deserialize": slsutilDeserialize,
	}
	for k, f := range r.c.cpFunctions() {
		fns[k] = f
	}
	return &saltObj{r: r, pillar: pillar, fns: fns}
}

// argOrKw is the argument at position i or named name (nil when neither).
func argOrKw(a []any, kw map[string]any, i int, name string) any {
	if v, ok := kw[name]; ok {
		return v
	}
	return argN(a, i)
}

// configOption is config.option(value, default=None, omit_opts=False,
// omit_grains=False, omit_pillar=False, omit_master=False, omit_all=False,
// wildcard=False): a top-level key of the options, grains, pillar or the
// pillar's master dict, in that order (wildcard: every key the glob
// matches, the options winning), else default ("" or {}).
func configOption(r *run, a []any, kw map[string]any) (any, error) {
	value := pyfmt.Str(argOrKw(a, kw, 0, "value"))
	def := argOrKw(a, kw, 1, "default")
	flag := func(i int, name string) bool { return pyfmt.Truth(argOrKw(a, kw, i, name)) }
	omitAll := flag(6, "omit_all")
	omitOpts, omitGrains, omitPillar, omitMaster := flag(2, "omit_opts") || omitAll, flag(3, "omit_grains") || omitAll,
		flag(4, "omit_pillar") || omitAll, flag(5, "omit_master") || omitAll
	wildcard := flag(7, "wildcard")
	master, _ := r.pillar["master"].(map[string]any)
	sources := []struct {
		omit bool
		data map[string]any
	}{{omitOpts, r.opts}, {omitGrains, r.grains}, {omitPillar, r.pillar}, {omitMaster, master}}
	if !wildcard {
		for _, s := range sources {
			if v, ok := s.data[value]; ok && !s.omit {
				return deepCopyOrdered(v, r.order), nil
			}
		}
		if def == nil {
			return "", nil
		}
		return def, nil
	}
	ret := map[string]any{}
	for i := len(sources) - 1; i >= 0; i-- {
		if sources[i].omit {
			continue
		}
		for k, v := range sources[i].data {
			if fnmatch.Match(value, k) {
				ret[k] = deepCopyOrdered(v, r.order)
			}
		}
	}
	if len(ret) == 0 {
		if def == nil {
			return map[string]any{}, nil
		}
		return def, nil
	}
	return ret, nil
}

// configValidFileproto is config.valid_fileproto: the URI's scheme is one
// Salt fetches from.
func configValidFileproto(a []any, kw map[string]any) (any, error) {
	uri := pyfmt.Str(argOrKw(a, kw, 0, "uri"))
	scheme, _, ok := strings.Cut(uri, "://")
	if !ok {
		scheme, _, _ = strings.Cut(uri, ":")
	}
	switch strings.ToLower(scheme) {
	case "salt", "file", "http", "https", "ftp", "swift", "s3":
		return true, nil
	}
	return false, nil
}

// configManageMode is salt.utils.files.normalize_mode: "0644".
func configManageMode(a []any, kw map[string]any) (any, error) {
	m := argOrKw(a, kw, 0, "mode")
	if m == nil {
		return nil, nil
	}
	s := strings.ReplaceAll(pyfmt.Str(m), "0o", "0")
	s = strings.TrimLeft(strings.Trim(strings.Trim(s, `"`), "'"), "0")
	for len(s) < 4 {
		s = "0" + s
	}
	return s, nil
}

// local is an execution function the controller answers itself with the
// host's code (provision/host/modules): it needs nothing of the host.
func (r *run) local(fun string) jinja.Callable {
	return func(args []any, kw map[string]any) (any, error) {
		return modules.Call(r.ctx, r.c.local, fun, args, kw)
	}
}

// GetItem implements jinja.Getter: salt['mod.fun'].
func (s *saltObj) GetItem(key any) (any, bool) {
	k, ok := key.(string)
	if !ok {
		return nil, false
	}
	if f, ok := s.fns[k]; ok {
		return f, true
	}
	if modules.Has(k) {
		return jinja.Callable(func(args []any, kw map[string]any) (any, error) {
			return s.r.callModule(k, args, kw, s.pillar)
		}), true
	}
	if strings.Contains(k, ".") {
		return jinja.Undefined{Name: k, Msg: fmt.Sprintf("'%s' is not available.", k)}, true
	}
	return nil, false
}

// callModule runs an execution module function for a template: on the
// controller for pillar templates, else through Host.Call on the target.
//
// Within one compile the answers of pure functions (file.* readers,
// pkg.version, user.info, network.*...) are remembered by function and
// arguments: formulas call the same salt['file.file_exists'](x) from a
// map.jinja every SLS imports, and each call would cost a round trip. Any
// other call (cmd.*, which may change the host and whose output may change)
// always runs and forgets what was remembered, so a template that runs a
// command and then reads its effect sees the new state, as in Salt.
func (r *run) callModule(fun string, args []any, kw map[string]any, pillar bool) (any, error) {
	r.calls++
	where := "target"
	if pillar {
		where = "controller"
	}
	b, err := json.Marshal([]any{where, fun, args, kw})
	if err != nil {
		return nil, fmt.Errorf("salt['%s']: arguments are not plain data: %v", fun, err)
	}
	key := string(b)
	pure := modules.Pure(fun)
	if !pure {
		r.memo = nil
	} else if v, ok := r.memo[key]; ok {
		return deepCopyOrdered(v, r.order), nil
	}
	var v any
	f, _ := funcs.Lookup(fun)
	switch {
	case pillar || f != nil && f.Local:
		// pillar renders on the controller, as Salt's master does; a
		// local function needs nothing of the host
		v, err = modules.Call(r.ctx, r.c.local, fun, args, kw)
	case r.host.Call == nil:
		r.needsTarget = true
		return nil, fmt.Errorf("salt['%s'] gives the target's answer and this compile has no session to the target (%v)", fun, ErrNeedsTarget)
	default:
		v, err = r.host.Call(r.ctx, fun, args, kw)
		v = fromJSON(v)
	}
	if err != nil {
		return nil, err
	}
	if pure {
		if r.memo == nil {
			r.memo = map[string]any{}
		}
		r.memo[key] = deepCopyOrdered(v, r.order)
	}
	return v, nil
}

// fromJSON turns a JSON-decoded return into template values: numbers
// without a fraction become ints (Go's encoder writes an integral float
// without one, so a decoded 1000 is Salt's int 1000, not 1000.0).
func fromJSON(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i)
		}
		f, _ := t.Float64()
		return fromJSON(f)
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int(t)
		}
		return t
	case map[string]any:
		for k, x := range t {
			t[k] = fromJSON(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = fromJSON(x)
		}
		return t
	}
	return v
}

// GetAttr implements jinja.Getter: salt.mod.
func (s *saltObj) GetAttr(name string) (any, bool) {
	return &saltMod{s: s, mod: name}, true
}

// GetAttr implements jinja.Getter: salt.mod.fun.
func (m *saltMod) GetAttr(name string) (any, bool) { return m.s.GetItem(m.mod + "." + name) }

// GetItem implements jinja.Getter: salt.mod['fun'].
func (m *saltMod) GetItem(key any) (any, bool) {
	k, ok := key.(string)
	if !ok {
		return nil, false
	}
	return m.GetAttr(k)
}

func argN(a []any, i int) any {
	if i < len(a) {
		return a[i]
	}
	return nil
}

// getArgs reads (key, default, delimiter) like pillar.get, the delimiter
// from keyword or the positional argument at delimAt.
func getArgs(args []any, kw map[string]any, delimAt int) (string, any, string) {
	key := pyfmt.Str(argN(args, 0))
	if v, ok := kw["key"]; ok {
		key = pyfmt.Str(v)
	}
	def := argN(args, 1)
	if v, ok := kw["default"]; ok {
		def = v
	}
	if def == nil && len(args) < 2 {
		if _, ok := kw["default"]; !ok {
			def = ""
		}
	}
	delim := ":"
	if v, ok := kw["delimiter"].(string); ok && v != "" {
		delim = v
	} else if s, ok := argN(args, delimAt).(string); ok && s != "" {
		delim = s
	}
	return key, def, delim
}

// dataGet is pillar.get / grains.get: a delimited key path with a default.
func dataGet(o *jinja.KeyOrder, data map[string]any, args []any, kw map[string]any, delimAt int) (any, error) {
	if len(args) == 0 && kw["key"] == nil {
		return nil, fmt.Errorf("get: a key is required")
	}
	key, def, delim := getArgs(args, kw, delimAt)
	v, ok := match.Traverse(data, key, delim)
	if !ok {
		return def, nil
	}
	merge, _ := kw["merge"].(bool)
	if m, ok := argN(args, 2).(bool); ok && delimAt == 3 {
		merge = m // pillar.get(key, default, merge)
	}
	if merge {
		dm, dok := def.(map[string]any)
		vm, vok := v.(map[string]any)
		if dok && vok {
			return mergeDict(deepCopyOrdered(dm, o).(map[string]any), vm, false, o), nil
		}
	}
	return deepCopyOrdered(v, o), nil
}

func itemsOf(get func() map[string]any) jinja.Callable {
	return func(args []any, _ map[string]any) (any, error) {
		out := map[string]any{}
		for _, a := range args {
			k := pyfmt.Str(a)
			if v, ok := match.Traverse(get(), k, ":"); ok {
				out[k] = deepCopy(v)
			}
		}
		return out, nil
	}
}

func keysOf(get func() map[string]any) jinja.Callable {
	return func([]any, map[string]any) (any, error) {
		keys := make([]string, 0)
		for k := range get() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	}
}

func keysAt(data map[string]any, a []any) (any, error) {
	v, ok := match.Traverse(data, pyfmt.Str(argN(a, 0)), ":")
	m, isMap := v.(map[string]any)
	if !ok || !isMap {
		return nil, fmt.Errorf("pillar.keys: %v is not a dictionary", argN(a, 0))
	}
	return keysOf(func() map[string]any { return m })(nil, nil)
}

func hasValue(get func() map[string]any) jinja.Callable {
	return func(a []any, _ map[string]any) (any, error) {
		v, ok := match.Traverse(get(), pyfmt.Str(argN(a, 0)), ":")
		return ok && pyfmt.Truth(v), nil
	}
}

// filterBy is Salt's grains.filter_by(lookup_dict, grain, merge, default,
// base): the first key matching the grain value (fnmatch, exact keys first)
// wins; "default" is the fallback; base is merged under; merge over.
func filterBy(o *jinja.KeyOrder, data map[string]any, args []any, kw map[string]any) (any, error) {
	get := func(i int, name string, def any) any {
		if v, ok := kw[name]; ok {
			return v
		}
		if i < len(args) {
			return args[i]
		}
		return def
	}
	lookup, ok := get(0, "lookup_dict", nil).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("filter_by: lookup_dict must be a dictionary")
	}
	grain := pyfmt.Str(get(1, "grain", "os_family"))
	merge := get(2, "merge", nil)
	def := pyfmt.Str(get(3, "default", "default"))
	base, _ := get(4, "base", nil).(string)

	val, ok := match.Traverse(data, grain, ":")
	var vals []any
	if l, isList := val.([]any); isList {
		vals = l
	} else if ok {
		vals = []any{val}
	}
	keys := make([]string, 0, len(lookup))
	for k := range lookup {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ret any
	found := false
	for _, each := range vals {
		s := pyfmt.Str(each)
		if v, ok := lookup[s]; ok {
			ret, found = v, true
			break
		}
		for _, k := range keys {
			if fnmatch.Match(k, s) {
				ret, found = lookup[k], true
				break
			}
		}
		if found {
			break
		}
	}
	if !found || ret == nil {
		ret = lookup[def]
	}
	ret = deepCopyOrdered(ret, o)
	if base != "" {
		if bv, ok := lookup[base]; ok {
			if ret == nil {
				ret = deepCopyOrdered(bv, o)
			} else if bm, ok := bv.(map[string]any); ok {
				rm, ok := ret.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("filter_by default and look-up values must both be dictionaries.")
				}
				ret = mergeDict(deepCopyOrdered(bm, o).(map[string]any), rm, false, o)
			}
		}
	}
	if pyfmt.Truth(merge) {
		mm, ok := merge.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("filter_by merge argument must be a dictionary.")
		}
		if ret == nil {
			ret = deepCopyOrdered(mm, o)
		} else if rm, ok := ret.(map[string]any); ok {
			ret = mergeDict(rm, mm, false, o)
		}
	}
	return ret, nil
}

// defaultsMerge is defaults.merge(dest, src, merge_lists=False, in_place=True):
// src merged into dest (in place) and returned.
func defaultsMerge(o *jinja.KeyOrder) jinja.Callable {
	return func(a []any, kw map[string]any) (any, error) { return defaultsMergeOrdered(o, a, kw) }
}

func defaultsMergeOrdered(o *jinja.KeyOrder, a []any, kw map[string]any) (any, error) {
	dest, ok1 := argN(a, 0).(map[string]any)
	src, ok2 := argN(a, 1).(map[string]any)
	if v, ok := kw["dest"].(map[string]any); ok {
		dest, ok1 = v, true
	}
	if v, ok := kw["src"].(map[string]any); ok {
		src, ok2 = v, true
	}
	if !ok1 {
		return nil, fmt.Errorf("defaults.merge: dest must be a dictionary")
	}
	if !ok2 {
		if argN(a, 1) == nil && kw["src"] == nil {
			return dest, nil
		}
		return nil, fmt.Errorf("defaults.merge: src must be a dictionary")
	}
	ml, _ := kw["merge_lists"].(bool)
	if inPlace, ok := kw["in_place"].(bool); ok && !inPlace {
		dest = deepCopyOrdered(dest, o).(map[string]any)
	}
	return mergeDict(dest, src, ml, o), nil
}

// slsutilMerge is slsutil.merge(a, b, strategy='smart', merge_lists=False):
// a new dictionary with b merged over a.
func slsutilMerge(o *jinja.KeyOrder) jinja.Callable {
	return func(a []any, kw map[string]any) (any, error) { return slsutilMergeOrdered(o, a, kw) }
}

func slsutilMergeOrdered(o *jinja.KeyOrder, a []any, kw map[string]any) (any, error) {
	x, ok1 := argN(a, 0).(map[string]any)
	y, ok2 := argN(a, 1).(map[string]any)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("slsutil.merge: both arguments must be dictionaries")
	}
	ml, _ := kw["merge_lists"].(bool)
	if s, ok := kw["strategy"].(string); ok && s == "overwrite" {
		out := deepCopyOrdered(x, o).(map[string]any)
		for k, v := range y {
			out[k] = deepCopyOrdered(v, o)
		}
		return out, nil
	}
	return mergeDict(deepCopyOrdered(x, o).(map[string]any), y, ml, o), nil
}
