package jinja

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ---- YAML loading (PyYAML 1.1 scalar rules, as Salt's loader) ----

var (
	yamlBoolRe  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yamlIntRe   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yamlFloatRe = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yamlNullRe  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	yamlTimeRe  = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

// resolvePlain resolves an untagged plain YAML scalar like PyYAML's SafeLoader.
func resolvePlain(s string) any {
	switch {
	case yamlNullRe.MatchString(s):
		return nil
	case yamlBoolRe.MatchString(s):
		switch strings.ToLower(s) {
		case "yes", "true", "on":
			return true
		}
		return false
	case yamlIntRe.MatchString(s):
		if v, ok := parseYAMLInt(s); ok {
			return v
		}
		return s
	case yamlFloatRe.MatchString(s):
		t := strings.ReplaceAll(strings.ToLower(s), "_", "")
		switch strings.TrimLeft(t, "+") {
		case ".inf":
			return math.Inf(1)
		case "-.inf":
			return math.Inf(-1)
		case ".nan":
			return math.NaN()
		}
		if strings.Contains(t, ":") {
			return s
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return s
		}
		return f
	}
	return s
}

func parseYAMLInt(s string) (int, bool) {
	t := strings.ReplaceAll(s, "_", "")
	neg := false
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		neg = t[0] == '-'
		t = t[1:]
	}
	var v int64
	var err error
	switch {
	case strings.Contains(t, ":"):
		var total int64
		for _, part := range strings.Split(t, ":") {
			p, e := strconv.ParseInt(part, 10, 64)
			if e != nil {
				return 0, false
			}
			total = total*60 + p
		}
		v = total
	case strings.HasPrefix(t, "0b"):
		v, err = strconv.ParseInt(t[2:], 2, 64)
	case strings.HasPrefix(t, "0x"):
		v, err = strconv.ParseInt(t[2:], 16, 64)
	case len(t) > 1 && t[0] == '0':
		v, err = strconv.ParseInt(t[1:], 8, 64)
	default:
		v, err = strconv.ParseInt(t, 10, 64)
	}
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return int(v), true
}

// loadYAML parses YAML text into engine values (dict order preserved).
func loadYAML(text string) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("invalid YAML: %v", p)
		}
	}()
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, fmt.Errorf("invalid YAML: %v", err)
	}
	c := &yamlConv{anchors: map[*yaml.Node]any{}}
	return c.conv(&doc, 0)
}

type yamlConv struct {
	anchors map[*yaml.Node]any
	nodes   int
}

func (c *yamlConv) conv(n *yaml.Node, depth int) (any, error) {
	c.nodes++
	if depth > maxDataDepth || c.nodes > 1<<22 {
		return nil, fmt.Errorf("YAML document too deep or too large")
	}
	if v, ok := c.anchors[n]; ok {
		return v, nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.conv(n.Content[0], depth+1)
	case yaml.AliasNode:
		return c.conv(n.Alias, depth+1)
	case yaml.ScalarNode:
		var v any
		switch {
		case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
			v = n.Value
		case n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!int" && n.Tag != "!!float" && n.Tag != "!!bool" && n.Tag != "!!null":
			v = n.Value
		case yamlTimeRe.MatchString(n.Value):
			v = n.Value
		default:
			v = resolvePlain(n.Value)
		}
		if n.Anchor != "" {
			c.anchors[n] = v
		}
		return v, nil
	case yaml.SequenceNode:
		l := &pyList{items: make([]any, 0, len(n.Content))}
		if n.Anchor != "" {
			c.anchors[n] = l
		}
		for _, it := range n.Content {
			v, err := c.conv(it, depth+1)
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, v)
		}
		return l, nil
	case yaml.MappingNode:
		d := newDict()
		if n.Anchor != "" {
			c.anchors[n] = d
		}
		// PyYAML's flatten_mapping: merged keys come first (earlier merges win), explicit keys override.
		var merges []*pyDict
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			if kn.Kind == yaml.ScalarNode && kn.Value == "<<" && kn.Style == 0 {
				mv, err := c.conv(vn, depth+1)
				if err != nil {
					return nil, err
				}
				switch m := mv.(type) {
				case *pyDict:
					merges = append(merges, m)
				case *pyList:
					for _, it := range m.items {
						if md, ok := it.(*pyDict); ok {
							merges = append(merges, md)
						}
					}
				}
			}
		}
		for _, m := range merges {
			for _, k := range m.keys {
				if _, exists := d.m[k]; !exists {
					d.Set(m.key(k), m.m[k])
				}
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			if kn.Kind == yaml.ScalarNode && kn.Value == "<<" && kn.Style == 0 {
				continue
			}
			k, err := c.conv(kn, depth+1)
			if err != nil {
				return nil, err
			}
			v, err := c.conv(vn, depth+1)
			if err != nil {
				return nil, err
			}
			if l, ok := k.(*pyList); ok {
				k = pyTuple(l.items)
			}
			if !d.Set(k, v) {
				return nil, fmt.Errorf("line %d: unhashable mapping key", kn.Line)
			}
		}
		return d, nil
	}
	return nil, nil
}

// loadJSON parses JSON text into engine values (object order preserved).
func loadJSON(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	v, err := jsonValue(dec, 0)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("invalid JSON: extra data after the value")
	}
	return v, nil
}

func jsonValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDataDepth {
		return nil, fmt.Errorf("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			d := newDict()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				d.Set(k, v)
			}
			_, err := dec.Token()
			return d, err
		case '[':
			l := &pyList{}
			for dec.More() {
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				l.items = append(l.items, v)
			}
			_, err := dec.Token()
			return l, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		if i, err := strconv.ParseInt(t.String(), 10, 64); err == nil {
			return int(i), nil
		}
		f, err := t.Float64()
		if err != nil && !strings.Contains(err.Error(), "range") {
			return nil, err
		}
		return f, nil
	case string, bool, nil:
		return t, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// ---- JSON output (Python json.dumps) ----

type jsonOpts struct {
	sortKeys bool
	indent   int // <0: compact one-line with ", " and ": "
	html     bool
}

func dumpJSON(v any, o jsonOpts) (string, error) {
	var sb strings.Builder
	if err := writeJSON(&sb, v, o, 0); err != nil {
		return "", err
	}
	s := sb.String()
	if o.html {
		s = strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, "'", `\u0027`).Replace(s)
	}
	return s, nil
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
	switch x := k.(type) {
	case string:
		return x, nil
	case nil:
		return "null", nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return jsonFloat(x), nil
	}
	return "", fmt.Errorf("keys must be str, int, float, bool or None, not %s", typeName(k))
}

func jsonFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	return formatFloat(f)
}

func writeJSON(sb *strings.Builder, v any, o jsonOpts, depth int) error {
	if depth > maxDataDepth {
		return fmt.Errorf("circular reference detected")
	}
	nl := func(d int) {
		if o.indent >= 0 {
			sb.WriteByte('\n')
			sb.WriteString(strings.Repeat(" ", o.indent*d))
		}
	}
	itemSep := ", "
	if o.indent >= 0 {
		itemSep = ","
	}
	switch x := v.(type) {
	case nil:
		sb.WriteString("null")
	case bool:
		if x {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case int:
		sb.WriteString(strconv.Itoa(x))
	case float64:
		sb.WriteString(jsonFloat(x))
	case string:
		sb.WriteString(jsonString(x))
	case *pyList, pyTuple:
		items, _ := asSeq(x)
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
			if err := writeJSON(sb, it, o, depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		sb.WriteByte(']')
	case *pyDict, *namespace:
		d, ok := x.(*pyDict)
		if !ok {
			d = x.(*namespace).d
		}
		if d.Len() == 0 {
			sb.WriteString("{}")
			return nil
		}
		type kv struct {
			k string
			v any
		}
		pairs := make([]kv, 0, d.Len())
		for _, k := range d.keys {
			ks, err := jsonKey(d.key(k))
			if err != nil {
				return err
			}
			pairs = append(pairs, kv{ks, d.m[k]})
		}
		if o.sortKeys {
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
			if err := writeJSON(sb, p.v, o, depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		sb.WriteByte('}')
	case undefined:
		return fmt.Errorf("%s (Object of type Undefined is not JSON serializable)", x.msg())
	default:
		return fmt.Errorf("Object of type %s is not JSON serializable", typeName(v))
	}
	return nil
}

// ---- YAML output (PyYAML safe_dump, flow style, keys sorted) ----

func dumpYAMLFlow(v any) (string, error) {
	var sb strings.Builder
	if err := writeYAMLFlow(&sb, v, 0); err != nil {
		return "", err
	}
	return sb.String(), nil
}

func yamlFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	case math.IsNaN(f):
		return ".nan"
	}
	s := strings.ToLower(formatFloat(f))
	if !strings.Contains(s, ".") && strings.Contains(s, "e") {
		s = strings.Replace(s, "e", ".0e", 1)
	}
	return s
}

// yamlScalarString renders a string the way PyYAML's emitter would in flow context.
func yamlScalarString(s string) string { return yamlScalar(s, true) }

// yamlScalar renders a string like PyYAML's emitter; flow selects flow-context rules
// (inside [...] or {...}), otherwise block-context rules (top level, block style).
func yamlScalar(s string, flow bool) string {
	if s == "" {
		return "''"
	}
	flowInd, blockInd := false, false
	special := false
	for i, r := range s {
		if r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029' {
			special = true
		}
		if !(r == '\t' || r == '\n' || r >= 0x20 && r <= 0x7e || r == 0x85 || r >= 0xa0 && r <= 0xd7ff || r >= 0xe000 && r <= 0xfffd && r != 0xfeff || r >= 0x10000) || r == utf8.RuneError {
			special = true
		}
		next := i + utf8.RuneLen(r)
		followedBySpace := next >= len(s) || strings.IndexByte(" \t\r\n", s[next]) >= 0
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", r) {
				flowInd, blockInd = true, true
			}
			if r == '?' || r == ':' {
				flowInd = true
				if followedBySpace {
					blockInd = true
				}
			}
			if r == '-' && followedBySpace {
				flowInd, blockInd = true, true
			}
		} else {
			if strings.ContainsRune(",?[]{}", r) {
				flowInd = true
			}
			if r == ':' {
				flowInd = true
				if followedBySpace {
					blockInd = true
				}
			}
			if r == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
				flowInd, blockInd = true, true
			}
		}
	}
	plain := !blockInd
	if flow {
		plain = !flowInd
	}
	if unicode.IsSpace(rune(s[0])) || unicode.IsSpace(rune(s[len(s)-1])) {
		plain = false
	}
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		plain = false
	}
	if plain && !special {
		if _, isStr := resolvePlain(s).(string); isStr && !yamlTimeRe.MatchString(s) && s != "<<" && s != "=" {
			return s
		}
	}
	if !special {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
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
		case 0:
			sb.WriteString(`\0`)
		default:
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xfeff || r == utf8.RuneError {
				fmt.Fprintf(&sb, `\x%02x`, r&0xff)
				if r > 0xff {
					sb.Reset()
					return fmt.Sprintf("%q", s)
				}
			} else {
				sb.WriteRune(r)
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

func writeYAMLFlow(sb *strings.Builder, v any, depth int) error {
	if depth > maxDataDepth {
		return fmt.Errorf("circular reference detected")
	}
	switch x := v.(type) {
	case nil:
		sb.WriteString("null")
	case bool:
		if x {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case int:
		sb.WriteString(strconv.Itoa(x))
	case float64:
		sb.WriteString(yamlFloat(x))
	case string:
		sb.WriteString(yamlScalar(x, depth > 0))
	case *pyList, pyTuple:
		items, _ := asSeq(x)
		sb.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				sb.WriteString(", ")
			}
			if err := writeYAMLFlow(sb, it, depth+1); err != nil {
				return err
			}
		}
		sb.WriteByte(']')
	case *pyDict, *namespace:
		d, ok := x.(*pyDict)
		if !ok {
			d = x.(*namespace).d
		}
		keys := make([]any, len(d.keys))
		for i, k := range d.keys {
			keys[i] = d.key(k)
		}
		sortValues(keys)
		sb.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			if err := writeYAMLFlow(sb, k, depth+1); err != nil {
				return err
			}
			sb.WriteString(": ")
			val, _ := d.Get(k)
			if err := writeYAMLFlow(sb, val, depth+1); err != nil {
				return err
			}
		}
		sb.WriteByte('}')
	case undefined:
		return fmt.Errorf("%s (cannot represent an undefined value as YAML)", x.msg())
	default:
		return fmt.Errorf("cannot represent an object of type %s as YAML", typeName(v))
	}
	return nil
}

// dumpYAMLBlock renders block-style YAML laid out like PyYAML's safe_dump(default_flow_style=False):
// sequences inside mappings are not indented, keys sorted, scalars quoted as in flow style.
func dumpYAMLBlock(v any) (string, error) {
	var sb strings.Builder
	if err := writeYAMLBlock(&sb, v, 0, 0); err != nil {
		return "", err
	}
	return strings.TrimRight(sb.String(), "\n"), nil
}

func isEmptyCollection(v any) bool {
	switch x := v.(type) {
	case *pyList:
		return len(x.items) == 0
	case pyTuple:
		return len(x) == 0
	case *pyDict:
		return x.Len() == 0
	}
	return false
}

func isCollection(v any) bool {
	switch v.(type) {
	case *pyList, pyTuple, *pyDict:
		return !isEmptyCollection(v)
	}
	return false
}

// writeYAMLBlock writes v at the given indent; the caller has already written any "key:" or "- " prefix
// on the current line when inline is set (inline > 0 means the first line continues the current line).
func writeYAMLBlock(sb *strings.Builder, v any, indent int, depth int) error {
	if depth > maxDataDepth {
		return fmt.Errorf("circular reference detected")
	}
	pad := strings.Repeat(" ", indent)
	switch x := v.(type) {
	case *pyDict:
		if x.Len() == 0 {
			sb.WriteString("{}\n")
			return nil
		}
		keys := dictKeys(x)
		sortValues(keys)
		for i, k := range keys {
			if i > 0 || depth == 0 {
				sb.WriteString(pad)
			}
			if err := writeYAMLBlockScalar(sb, k, depth+1); err != nil {
				return err
			}
			sb.WriteByte(':')
			val, _ := x.Get(k)
			switch {
			case isCollection(val):
				if _, isList := val.(*pyDict); isList {
					sb.WriteByte('\n')
					sb.WriteString(strings.Repeat(" ", indent+2))
					if err := writeYAMLBlock(sb, val, indent+2, depth+1); err != nil {
						return err
					}
				} else {
					sb.WriteByte('\n')
					sb.WriteString(pad)
					if err := writeYAMLBlock(sb, val, indent, depth+1); err != nil {
						return err
					}
				}
			default:
				sb.WriteByte(' ')
				if err := writeYAMLBlockScalar(sb, val, depth+1); err != nil {
					return err
				}
				sb.WriteByte('\n')
			}
		}
	case *pyList, pyTuple:
		items, _ := asSeq(x)
		if len(items) == 0 {
			sb.WriteString("[]\n")
			return nil
		}
		for i, it := range items {
			if i > 0 || depth == 0 {
				sb.WriteString(pad)
			}
			sb.WriteString("- ")
			if isCollection(it) {
				if err := writeYAMLBlock(sb, it, indent+2, depth+1); err != nil {
					return err
				}
				continue
			}
			if err := writeYAMLBlockScalar(sb, it, depth+1); err != nil {
				return err
			}
			sb.WriteByte('\n')
		}
	default:
		if err := writeYAMLBlockScalar(sb, v, depth+1); err != nil {
			return err
		}
		sb.WriteByte('\n')
	}
	return nil
}

// writeYAMLBlockScalar writes a scalar (or empty collection) in block context.
func writeYAMLBlockScalar(sb *strings.Builder, v any, depth int) error {
	if s, ok := v.(string); ok {
		sb.WriteString(yamlScalar(s, false))
		return nil
	}
	return writeYAMLFlow(sb, v, depth)
}
