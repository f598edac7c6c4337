package report

import (
	"encoding/json"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"brine/provision/lib/pyfmt"
)

// Salt's yaml outputter is PyYAML's safe_dump(data, default_flow_style=
// False, allow_unicode=True): block style, keys sorted, a list under a key
// not indented, empty collections as {} and [], each string plain unless
// YAML would read it as something else (then 'single-quoted'), "double-
// quoted" only with control characters, and long strings folded at 80
// columns. pyYAML writes the same text: the emitter below follows PyYAML
// 6's (yaml/emitter.py: analyze_scalar, choose_scalar_style, the write_*
// functions) for the values a host returns.

// yamlResolvers are PyYAML's implicit resolvers (yaml/resolver.py): a
// string one of these matches is quoted.
var yamlResolvers = []*regexp.Regexp{
	regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`),
	regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`),
	regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`),
	regexp.MustCompile(`^(?:<<)$`),
	regexp.MustCompile(`^(?:~|null|Null|NULL|)$`),
	regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`),
	regexp.MustCompile(`^(?:=)$`),
}

// encodeYAML writes v as Salt's yaml outputter does.
func encodeYAML(w io.Writer, v any) error { return yamlEncoder(nil)(w, v) }

// yamlEncoder is Salt's yaml outputter with --out-indent: safe_dump with
// indent=N (PyYAML keeps its default 2 outside 2..9), or with a negative
// indent default_flow_style=True, one flow-style document (pyfmt's flow
// writer, folded at 80 columns as PyYAML's).
func yamlEncoder(indent *int) func(io.Writer, any) error {
	if indent != nil && *indent < 0 {
		return func(w io.Writer, v any) error {
			s, err := pyfmt.YAML(generic(v), pyfmt.Flow)
			if err != nil {
				return err
			}
			_, err = io.WriteString(w, s+"\n")
			return err
		}
	}
	best := yamlDefaultIndent
	if indent != nil && *indent > 1 && *indent < 10 {
		best = *indent
	}
	return func(w io.Writer, v any) error {
		e := &yamlEmitter{whitespace: true, indention: true, indent: -1, best: best}
		e.node(generic(v), false, false, false)
		e.writeIndent() // document end
		_, err := io.WriteString(w, e.b.String())
		return err
	}
}

type yamlEmitter struct {
	b          strings.Builder
	column     int
	whitespace bool
	indention  bool
	// indent is the current indentation (-1: none yet, PyYAML's None).
	indent  int
	indents []int
	// best is PyYAML's best_indent (its indent argument).
	best int
}

const yamlDefaultIndent, yamlBestWidth = 2, 80

func (e *yamlEmitter) write(s string) {
	e.b.WriteString(s)
	e.column += utf8.RuneCountInString(s)
}

func (e *yamlEmitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	switch {
	case e.indent < 0 && flow:
		e.indent = e.best
	case e.indent < 0:
		e.indent = 0
	case !indentless:
		e.indent += e.best
	}
}

func (e *yamlEmitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

func (e *yamlEmitter) writeIndicator(ind string, needWhitespace, whitespace, indention bool) {
	if !e.whitespace && needWhitespace {
		ind = " " + ind
	}
	e.whitespace = whitespace
	e.indention = e.indention && indention
	e.write(ind)
}

func (e *yamlEmitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.writeLineBreak()
	}
	if e.column < indent {
		e.whitespace = true
		e.write(strings.Repeat(" ", indent-e.column))
	}
}

func (e *yamlEmitter) writeLineBreak() { e.writeBreak('\n') }

// writeBreak is write_line_break(br): a line break, or the Unicode break
// character itself.
func (e *yamlEmitter) writeBreak(br rune) {
	e.whitespace, e.indention = true, true
	e.b.WriteRune(br)
	e.column = 0
}

// node emits one value: mapping tells a mapping's value (where a list is
// not indented), simpleKey a mapping key.
func (e *yamlEmitter) node(v any, mapping, sequence, simpleKey bool) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			e.writeIndicator("{", true, true, false)
			e.writeIndicator("}", false, false, false)
			return
		}
		e.increaseIndent(false, false)
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e.writeIndent()
			e.node(k, true, false, true)
			e.writeIndicator(":", false, false, false)
			e.node(t[k], true, false, false)
		}
		e.popIndent()
	case []any:
		if len(t) == 0 {
			e.writeIndicator("[", true, true, false)
			e.writeIndicator("]", false, false, false)
			return
		}
		e.increaseIndent(false, mapping && !e.indention)
		for _, x := range t {
			e.writeIndent()
			e.writeIndicator("-", true, false, true)
			e.node(x, false, true, false)
		}
		e.popIndent()
	default:
		e.increaseIndent(true, false)
		e.scalar(v, simpleKey)
		e.popIndent()
	}
}

// scalar represents v as PyYAML's SafeRepresenter does and writes it in
// the style PyYAML chooses.
func (e *yamlEmitter) scalar(v any, simpleKey bool) {
	text, isStr := "", false
	switch t := v.(type) {
	case nil:
		text = "null"
	case bool:
		text = "false"
		if t {
			text = "true"
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			text = strconv.FormatInt(i, 10)
		} else if f, err := t.Float64(); err == nil {
			text = yamlFloat(f)
		} else {
			text = t.String()
		}
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			text = strconv.FormatInt(int64(t), 10)
		} else {
			text = yamlFloat(t)
		}
	case int:
		text = strconv.Itoa(t)
	case int64:
		text = strconv.FormatInt(t, 10)
	case string:
		text, isStr = t, true
	default:
		text, isStr = pyfmt.Str(v), true
	}
	if !isStr {
		e.writePlain(text, !simpleKey)
		return
	}
	a := analyzeScalar(text)
	implicit := true
	for _, re := range yamlResolvers {
		if re.MatchString(text) {
			implicit = false
			break
		}
	}
	switch {
	case implicit && !(simpleKey && (a.empty || a.multiline)) && a.allowBlockPlain:
		e.writePlain(text, !simpleKey)
	case a.allowSingleQuoted && !(simpleKey && a.multiline):
		e.writeSingleQuoted(text, !simpleKey)
	default:
		e.writeDoubleQuoted(text, !simpleKey)
	}
}

// yamlFloat is SafeRepresenter.represent_float.
func yamlFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	s := strings.ToLower(pyfmt.Repr(f))
	if !strings.Contains(s, ".") && strings.Contains(s, "e") {
		s = strings.Replace(s, "e", ".0e", 1)
	}
	return s
}

type scalarAnalysis struct {
	empty, multiline                   bool
	allowBlockPlain, allowSingleQuoted bool
}

func isYAMLBreak(r rune) bool { return r == '\n' || r == '\x85' || r == '\u2028' || r == '\u2029' }

func isYAMLSpaceOrBreak(r rune) bool {
	return r == 0 || r == ' ' || r == '\t' || r == '\r' || isYAMLBreak(r)
}

// analyzeScalar is Emitter.analyze_scalar (block context, allow_unicode).
func analyzeScalar(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{empty: true, allowBlockPlain: true, allowSingleQuoted: true}
	}
	rs := []rune(s)
	blockIndicators, lineBreaks, special := false, false, false
	leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak := false, false, false, false, false, false
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockIndicators = true
	}
	precededByWS := true
	followedByWS := len(rs) == 1 || isYAMLSpaceOrBreak(rs[1])
	prevSpace, prevBreak := false, false
	for i, ch := range rs {
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				blockIndicators = true
			}
			if (ch == '?' || ch == ':') && followedByWS {
				blockIndicators = true
			}
			if ch == '-' && followedByWS {
				blockIndicators = true
			}
		} else {
			if ch == ':' && followedByWS {
				blockIndicators = true
			}
			if ch == '#' && precededByWS {
				blockIndicators = true
			}
		}
		if isYAMLBreak(ch) {
			lineBreaks = true
		}
		if !(ch == '\n' || (ch >= 0x20 && ch <= 0x7e)) {
			if !((ch == 0x85 || (ch >= 0xa0 && ch <= 0xd7ff) || (ch >= 0xe000 && ch <= 0xfffd) || (ch >= 0x10000 && ch < 0x10ffff)) && ch != 0xfeff) {
				special = true
			}
		}
		switch {
		case ch == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i == len(rs)-1 {
				trailingSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isYAMLBreak(ch):
			if i == 0 {
				leadingBreak = true
			}
			if i == len(rs)-1 {
				trailingBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		precededByWS = isYAMLSpaceOrBreak(ch)
		followedByWS = i+2 >= len(rs) || isYAMLSpaceOrBreak(rs[i+2])
	}
	a := scalarAnalysis{multiline: lineBreaks, allowBlockPlain: true, allowSingleQuoted: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.allowBlockPlain = false
	}
	if breakSpace {
		a.allowBlockPlain, a.allowSingleQuoted = false, false
	}
	if spaceBreak || special {
		a.allowBlockPlain, a.allowSingleQuoted = false, false
	}
	if lineBreaks || blockIndicators {
		a.allowBlockPlain = false
	}
	return a
}

// writePlain is Emitter.write_plain.
func (e *yamlEmitter) writePlain(text string, split bool) {
	if text == "" {
		return
	}
	if !e.whitespace {
		e.write(" ")
	}
	e.whitespace, e.indention = false, false
	rs := []rune(text)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > yamlBestWidth && split {
					e.writeIndent()
					e.whitespace, e.indention = false, false
				} else {
					e.write(string(rs[start:end]))
				}
				start = end
			}
		case breaks:
			if ch < 0 || !isYAMLBreak(ch) {
				if rs[start] == '\n' {
					e.writeLineBreak()
				}
				for _, br := range rs[start:end] {
					e.writeBreak(br)
				}
				e.writeIndent()
				e.whitespace, e.indention = false, false
				start = end
			}
		default:
			if ch < 0 || ch == ' ' || isYAMLBreak(ch) {
				e.write(string(rs[start:end]))
				start = end
			}
		}
		if ch >= 0 {
			spaces, breaks = ch == ' ', isYAMLBreak(ch)
		}
	}
}

// writeSingleQuoted is Emitter.write_single_quoted.
func (e *yamlEmitter) writeSingleQuoted(text string, split bool) {
	e.writeIndicator("'", true, false, false)
	rs := []rune(text)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > yamlBestWidth && split && start != 0 && end != len(rs) {
					e.writeIndent()
				} else {
					e.write(string(rs[start:end]))
				}
				start = end
			}
		case breaks:
			if ch < 0 || !isYAMLBreak(ch) {
				if rs[start] == '\n' {
					e.writeLineBreak()
				}
				for _, br := range rs[start:end] {
					e.writeBreak(br)
				}
				e.writeIndent()
				start = end
			}
		default:
			if ch < 0 || ch == ' ' || isYAMLBreak(ch) || ch == '\'' {
				if start < end {
					e.write(string(rs[start:end]))
					start = end
				}
			}
		}
		if ch == '\'' {
			e.write("''")
			start = end + 1
		}
		if ch >= 0 {
			spaces, breaks = ch == ' ', isYAMLBreak(ch)
		}
	}
	e.writeIndicator("'", false, false, false)
}

var yamlEscapes = map[rune]string{
	0: "0", 7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 27: "e",
	'"': "\"", '\\': "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P",
}

// writeDoubleQuoted is libyaml's yaml_emitter_write_double_quoted_scalar
// (Salt dumps with PyYAML's CSafeDumper where libyaml is installed, as on
// Debian): escapes for what is not printable, and long lines folded at a
// space.
func (e *yamlEmitter) writeDoubleQuoted(text string, split bool) {
	e.writeIndicator("\"", true, false, false)
	rs := []rune(text)
	spaces := false
	for i := 0; i < len(rs); i++ {
		ch := rs[i]
		printable := ch == 0x0a || (ch >= 0x20 && ch <= 0x7e) || ch == 0x85 || (ch >= 0xa0 && ch <= 0xd7ff) ||
			(ch >= 0xe000 && ch <= 0xfffd) || (ch >= 0x10000 && ch <= 0x10ffff)
		switch {
		case !printable || ch == 0xfeff || isYAMLBreak(ch) || ch == '"' || ch == '\\':
			var data string
			switch esc, ok := yamlEscapes[ch]; {
			case ok:
				data = "\\" + esc
			case ch <= 0xff:
				data = "\\x" + strings.ToUpper(strconv.FormatInt(int64(ch)|0x100, 16)[1:])
			case ch <= 0xffff:
				data = "\\u" + strings.ToUpper(strconv.FormatInt(int64(ch)|0x10000, 16)[1:])
			default:
				data = "\\U" + strings.ToUpper(strconv.FormatInt(int64(ch)|0x100000000, 16)[1:])
			}
			e.write(data)
			spaces = false
		case ch == ' ':
			if split && !spaces && e.column > yamlBestWidth && i != 0 && i != len(rs)-1 {
				e.writeIndent()
				if i+1 < len(rs) && rs[i+1] == ' ' {
					e.write("\\")
				}
			} else {
				e.write(" ")
			}
			spaces = true
		default:
			e.write(string(ch))
			spaces = false
		}
	}
	e.writeIndicator("\"", false, false, false)
}
