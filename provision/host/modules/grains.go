package modules

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"brine/provision/host/grains"
	"brine/provision/host/state"
	"brine/provision/lib/fnmatch"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/funcs"
)

// grainsFuncs are the grains readers (salt-ssh's wrapper) and the writers
// of salt/modules/grains.py.
func grainsFuncs() map[string]fn {
	return map[string]fn{
		"grains.items": {run: func(c *call) (any, error) {
			if c.truth("sanitize") {
				return sanitizeGrains(c.env.Grains), nil
			}
			return c.grains(), nil
		}},
		"grains.item": {run: func(c *call) (any, error) {
			out := map[string]any{}
			for _, a := range c.rest {
				k := pyStr(a)
				if v, ok := c.env.Grains[k]; ok {
					out[k] = v
				}
			}
			if pyfmt.Truth(c.kw["sanitize"]) {
				return sanitizeGrains(out), nil
			}
			return out, nil
		}},
		"grains.get": {run: func(c *call) (any, error) {
			return Traverse(c.grains(), c.str("key"), c.a["default"], c.str("delimiter")), nil
		}},
		"grains.ls": {run: func(c *call) (any, error) {
			return anyList(slices.Sorted(maps.Keys(c.env.Grains))), nil
		}},
		"grains.has_value": {run: func(c *call) (any, error) {
			return pyfmt.Truth(Traverse(c.grains(), c.str("key"), false, ":")), nil
		}},
		"grains.equals": {run: func(c *call) (any, error) {
			return pyStrNone(c.a["value"]) == pyStrNone(Traverse(c.grains(), c.str("key"), "", ":")), nil
		}},
		"grains.filter_by": {run: func(c *call) (any, error) {
			return FilterBy(c.a["lookup_dict"], c.str("grain"), c.grains(), c.a["merge"], c.str("default"), c.a["base"])
		}},
		"grains.setval": {run: func(c *call) (any, error) {
			return c.setGrains(map[string]any{c.str("key"): c.a["val"]}, c.truth("destructive"))
		}},
		"grains.setvals": {run: func(c *call) (any, error) {
			m, ok := c.a["grains"].(map[string]any)
			if !ok {
				return nil, funcs.Raise("SaltException", "setvals grains must be a dictionary.")
			}
			return c.setGrains(m, c.truth("destructive"))
		}},
		"grains.append": {run: grainsAppend},
		"grains.remove": {run: grainsRemove},
		"grains.delval": {run: func(c *call) (any, error) {
			return c.grainsSet(c.str("key"), nil, c.truth("force"), c.truth("destructive"), ":")
		}},
		"grains.delkey": {run: func(c *call) (any, error) {
			return c.grainsSet(c.str("key"), nil, c.truth("force"), true, ":")
		}},
		"grains.set": {run: func(c *call) (any, error) {
			return c.grainsSet(c.str("key"), c.a["val"], c.truth("force"), c.truth("destructive"), c.str("delimiter"))
		}},
	}
}

// grains returns the host's grains (a copy: functions may change what they
// get).
func (c *call) grains() map[string]any {
	return deepCopy(c.env.Grains).(map[string]any)
}

// sanitizeGrains is the wrapper's sanitize=True: serial numbers' last
// quarter masked, host and domain names replaced.
func sanitizeGrains(g map[string]any) map[string]any {
	out := make(map[string]any, len(g))
	for k, v := range g {
		out[k] = v
	}
	for k, f := range map[string]func(string) string{
		"serialnumber": func(s string) string {
			i := int(math.Floor(float64(len(s)) * 0.75))
			return s[:i] + strings.Repeat("X", len(s)-i)
		},
		"domain":    func(string) string { return "DOMAINNAME" },
		"fqdn":      func(string) string { return "MINION.DOMAINNAME" },
		"id":        func(string) string { return "MINION.DOMAINNAME" },
		"host":      func(string) string { return "MINION" },
		"localhost": func(string) string { return "MINION" },
		"nodename":  func(string) string { return "MINION" },
	} {
		if v, ok := out[k]; ok {
			out[k] = f(pyStr(v))
		}
	}
	return out
}

// Traverse is salt.utils.data.traverse_dict_and_list: the value at a
// delimited key path through dicts and lists (a number indexes a list, a
// word finds the first dict in the list holding it), or def.
func Traverse(data any, key string, def any, delim string) any {
	if delim == "" {
		delim = ":"
	}
	ptr := data
	for _, each := range strings.Split(key, delim) {
		switch t := ptr.(type) {
		case []any:
			idx, err := strconv.Atoi(each)
			if err != nil {
				// a word: the first dict in the list that has it
				found := false
				for _, x := range t {
					if m, ok := x.(map[string]any); ok {
						if v, ok := m[each]; ok {
							ptr, found = v, true
							break
						}
					}
				}
				if !found {
					return def
				}
				continue
			}
			if idx >= len(t) || idx < -len(t) {
				return def
			}
			if idx < 0 {
				idx += len(t)
			}
			ptr = t[idx]
		case map[string]any:
			v, ok := t[each]
			if !ok {
				return def
			}
			ptr = v
		default:
			return def
		}
	}
	return ptr
}

// FilterBy is salt.utils.data.filter_by: the lookup_dict entry whose key
// (a glob) matches the value at lookup in data (each element of a list
// value in turn), else lookup_dict[def]; base's entry merged under it and
// merge over it.
func FilterBy(lookupDict any, lookup string, data map[string]any, merge any, def string, base any) (any, error) {
	ld, ok := lookupDict.(map[string]any)
	if !ok {
		return nil, funcs.Raise("AttributeError", "'%s' object has no attribute 'get'", pyfmt.TypeName(lookupDict))
	}
	val := Traverse(data, lookup, []any{}, ":")
	vals, isList := val.([]any)
	if !isList {
		vals = []any{val}
	}
	keys := slices.Sorted(maps.Keys(ld))
	var ret any
	for _, each := range vals {
		s := pyStr(each)
		for _, k := range keys {
			if fnmatch.Match(k, s) {
				ret = ld[k]
				break
			}
		}
		if ret != nil {
			break
		}
	}
	if ret == nil {
		ret = ld[def]
	}
	ret = deepCopy(ret)
	if b := pyStr(base); base != nil && b != "" {
		if bv, ok := ld[b]; ok {
			if ret == nil {
				ret = deepCopy(bv)
			} else if bm, ok := bv.(map[string]any); ok {
				rm, ok := ret.(map[string]any)
				if !ok {
					return nil, funcs.Raise("SaltException", "filter_by default and look-up values must both be dictionaries.")
				}
				ret = DictUpdate(deepCopy(bm).(map[string]any), rm, false)
			}
		}
	}
	if pyfmt.Truth(merge) {
		mm, ok := merge.(map[string]any)
		if !ok {
			return nil, funcs.Raise("SaltException", "filter_by merge argument must be a dictionary.")
		}
		if ret == nil {
			ret = mm
		} else if rm, ok := ret.(map[string]any); ok {
			ret = DictUpdate(rm, deepCopy(mm).(map[string]any), false)
		} else {
			return nil, funcs.Raise("TypeError", "Cannot update using non-dict types in dictupdate.update()")
		}
	}
	return ret, nil
}

// DictUpdate is salt.utils.dictupdate.update: upd merged into dest,
// recursively for dicts; lists replaced, or extended with the new items
// when mergeLists.
func DictUpdate(dest, upd map[string]any, mergeLists bool) map[string]any {
	for k, v := range upd {
		ds, dok := dest[k].(map[string]any)
		vs, vok := v.(map[string]any)
		dl, dlok := dest[k].([]any)
		vl, vlok := v.([]any)
		switch {
		case dok && vok:
			dest[k] = DictUpdate(ds, vs, mergeLists)
		case dlok && vlok && mergeLists:
			merged := deepCopy(dl).([]any)
			for _, x := range vl {
				if !containsValue(merged, x) {
					merged = append(merged, x)
				}
			}
			dest[k] = merged
		default:
			dest[k] = v
		}
	}
	return dest
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if pyEqual(x, v) {
			return true
		}
	}
	return false
}

// pyEqual is Python's == for plain data (1 == 1.0 == True).
func pyEqual(a, b any) bool {
	if fa, ok := number(a); ok {
		if fb, ok := number(b); ok {
			return fa == fb
		}
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch t := v.(type) {
	case int:
		return float64(t), true
	case float64:
		return t, true
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// pyStrNone is str(v) with None as "None".
func pyStrNone(v any) string {
	if v == nil {
		return "None"
	}
	return pyStr(v)
}

// deepCopy copies plain data (maps, lists, scalars).
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

// readGrainsFile reads the persistent grains ({} when there are none or
// the file is not a YAML dict); an unreadable YAML file is Salt's message.
func (c *call) readGrainsFile() (map[string]any, error) {
	b, err := os.ReadFile(state.HostPath(c.env.stateEnv(), grains.PersistentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]any{}, nil
	}
	if err != nil {
		return nil, err
	}
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("Unable to read existing grains file: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return map[string]any{}, nil
	}
	return m, nil
}

// setGrains is grains.setvals: the new values written to the grains file
// (a None value with destructive removes the key), the host's grains
// updated for the rest of this call; returns what was set.
func (c *call) setGrains(upd map[string]any, destructive bool) (any, error) {
	file, err := c.readGrainsFile()
	if err != nil {
		if strings.HasPrefix(err.Error(), "Unable to read") {
			return err.Error(), nil
		}
		return nil, err
	}
	for k, v := range upd {
		if v == nil && destructive {
			delete(file, k)
			delete(c.env.Grains, k)
			continue
		}
		file[k] = v
		if c.env.Grains != nil {
			c.env.Grains[k] = v
		}
	}
	text, err := pyfmt.YAML(file, pyfmt.Block)
	if err != nil {
		return nil, err
	}
	if len(file) == 0 {
		text = "{}"
	}
	se := c.env.stateEnv()
	if err := os.MkdirAll(filepath.Dir(state.HostPath(se, grains.PersistentFile)), 0o755); err != nil {
		return nil, err
	}
	if err := state.WriteFile(se, grains.PersistentFile, []byte(text+"\n"), 0o644, -1, -1); err != nil {
		return nil, err
	}
	c.env.GrainsChanged = true
	return upd, nil
}

// grainsSet is Salt's grains.set (behind delval and delkey): conservative
// about overwriting dicts and lists unless force.
func (c *call) grainsSet(key string, val any, force, destructive bool, delim string) (any, error) {
	ret := map[string]any{"comment": "", "changes": map[string]any{}, "result": true}
	complexType := func(v any) bool {
		switch v.(type) {
		case map[string]any, []any:
			return true
		}
		return false
	}
	missing := &struct{}{}
	existing := Traverse(c.grains(), key, missing, delim)
	exists := existing != missing
	if exists && pyEqual(existing, val) && (val != nil || !destructive) {
		ret["comment"] = "Grain is already set"
		return ret, nil
	}
	value := val
	if exists && existing != nil && !force {
		switch {
		case complexType(existing):
			ret["comment"] = fmt.Sprintf("The key '%s' exists but is a dict or a list. Use 'force=True' to overwrite.", key)
			ret["result"] = false
			return ret, nil
		case complexType(val):
			ret["comment"] = fmt.Sprintf("The key '%s' exists and the given value is a dict or a list. Use 'force=True' to overwrite.", key)
			ret["result"] = false
			return ret, nil
		}
	}
	for strings.Contains(key, delim) {
		i := strings.LastIndex(key, delim)
		rest := key[i+len(delim):]
		key = key[:i]
		cur := Traverse(c.grains(), key, map[string]any{}, delim)
		switch t := cur.(type) {
		case map[string]any:
			if value == nil && destructive {
				delete(t, rest)
			} else {
				t[rest] = value
			}
			value = t
		case []any:
			updated := false
			for i, item := range t {
				if pyStr(item) == rest {
					t[i] = map[string]any{rest: value}
					updated = true
				} else if m, ok := item.(map[string]any); ok {
					if _, ok := m[rest]; ok {
						m[rest] = value
						updated = true
					}
				}
			}
			if !updated {
				t = append(t, map[string]any{rest: value})
			}
			value = t
		default:
			if pyStr(cur) == rest || force {
				value = map[string]any{rest: value}
			} else {
				ret["comment"] = fmt.Sprintf("The key '%s' value is '%s', which is different from the provided key '%s'. Use 'force=True' to overwrite.", key, pyStr(cur), rest)
				ret["result"] = false
				return ret, nil
			}
		}
	}
	set, err := c.setGrains(map[string]any{key: value}, destructive)
	if err != nil {
		return nil, err
	}
	if m, ok := set.(map[string]any); ok {
		ret["changes"] = m
	} else {
		ret["comment"] = set
		ret["result"] = false
	}
	return ret, nil
}

// grainsAppend is grains.append.
func grainsAppend(c *call) (any, error) {
	key, delim, val := c.str("key"), c.str("delimiter"), c.a["val"]
	cur := Traverse(c.grains(), key, []any{}, delim)
	if c.truth("convert") {
		if _, ok := cur.([]any); !ok {
			if cur == nil {
				cur = []any{}
			} else {
				cur = []any{cur}
			}
		}
	}
	list, ok := cur.([]any)
	if !ok {
		return fmt.Sprintf("The key %s is not a valid list", key), nil
	}
	if containsValue(list, val) {
		return fmt.Sprintf("The val %s was already in the list %s", pyStrNone(val), key), nil
	}
	if vl, ok := val.([]any); ok {
		list = append(list, vl...)
	} else {
		list = append(list, val)
	}
	var value any = list
	for strings.Contains(key, delim) {
		i := strings.LastIndex(key, delim)
		rest := key[i+len(delim):]
		key = key[:i]
		g := Traverse(c.grains(), key, map[string]any{}, delim)
		if m, ok := g.(map[string]any); ok {
			m[rest] = value
		}
		value = g
	}
	return c.setGrains(map[string]any{key: value}, false)
}

// grainsRemove is grains.remove.
func grainsRemove(c *call) (any, error) {
	key, delim, val := c.str("key"), c.str("delimiter"), c.a["val"]
	list, ok := Traverse(c.grains(), key, []any{}, delim).([]any)
	if !ok {
		return fmt.Sprintf("The key %s is not a valid list", key), nil
	}
	at := -1
	for i, x := range list {
		if pyEqual(x, val) {
			at = i
			break
		}
	}
	if at < 0 {
		return fmt.Sprintf("The val %s was not in the list %s", pyStrNone(val), key), nil
	}
	list = append(list[:at:at], list[at+1:]...)
	var value any = list
	for strings.Contains(key, delim) {
		i := strings.LastIndex(key, delim)
		rest := key[i+len(delim):]
		key = key[:i]
		g := Traverse(c.grains(), key, nil, delim)
		if m, ok := g.(map[string]any); ok {
			m[rest] = value
		}
		value = g
	}
	return c.setGrains(map[string]any{key: value}, false)
}
