package spec

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"brine/provision/lib/pyfmt"
)

// Problem is one reason a chunk cannot run: Arg names the argument it is
// about ("" for the function itself), Msg is worded as Salt words it where
// Salt has a message.
type Problem struct {
	Arg string
	Msg string
}

// NotFound is Salt's comment for a state function that does not exist
// (salt/state.py verify_data, with the loader's missing_fun_string).
func NotFound(full, sls string) string {
	return fmt.Sprintf("State '%s' was not found in SLS '%s'\nReason: '%s' is not available.", full, sls, full)
}

// Check verifies a chunk's arguments against the spec of full ("mod.fun"):
// required arguments present ("Missing parameter ..."), no unknown argument
// for a function without **kwargs ("'x' is an invalid keyword argument for
// ..."), and every typed argument holding a value of its type.
func (f *Func) Check(full string, c map[string]any) []Problem {
	if f.Err != nil {
		return []Problem{{Msg: fmt.Sprintf("brine's spec of %s is broken: %v", full, f.Err)}}
	}
	var out []Problem
	for _, a := range f.Args {
		v, ok := c[a.Name]
		if !ok {
			if a.Required {
				out = append(out, Problem{a.Name, fmt.Sprintf("Missing parameter %s for state %s", a.Name, full)})
			}
			continue
		}
		if err := CheckValue(a.Type, v); err != nil {
			out = append(out, Problem{a.Name, fmt.Sprintf("Invalid value for argument %s of state %s: %v", a.Name, full, err)})
		}
	}
	if f.Kwargs {
		return out
	}
	var extra []string
	for k := range c {
		if _, ok := f.Arg(k); !ok && !Internal(k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	switch len(extra) {
	case 0:
	case 1:
		out = append(out, Problem{extra[0], fmt.Sprintf("'%s' is an invalid keyword argument for '%s'", extra[0], full)})
	default:
		q := make([]string, len(extra)-1)
		for i, e := range extra[:len(extra)-1] {
			q[i] = "'" + e + "'"
		}
		out = append(out, Problem{extra[0], fmt.Sprintf("%s and '%s' are invalid keyword arguments for '%s'",
			strings.Join(q, ", "), extra[len(extra)-1], full)})
	}
	return out
}

// Internal reports whether chunk key k belongs to the state system rather
// than to the function: Salt's STATE_INTERNAL_KEYWORDS (requisites, their
// _in forms and the runtime keywords of salt/state.py) and every "__" key.
func Internal(k string) bool {
	if strings.HasPrefix(k, "__") {
		return true
	}
	switch k {
	case "onchanges", "onchanges_any", "onfail", "onfail_any", "onfail_all", "onfail_stop",
		"prereq", "prerequired", "watch", "watch_any", "require", "require_any", "listen",
		"onchanges_in", "onfail_in", "prereq_in", "watch_in", "require_in", "listen_in",
		"fun", "state", "check_cmd", "cmd_opts_exclude", "failhard", "onlyif", "unless", "creates",
		"retry", "order", "parallel", "reload_modules", "reload_grains", "reload_pillar",
		"runas", "runas_password", "fire_event", "saltenv", "umask", "use", "use_in",
		// brine's engine keys (the function a mod_watch stands in for)
		"sfun":
		return true
	}
	return false
}

// CheckValue reports whether v is a value of type t (nil always is: Salt
// passes None through).
func CheckValue(t Type, v any) error {
	if v == nil {
		return nil
	}
	switch t {
	case Str:
		switch v.(type) {
		case []any, map[string]any:
			return fmt.Errorf("%s is a %s, not a string", pyfmt.Repr(v), pyfmt.TypeName(v))
		}
	case Bool:
		if _, ok := ParseBool(v); !ok {
			return fmt.Errorf("%s is not True or False", pyfmt.Repr(v))
		}
	case Int:
		if _, ok := ParseInt(v); !ok {
			return fmt.Errorf("%s is not an integer", pyfmt.Repr(v))
		}
	case Float:
		if _, ok := ParseFloat(v); !ok {
			return fmt.Errorf("%s is not a number", pyfmt.Repr(v))
		}
	case Mode:
		if s, ok := v.(string); ok && strings.ToLower(s) == "keep" {
			return nil // Salt's mode: keep (the source file's mode)
		}
		if _, err := ParseMode(v); err != nil {
			return err
		}
	case Map:
		if _, ok := ToMap(v); !ok {
			return fmt.Errorf("%s is not a dictionary (or a list of one-key dictionaries)", pyfmt.Repr(v))
		}
	}
	return nil
}

// ParseBool reads a boolean argument the way Salt's states read one: YAML
// booleans, numbers (0 is False), and the strings "true"/"false" in any
// case plus yes/no/on/off/y/n/1/0 and "" (False). Anything else is not a
// boolean (ok false): brine refuses it instead of guessing.
func ParseBool(v any) (b, ok bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case int:
		return t != 0, true
	case int64:
		return t != 0, true
	case float64:
		return t != 0, true
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true", "yes", "on", "y", "1":
			return true, true
		case "false", "no", "off", "n", "0", "":
			return false, true
		}
	}
	return false, false
}

// ParseInt reads an integer: a YAML integer, an integral float (or
// json.Number), a boolean (Python's bool is an int) or a string of digits.
func ParseInt(v any) (int, bool) {
	switch t := v.(type) {
	case int:
		return t, true
	case int64:
		return int(t), true
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i), true
		}
	case float64:
		if t == math.Trunc(t) && !math.IsInf(t, 0) {
			return int(t), true
		}
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(t))
		return n, err == nil
	}
	return 0, false
}

// ParseFloat reads a number or a numeric string.
func ParseFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case float64:
		return t, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		return f, err == nil
	}
	return 0, false
}

// ParseMode reads a file mode: octal digits as an integer (Salt reads the
// YAML integer 644 as the digits 644) or a string ("0644", "0o2755").
// It returns the permission bits (with setuid/setgid/sticky).
func ParseMode(v any) (uint32, error) {
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case int:
		s = strconv.Itoa(t)
	case int64:
		s = strconv.FormatInt(t, 10)
	case float64:
		if t != math.Trunc(t) {
			return 0, fmt.Errorf("invalid mode %s: want octal digits such as 0644", pyfmt.Repr(v))
		}
		s = strconv.FormatInt(int64(t), 10)
	default:
		return 0, fmt.Errorf("invalid mode %s: want octal digits such as 0644", pyfmt.Repr(v))
	}
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0o"), "0O")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n > 0o7777 {
		return 0, fmt.Errorf("invalid mode %q: want octal digits such as 0644", s)
	}
	return uint32(n), nil
}

// ToMap reads a dictionary, or a list of one-key dictionaries merged into
// one (`- env: [{A: 1}, {B: 2}]`, as Salt's repack_dictlist does).
func ToMap(v any) (map[string]any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return t, true
	case []any:
		out := map[string]any{}
		for _, e := range t {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			for k, vv := range m {
				out[k] = vv
			}
		}
		return out, true
	}
	return nil, false
}
