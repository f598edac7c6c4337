package pyfmt

import (
	"fmt"
	"sort"
	"strings"
)

// JSON is Python's json.dumps(v, indent=indent, sort_keys=sortKeys) with
// ensure_ascii: separators ", " and ": " on one line when indent < 0,
// "," and ": " with newlines and indent spaces a level otherwise.
func JSON(v any, indent int, sortKeys bool) (string, error) {
	var sb strings.Builder
	if err := writeJSON(&sb, v, indent, sortKeys, 0); err != nil {
		return "", err
	}
	return sb.String(), nil
}

func jsonString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || r > 0x7e && r < 0x10000:
				if r == 0x7f {
					sb.WriteRune(r)
				} else {
					fmt.Fprintf(&sb, `\u%04x`, r)
				}
			case r >= 0x10000:
				r1, r2 := utf16Pair(r)
				fmt.Fprintf(&sb, `\u%04x\u%04x`, r1, r2)
			default:
				sb.WriteRune(r)
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

func jsonKey(k any) (string, error) {
	if s, ok := k.(string); ok {
		return s, nil
	}
	if s, ok := jsonScalar(k); ok {
		return s, nil
	}
	return "", fmt.Errorf("keys must be str, int, float, bool or None, not %s", TypeName(k))
}

// jsonScalar writes null, a bool or a number as json.dumps does.
func jsonScalar(v any) (string, bool) {
	v = optional(v)
	switch x := v.(type) {
	case nil:
		return "null", true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	}
	return scalar(v, jsonFloat)
}

func jsonFloat(f float64) string {
	if s, ok := nonFinite(f, "Infinity", "NaN"); ok {
		return s
	}
	return Float(f)
}

func writeJSON(sb *strings.Builder, v any, indent int, sortKeys bool, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("circular reference detected")
	}
	nl := func(d int) {
		if indent >= 0 {
			sb.WriteByte('\n')
			sb.WriteString(strings.Repeat(" ", indent*d))
		}
	}
	itemSep := ", "
	if indent >= 0 {
		itemSep = ","
	}
	if s, ok := jsonScalar(v); ok {
		sb.WriteString(s)
		return nil
	}
	switch x := v.(type) {
	case string:
		sb.WriteString(jsonString(x))
		return nil
	case Missing:
		return fmt.Errorf("%s (Object of type %s is not JSON serializable)", x.PyMissing(), x.PyType())
	case Object:
		return fmt.Errorf("Object of type %s is not JSON serializable", x.PyType())
	}
	if items, _, ok := seq(v); ok {
		if len(items) == 0 {
			sb.WriteString("[]")
			return nil
		}
		sb.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				sb.WriteString(itemSep)
			}
			nl(depth + 1)
			if err := writeJSON(sb, it, indent, sortKeys, depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		sb.WriteByte(']')
		return nil
	}
	m, ok := mapping(v)
	if !ok {
		return fmt.Errorf("Object of type %s is not JSON serializable", TypeName(v))
	}
	if m.PyLen() == 0 {
		sb.WriteString("{}")
		return nil
	}
	type kv struct {
		k string
		v any
	}
	pairs := make([]kv, 0, m.PyLen())
	for k, val := range m.PyItems {
		ks, err := jsonKey(k)
		if err != nil {
			return err
		}
		pairs = append(pairs, kv{ks, val})
	}
	if sortKeys {
		sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].k < pairs[j].k })
	}
	sb.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			sb.WriteString(itemSep)
		}
		nl(depth + 1)
		sb.WriteString(jsonString(p.k))
		sb.WriteString(": ")
		if err := writeJSON(sb, p.v, indent, sortKeys, depth+1); err != nil {
			return err
		}
	}
	nl(depth)
	sb.WriteByte('}')
	return nil
}
