package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"brine/provision/controller/compile/jinja"
)

// High is the highstate: id declarations in definition order. It marshals to
// JSON as Salt's show_highstate:
// {id: {state: [fun, {arg: value}, ...], "__sls__": ..., "__env__": ...}}.
type High struct {
	ids   []string
	decls map[string]*IDDecl
}

// IDDecl is one id declaration: its state declarations and origin.
type IDDecl struct {
	ID     string
	SLS    string
	Env    string
	File   string // display path of the SLS file
	Line   int
	States []*StateDecl
	// IncludedFrom lists the SLS that included this one's SLS, nearest
	// first (Salt's __sls_included_from__).
	IncludedFrom []string
}

// StateDecl is one state declaration under an id: module, function and
// arguments in order.
type StateDecl struct {
	Module string
	Funs   []string // exactly one after validation
	Args   []Arg
	// FunAt is where the function sits among the arguments as written
	// (Salt keeps one list), for show_highstate.
	FunAt int
	// Pos is where the declaration ("file.managed:") is written.
	Pos Pos
}

// Arg is one argument of a state declaration.
type Arg struct {
	Key   string
	Value any
	// Joined: written in the same dictionary as the previous argument
	// (`- context:` / `  extra: 1`); Salt keeps one dict, show_* print it so.
	Joined bool
	// IntText: an unquoted integer mode (mode: 0644) kept as its text;
	// show_* print the int Salt's YAML loader makes of it (644).
	IntText bool
	// Pos is where the argument is written (zero for arguments the
	// compiler adds, such as order).
	Pos Pos
}

// Pos is a place in an SLS file, for messages.
type Pos struct {
	File string
	Line int
}

// String formats the place as "file:line" ("" when unknown).
func (p Pos) String() string {
	if p.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Fun returns the declaration's function ("" when none).
func (s *StateDecl) Fun() string {
	if len(s.Funs) == 0 {
		return ""
	}
	return s.Funs[0]
}

// Get returns the value of argument k.
func (s *StateDecl) Get(k string) (any, bool) {
	for _, a := range s.Args {
		if a.Key == k {
			return a.Value, true
		}
	}
	return nil, false
}

func (s *StateDecl) clone() *StateDecl {
	n := &StateDecl{Module: s.Module, Funs: append([]string(nil), s.Funs...), FunAt: s.FunAt, Pos: s.Pos}
	for _, a := range s.Args {
		a.Value = deepCopy(a.Value)
		n.Args = append(n.Args, a)
	}
	return n
}

// state returns the declaration for module mod.
func (d *IDDecl) state(mod string) *StateDecl {
	for _, s := range d.States {
		if s.Module == mod {
			return s
		}
	}
	return nil
}

// IDs returns the ids in definition order.
func (h *High) IDs() []string { return append([]string(nil), h.ids...) }

// Get returns the declaration of id.
func (h *High) Get(id string) (*IDDecl, bool) {
	d, ok := h.decls[id]
	return d, ok
}

// Len is the number of ids.
func (h *High) Len() int { return len(h.ids) }

// MarshalJSON writes the highstate with ids in definition order.
func (h High) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, id := range h.ids {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(id)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(h.decls[id])
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalJSON writes {state: [{arg: value}..., fun, ...], "__sls__",
// "__env__", "__sls_included_from__"} with the function where it was
// written and the arguments of one dictionary together, as Salt's
// show_highstate prints the high data.
func (d *IDDecl) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for _, s := range d.States {
		k, _ := json.Marshal(s.Module)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(s.showList())
		if err != nil {
			return nil, err
		}
		b.Write(v)
		b.WriteByte(',')
	}
	sls, _ := json.Marshal(d.SLS)
	env, _ := json.Marshal(d.Env)
	b.WriteString(`"__sls__":`)
	b.Write(sls)
	b.WriteString(`,"__env__":`)
	b.Write(env)
	if len(d.IncludedFrom) > 0 {
		inc, _ := json.Marshal(d.IncludedFrom)
		b.WriteString(`,"__sls_included_from__":`)
		b.Write(inc)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// showList is the declaration's list as Salt holds it.
func (s *StateDecl) showList() []any {
	list := make([]any, 0, len(s.Args)+len(s.Funs))
	var last map[string]any // the dictionary a Joined argument goes into
	for i, a := range s.Args {
		if i == s.FunAt {
			for _, f := range s.Funs {
				list = append(list, f)
			}
			last = nil
		}
		v := a.Value
		if a.IntText {
			v = showInt(v)
		}
		if a.Joined && last != nil {
			last[a.Key] = v
			continue
		}
		last = map[string]any{a.Key: v}
		list = append(list, last)
	}
	if s.FunAt >= len(s.Args) {
		for _, f := range s.Funs {
			list = append(list, f)
		}
	}
	return list
}

// showInt is the int Salt's YAML loader makes of an unquoted integer
// (leading zeros dropped: 0644 is 644); other values are unchanged.
func showInt(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	t := strings.TrimLeft(s, "0")
	if t == "" {
		t = "0"
	}
	if n, err := strconv.Atoi(t); err == nil {
		return n
	}
	return v
}

// deepCopy copies maps and lists of plain values.
func deepCopy(v any) any { return deepCopyOrdered(v, nil) }

// deepCopyOrdered is deepCopy noting in o (may be nil) that each copied
// map has its original's key order.
func deepCopyOrdered(v any, o *jinja.KeyOrder) any { return copyNoting(v, o.Copied) }

// jsonCopy copies v as the host decodes it from JSON: maps keep their
// order but become plain dicts (see jinja.KeyOrder.CopiedPlain).
func jsonCopy(v any, o *jinja.KeyOrder) any { return copyNoting(v, o.CopiedPlain) }

// copyNoting copies maps and lists of plain values, telling note each
// copied map and its source.
func copyNoting(v any, note func(src, dst map[string]any)) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = copyNoting(x, note)
		}
		note(t, m)
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = copyNoting(x, note)
		}
		return l
	}
	return v
}

// mergeDict merges src into dst recursively (Salt's dictupdate.update):
// nested maps merge, other values (lists included) are replaced unless
// mergeLists is set, in which case lists are concatenated.
//
// o (may be nil) learns the merged dictionaries' key order as Salt's
// ordered dictionaries have it: dst's keys, then src's new ones.
func mergeDict(dst, src map[string]any, mergeLists bool, o *jinja.KeyOrder) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	var before []string
	if o != nil {
		before = o.Keys(dst)
	}
	defer o.Merged(before, src, dst)
	for k, v := range src {
		sm, sok := v.(map[string]any)
		dm, dok := dst[k].(map[string]any)
		if sok && dok {
			dst[k] = mergeDict(dm, sm, mergeLists, o)
			continue
		}
		if mergeLists {
			sl, sok := v.([]any)
			dl, dok := dst[k].([]any)
			if sok && dok {
				dst[k] = append(append([]any(nil), dl...), sl...)
				continue
			}
		}
		dst[k] = deepCopyOrdered(v, o)
	}
	return dst
}
