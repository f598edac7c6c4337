package pyfmt

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Style is PyYAML's default_flow_style.
type Style int

const (
	// Block is default_flow_style=False: block style throughout.
	Block Style = iota
	// Flow is default_flow_style=True: flow style throughout.
	Flow
	// Mixed is default_flow_style=None (Salt's yaml serializer's default):
	// a collection of scalars in flow style ("key: [a, b]"), the others in
	// block style.
	Mixed
)

// YAML is PyYAML's safe_dump(v, default_flow_style=...) without the final
// newline: keys sorted, a list under a key not indented, a string quoted
// only where it would read back as something else.
func YAML(v any, style Style) (string, error) {
	var sb strings.Builder
	if style == Flow || style == Mixed && yamlLeaf(v) {
		if err := writeYAMLFlow(&sb, v, 0); err != nil {
			return "", err
		}
		return sb.String(), nil
	}
	if err := writeYAMLBlock(&sb, v, 0, 0, style == Mixed); err != nil {
		return "", err
	}
	return strings.TrimRight(sb.String(), "\n"), nil
}

// PyYAML 1.1's implicit resolvers, as Salt's loader and dumper use them.
var (
	yamlBoolRe  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yamlIntRe   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yamlFloatRe = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yamlNullRe  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	yamlTimeRe  = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

// YAMLPlain is what PyYAML's SafeLoader reads the untagged plain scalar s
// as: None, a bool, an int, a float, or s itself (a timestamp stays a
// string).
func YAMLPlain(s string) any {
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

func yamlFloat(f float64) string {
	if s, ok := nonFinite(f, ".inf", ".nan"); ok {
		return s
	}
	s := strings.ToLower(Float(f))
	if !strings.Contains(s, ".") && strings.Contains(s, "e") {
		s = strings.Replace(s, "e", ".0e", 1)
	}
	return s
}

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
		if _, isStr := YAMLPlain(s).(string); isStr && !yamlTimeRe.MatchString(s) && s != "<<" && s != "=" {
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

// yamlItem is a dict item being dumped.
type yamlItem struct{ k, v any }

// sortedItems returns m's items with the keys in SortKeys' order, or in
// m's own order when m is an ordered dict (Salt's dumper writes an
// OrderedDict's items as they are).
func sortedItems(m Mapping) []yamlItem {
	items := make([]yamlItem, 0, m.PyLen())
	for k, v := range m.PyItems {
		items = append(items, yamlItem{k, v})
	}
	if o, ok := m.(OrderedMapping); ok && o.PyOrdered() {
		return items
	}
	sort.SliceStable(items, func(i, j int) bool { return keyLess(items[i].k, items[j].k) })
	return items
}

// bestWidth is PyYAML's best_width: a flow collection breaks its line
// before an item that would start past this column.
const bestWidth = 80

// column is the column sb's last line ends at.
func column(sb *strings.Builder) int {
	s := sb.String()
	return len(s) - strings.LastIndexByte(s, '\n') - 1
}

func writeYAMLFlow(sb *strings.Builder, v any, depth int) error {
	return writeYAMLFlowAt(sb, v, depth, 0)
}

// writeYAMLFlowAt writes v in flow style as PyYAML's emitter does: a
// collection's items indented by 2 past indent (the enclosing node's) when
// the line, past bestWidth, breaks before an item.
func writeYAMLFlowAt(sb *strings.Builder, v any, depth, indent int) error {
	if depth > MaxDepth {
		return fmt.Errorf("circular reference detected")
	}
	v = optional(v)
	switch x := v.(type) {
	case nil:
		sb.WriteString("null")
		return nil
	case bool:
		if x {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
		return nil
	case string:
		sb.WriteString(yamlScalar(x, depth > 0))
		return nil
	case Missing:
		return fmt.Errorf("%s (cannot represent an undefined value as YAML)", x.PyMissing())
	case Object:
		return fmt.Errorf("cannot represent an object of type %s as YAML", x.PyType())
	}
	if s, ok := scalar(v, yamlFloat); ok {
		sb.WriteString(s)
		return nil
	}
	inner := indent + 2
	// next starts an item: the comma, then a line break when the line is
	// past bestWidth, else the space
	next := func(i int) {
		if i > 0 {
			sb.WriteByte(',')
		}
		if column(sb) > bestWidth {
			sb.WriteByte('\n')
			sb.WriteString(strings.Repeat(" ", inner))
		} else if i > 0 {
			sb.WriteByte(' ')
		}
	}
	if items, _, ok := seq(v); ok {
		sb.WriteByte('[')
		for i, it := range items {
			next(i)
			if err := writeYAMLFlowAt(sb, it, depth+1, inner); err != nil {
				return err
			}
		}
		sb.WriteByte(']')
		return nil
	}
	m, ok := mapping(v)
	if !ok {
		return fmt.Errorf("cannot represent an object of type %s as YAML", TypeName(v))
	}
	sb.WriteByte('{')
	for i, it := range sortedItems(m) {
		next(i)
		if err := writeYAMLFlowAt(sb, it.k, depth+1, inner); err != nil {
			return err
		}
		sb.WriteString(": ")
		if err := writeYAMLFlowAt(sb, it.v, depth+1, inner); err != nil {
			return err
		}
	}
	sb.WriteByte('}')
	return nil
}

// isCollection reports a non-empty list, tuple or dict.
// yamlLeaf reports a collection whose keys, values and items are all
// scalars: what PyYAML writes in flow style when default_flow_style is None
// (an empty collection counts as a collection, not a scalar).
func yamlLeaf(v any) bool {
	isColl := func(x any) bool {
		if _, _, ok := seq(x); ok {
			return true
		}
		_, ok := mapping(x)
		return ok
	}
	if items, _, ok := seq(v); ok {
		for _, it := range items {
			if isColl(it) {
				return false
			}
		}
		return true
	}
	m, ok := mapping(v)
	if !ok {
		return false
	}
	leaf := true
	m.PyItems(func(k, x any) bool {
		if isColl(k) || isColl(x) {
			leaf = false
		}
		return leaf
	})
	return leaf
}

func isCollection(v any) bool {
	if items, _, ok := seq(v); ok {
		return len(items) > 0
	}
	if m, ok := mapping(v); ok {
		return m.PyLen() > 0
	}
	return false
}

// writeYAMLBlock writes v at the given indent; the caller has already
// written any "key:" or "- " prefix on the current line.
func writeYAMLBlock(sb *strings.Builder, v any, indent int, depth int, leafFlow bool) error {
	if depth > MaxDepth {
		return fmt.Errorf("circular reference detected")
	}
	pad := strings.Repeat(" ", indent)
	if m, ok := mapping(v); ok {
		if m.PyLen() == 0 {
			sb.WriteString("{}\n")
			return nil
		}
		for i, it := range sortedItems(m) {
			if i > 0 || depth == 0 {
				sb.WriteString(pad)
			}
			if err := writeYAMLBlockScalar(sb, it.k, depth+1); err != nil {
				return err
			}
			sb.WriteByte(':')
			switch {
			case leafFlow && yamlLeaf(it.v):
				sb.WriteByte(' ')
				if err := writeYAMLFlowAt(sb, it.v, depth+1, indent); err != nil {
					return err
				}
				sb.WriteByte('\n')
			case isCollection(it.v):
				if _, isDict := mapping(it.v); isDict {
					sb.WriteByte('\n')
					sb.WriteString(strings.Repeat(" ", indent+2))
					if err := writeYAMLBlock(sb, it.v, indent+2, depth+1, leafFlow); err != nil {
						return err
					}
				} else {
					sb.WriteByte('\n')
					sb.WriteString(pad)
					if err := writeYAMLBlock(sb, it.v, indent, depth+1, leafFlow); err != nil {
						return err
					}
				}
			default:
				sb.WriteByte(' ')
				if err := writeYAMLBlockScalar(sb, it.v, depth+1); err != nil {
					return err
				}
				sb.WriteByte('\n')
			}
		}
		return nil
	}
	if items, _, ok := seq(v); ok {
		if len(items) == 0 {
			sb.WriteString("[]\n")
			return nil
		}
		for i, it := range items {
			if i > 0 || depth == 0 {
				sb.WriteString(pad)
			}
			sb.WriteString("- ")
			if leafFlow && yamlLeaf(it) {
				if err := writeYAMLFlowAt(sb, it, depth+1, indent); err != nil {
					return err
				}
				sb.WriteByte('\n')
				continue
			}
			if isCollection(it) {
				if err := writeYAMLBlock(sb, it, indent+2, depth+1, leafFlow); err != nil {
					return err
				}
				continue
			}
			if err := writeYAMLBlockScalar(sb, it, depth+1); err != nil {
				return err
			}
			sb.WriteByte('\n')
		}
		return nil
	}
	if err := writeYAMLBlockScalar(sb, v, depth+1); err != nil {
		return err
	}
	sb.WriteByte('\n')
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
