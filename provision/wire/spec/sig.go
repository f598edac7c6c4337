package spec

import (
	"fmt"
	"strconv"
	"strings"
)

// Fn builds a function spec from its signature written as in Salt's source, so a spec reads like the Python it mirrors:
//
//	name, source=None file, makedirs=False, mode=None mode, attrs=None ignored, **kwargs
//
// Each argument is NAME or NAME=DEFAULT (a Python literal; quoted strings may
// hold commas), then space-separated tags: a type (str, bool, int, float,
// mode, list, map, any), a source kind (file, raw, dir) and "ignored". An
// argument without a type tag takes it from its default: True/False is
// bool, an integer int, a quoted string str, anything else any; name is a
// str. "**kwargs" marks a function that accepts any other argument.
//
// A malformed signature is a bug in brine; Fn records it in Func.Err (the
// catalog test fails on it) instead of panicking.
func Fn(sig string) *Func {
	f := &Func{}
	for _, item := range SplitSig(sig) {
		if item == "" {
			continue
		}
		if item == "**kwargs" {
			f.Kwargs = true
			continue
		}
		a, err := parseArg(item)
		if err != nil {
			f.Err = fmt.Errorf("signature %q: %w", sig, err)
			return f
		}
		if _, dup := f.Arg(a.Name); dup {
			f.Err = fmt.Errorf("signature %q: argument %s twice", sig, a.Name)
			return f
		}
		f.Args = append(f.Args, a)
	}
	return f
}

// SplitSig splits a Python signature on the commas outside quotes and
// brackets (state specs here, execution functions in provision/wire/funcs).
func SplitSig(sig string) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(sig); i++ {
		ch := sig[i]
		switch {
		case quote != 0:
			if ch == '\\' {
				i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '(' || ch == '[' || ch == '{':
			depth++
		case ch == ')' || ch == ']' || ch == '}':
			depth--
		case ch == ',' && depth == 0:
			out = append(out, strings.TrimSpace(sig[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(sig[start:]))
}

func parseArg(item string) (Arg, error) {
	name, rest := item, ""
	if i := strings.IndexAny(item, "= "); i >= 0 {
		name, rest = item[:i], item[i:]
	}
	a := Arg{Name: name, Required: true}
	if !validName(name) {
		return a, fmt.Errorf("bad argument name %q", name)
	}
	if strings.HasPrefix(rest, "=") {
		def, tail, err := readDefault(rest[1:])
		if err != nil {
			return a, fmt.Errorf("%s: %w", name, err)
		}
		a.Default, a.Required, rest = def, false, tail
		a.Type = typeOfDefault(def)
	} else if name == "name" {
		a.Type = Str
	}
	for _, tag := range strings.Fields(rest) {
		switch tag {
		case "any":
			a.Type = Any
		case "str":
			a.Type = Str
		case "bool":
			a.Type = Bool
		case "int":
			a.Type = Int
		case "float":
			a.Type = Float
		case "mode":
			a.Type = Mode
		case "list":
			a.Type = List
		case "map":
			a.Type = Map
		case "file":
			a.Source = File
		case "raw":
			a.Source = Raw
		case "dir":
			a.Source = Dir
		case "ignored":
			a.Ignored = true
		default:
			return a, fmt.Errorf("%s: unknown tag %q", name, tag)
		}
	}
	return a, nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// readDefault reads a Python literal at the start of s and returns it and
// the rest of s.
func readDefault(s string) (def, rest string, err error) {
	if s == "" {
		return "", "", fmt.Errorf("empty default")
	}
	if q := s[0]; q == '\'' || q == '"' {
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case q:
				return s[:i+1], s[i+1:], nil
			}
		}
		return "", "", fmt.Errorf("unterminated string %s", s)
	}
	if s[0] == '(' || s[0] == '[' || s[0] == '{' {
		closing := map[byte]byte{'(': ')', '[': ']', '{': '}'}[s[0]]
		if i := strings.IndexByte(s, closing); i >= 0 {
			return s[:i+1], s[i+1:], nil
		}
		return "", "", fmt.Errorf("unterminated %s", s)
	}
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		return s, "", nil
	}
	return s[:i], s[i:], nil
}

func typeOfDefault(def string) Type {
	switch {
	case def == "True" || def == "False":
		return Bool
	case def[0] == '\'' || def[0] == '"':
		return Str
	}
	if _, err := strconv.Atoi(def); err == nil {
		return Int
	}
	return Any
}
