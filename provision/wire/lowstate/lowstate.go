// Package lowstate holds the data that crosses the wire between the compiler
// on the controller and the state engine on the target: Salt's lowstate
// chunks, the files they reference, and the per-state results.
package lowstate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Chunk is one compiled state, shaped like a Salt lowstate chunk: a flat map
// with "state", "fun", "name", "__id__", "__sls__", "__env__", "order", the
// requisites ("require": [{"file": "x"}], ...) and the state's own arguments.
// Keys starting with "__brine_" are private to brine (for example the content
// hash of a file resolved on the controller) and are hidden from show_* output.
type Chunk map[string]any

// Private chunk keys filled in by the compiler and read by the engine.
const (
	// KeyFile is the sha256 of the (rendered) file content a state's source
	// resolved to; the bytes travel in Bundle.Files.
	KeyFile = "__brine_file__"
	// KeyFiles maps relative paths to content hashes for states that take a
	// directory (file.recurse).
	KeyFiles = "__brine_files__"
	// KeyDirs lists relative directory paths (file.recurse), so empty
	// directories survive.
	KeyDirs = "__brine_dirs__"
	// KeyModes maps the relative paths of KeyFiles (file.recurse) or ""
	// (a single source) to their source file's permission bits as an octal
	// string ("0644"), for a state asking to keep them (mode: keep,
	// file_mode: keep): Salt reads them from the master with cp.stat_file.
	KeyModes = "__brine_modes__"
	// KeySource is the salt:// URL the source resolved to (for comments).
	KeySource = "__brine_source__"
	// KeyIntText lists the arguments that are unquoted integers kept as
	// their text (mode: 0644 stays "0644", its digits octal): Public shows
	// them as the int Salt's YAML loader makes (644).
	KeyIntText = "__brine_int_text__"
	// KeyFail marks a state the compiler knows fails when it runs, as Salt
	// fails it on the minion (a salt:// source that does not exist); see
	// Failure.
	KeyFail = "__brine_fail__"
	// KeyArgOrder lists a module.run state's arguments in the order the
	// SLS wrote them (a chunk is a map): Salt runs the functions in that
	// order.
	KeyArgOrder = "__brine_arg_order__"
)

// Failure is the value of KeyFail: the state fails with Comment (and
// Changes) instead of running; in a dry run with TestComment, or it runs
// as usual when TestComment is "" (Salt predicts those states without
// looking at the source).
type Failure struct {
	Comment     string         `json:"comment"`
	Changes     map[string]any `json:"changes,omitempty"`
	TestComment string         `json:"test_comment,omitempty"`
}

// Failure returns the chunk's KeyFail marker, as the compiler set it or as
// it arrives decoded from JSON.
func (c Chunk) Failure() (Failure, bool) {
	switch t := c[KeyFail].(type) {
	case Failure:
		return t, true
	case *Failure:
		return *t, t != nil
	case map[string]any:
		f := Failure{Comment: scalar(t["comment"]), TestComment: scalar(t["test_comment"])}
		f.Changes, _ = t["changes"].(map[string]any)
		return f, true
	}
	return Failure{}, false
}

// ID returns the chunk's "__id__".
func (c Chunk) ID() string { return c.Str("__id__") }

// Name returns the chunk's "name".
func (c Chunk) Name() string { return c.Str("name") }

// State returns the state module, e.g. "file".
func (c Chunk) State() string { return c.Str("state") }

// Fun returns the state function, e.g. "managed".
func (c Chunk) Fun() string { return c.Str("fun") }

// SLS returns the chunk's "__sls__".
func (c Chunk) SLS() string { return c.Str("__sls__") }

// Str returns the string value of key k ("" when absent); numbers and booleans
// are formatted the way Salt's YAML loader would show them.
func (c Chunk) Str(k string) string {
	return scalar(c[k])
}

// scalar formats a chunk value as Chunk.Str does ("" for nil).
func scalar(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		if t == float64(int64(t)) {
			return fmt.Sprintf("%d", int64(t))
		}
		return fmt.Sprint(t)
	default:
		return fmt.Sprint(t)
	}
}

// Ref is one requisite reference, e.g. `require: [{file: /etc/x}]`: Kind is
// a state module, "id" (an id or name of any module) or "sls"; Target is what
// it names and may be a glob.
type Ref struct{ Kind, Target string }

// RefOptions tunes ParseRequisites to its reader.
type RefOptions struct {
	// Strict accepts only a list (the compiler's verify step); otherwise a
	// lone id or {kind: target} map is read as a one-item list.
	Strict bool
	// Compiled reads a compiled chunk's value forgivingly, as the engine does:
	// nil is no requisite, a lone value of any type or a []map[string]any is a
	// list, items that are neither ids nor maps and entries with a nil target
	// are skipped, and a kind like "pkg.installed" is cut to "pkg".
	Compiled bool
	// Str formats a target that is not a string; nil means Chunk.Str's way.
	Str func(any) string
}

// ParseRequisites reads a requisite value: a list of bare ids ("id" refs) and
// {kind: target} maps (one ref per key, keys sorted), in order. ok is false
// for a value of a shape o does not accept.
func ParseRequisites(v any, o RefOptions) (refs []Ref, ok bool) {
	var items []any
	switch t := v.(type) {
	case []any:
		items = t
	case string, map[string]any:
		if o.Strict {
			return nil, false
		}
		items = []any{t}
	case nil:
		return nil, o.Compiled
	case []map[string]any:
		if !o.Compiled {
			return nil, false
		}
		for _, m := range t {
			items = append(items, m)
		}
	default:
		if !o.Compiled {
			return nil, false
		}
		items = []any{t}
	}
	str := o.Str
	if str == nil {
		str = scalar
	}
	for _, it := range items {
		switch t := it.(type) {
		case string:
			refs = append(refs, Ref{"id", t})
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				kind := k
				if o.Compiled {
					if t[k] == nil {
						continue
					}
					if i := strings.IndexByte(kind, '.'); i >= 0 {
						kind = kind[:i]
					}
				}
				refs = append(refs, Ref{kind, str(t[k])})
			}
		default:
			if !o.Compiled {
				refs = append(refs, Ref{"id", str(t)})
			}
		}
	}
	return refs, true
}

// Tag is the key Salt uses for a state's return: state_|-ID_|-NAME_|-FUN.
func (c Chunk) Tag() string {
	return Tag(c.State(), c.ID(), c.Name(), c.Fun())
}

// Tag builds Salt's state return key.
func Tag(state, id, name, fun string) string {
	return state + "_|-" + id + "_|-" + name + "_|-" + fun
}

// SplitTag splits a state return key into state, id, name and function.
func SplitTag(tag string) (state, id, name, fun string) {
	p := strings.Split(tag, "_|-")
	if len(p) != 4 {
		return "", tag, tag, ""
	}
	return p[0], p[1], p[2], p[3]
}

// Public returns a copy of the chunk as Salt's show_* print it: without
// brine's private keys, and unquoted integer modes as ints (KeyIntText).
func (c Chunk) Public() Chunk {
	out := make(Chunk, len(c))
	for k, v := range c {
		if !strings.HasPrefix(k, "__brine_") {
			out[k] = v
		}
	}
	if l, ok := c[KeyIntText].([]any); ok {
		for _, k := range l {
			ks, _ := k.(string)
			s, isStr := out[ks].(string)
			if !isStr {
				continue
			}
			t := strings.TrimLeft(s, "0")
			if t == "" {
				t = "0"
			}
			if n, err := strconv.Atoi(t); err == nil {
				out[ks] = n
			}
		}
	}
	return out
}

// SLSName is a result's "__sls__": the SLS its state came from, null for
// a state that came from none (state.single, state.low,
// state.template_str), as Salt's low.get("__sls__").
type SLSName string

// MarshalJSON writes "" as null.
func (s SLSName) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(s))
}

// UnmarshalJSON reads null as "".
func (s *SLSName) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = ""
		return nil
	}
	var v string
	err := json.Unmarshal(b, &v)
	*s = SLSName(v)
	return err
}

// Result is the return of one state, keyed by Tag in Results.
type Result struct {
	ID      string         `json:"__id__"`
	Name    string         `json:"name"`
	Result  *bool          `json:"result"`
	Comment string         `json:"comment"`
	Changes map[string]any `json:"changes"`
	SLS     SLSName        `json:"__sls__"`
	RunNum  int            `json:"__run_num__"`
	Start   string         `json:"start_time"`
	// Duration is in milliseconds, as Salt reports it.
	Duration float64 `json:"duration"`
	// Extra carries optional keys Salt sometimes adds (pchanges, warnings).
	Warnings []string `json:"warnings,omitempty"`
	// OnfailHandled is set on a failed state whose onfail handlers all ran
	// without failing: as in Salt, such a failure does not fail the run.
	OnfailHandled bool `json:"__onfail_handled__,omitempty"`
}

// Failed reports whether the state failed in a way that fails the run
// (result False and not handled by onfail).
func (r *Result) Failed() bool {
	return r != nil && r.Result != nil && !*r.Result && !r.OnfailHandled
}

// Results maps state tags to their results.
type Results map[string]*Result

// Ordered returns the tags sorted by run number.
func (r Results) Ordered() []string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := r[keys[i]], r[keys[j]]
		if a.RunNum != b.RunNum {
			return a.RunNum < b.RunNum
		}
		return keys[i] < keys[j]
	})
	return keys
}

// Bool returns a pointer to b, for Result.Result.
func Bool(b bool) *bool { return &b }

// Bundle is what the controller compiles for one host and the executor runs:
// the ordered chunks and the file contents they reference, by sha256.
type Bundle struct {
	Chunks []Chunk `json:"chunks"`
	// Files maps the hex sha256 of a content to the content itself.
	Files map[string][]byte `json:"-"`
	// Pillar is the host's rendered pillar (for contents_pillar and friends).
	Pillar map[string]any `json:"pillar,omitempty"`
	// Sources maps the salt:// URLs an execution function reads
	// (cp.get_file, cmd.script) to the hash of their content in Files;
	// a directory's URL maps to "" and its files are listed under it.
	Sources map[string]string `json:"sources,omitempty"`
}

// KeepMode reports a mode argument of "keep" (any case): Salt then gives
// the target its source file's mode (KeyModes).
func KeepMode(v any) bool {
	s, ok := v.(string)
	return ok && strings.EqualFold(s, "keep")
}
