package report

import (
	"encoding/json"
	"strings"

	"brine/provision/controller/result"
	"brine/provision/lib/pyfmt"
	"brine/provision/lib/termtext"
)

// text builds an outputter's text a line at a time into one buffer: a
// host's return may be millions of lines (a command's output), and no
// line becomes a value of its own.
type text struct {
	b strings.Builder
	n int
}

// line adds one line made of parts.
func (t *text) line(parts ...string) {
	if t.n > 0 {
		t.b.WriteByte('\n')
	}
	t.n++
	for _, p := range parts {
		t.b.WriteString(p)
	}
}

func (t *text) String() string { return t.b.String() }

// eachLine calls f with each line of s as Python's str.splitlines would
// split it ("\r\n" and "\n" end lines; no trailing empty line; nothing for
// ""), without building a list of them.
func eachLine(s string, f func(i int, l string)) {
	if s == "" {
		return
	}
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		s = strings.TrimSuffix(t, "\r")
	}
	for i := 0; ; i++ {
		l, rest, more := strings.Cut(s, "\n")
		f(i, strings.TrimSuffix(l, "\r"))
		if !more {
			return
		}
		s = rest
	}
}

// nester is Salt's nested outputter: dict keys sorted and followed by ":",
// values indented four more, lists as "- item" or "|_" blocks, nested dicts
// opened by "----------". Text from the host is escaped (termtext).
type nester struct {
	c       palette
	retcode int
	out     *text
}

func (n nester) line(indent int, color, msg, prefix, suffix string) {
	n.out.line(strings.Repeat(" ", indent), color, prefix, termtext.Escape(msg), n.c.endc, suffix)
}

// display adds the lines for v (a generic value).
func (n nester) display(v any, indent int, prefix string) {
	keyColor, listColor := n.c.cyan, n.c.green
	if n.retcode != 0 {
		keyColor, listColor = n.c.red, n.c.red
	}
	switch t := v.(type) {
	case nil, bool, json.Number:
		n.line(indent, n.c.lightYellow, pyfmt.Str(t), prefix, "")
	case string:
		pad := ""
		eachLine(t, func(i int, l string) {
			p := prefix
			if i > 0 {
				if pad == "" {
					pad = strings.Repeat(" ", len(prefix))
				}
				p = pad
			}
			n.line(indent, n.c.green, l, p, "")
		})
	case []any:
		for _, e := range t {
			switch e.(type) {
			case []any, map[string]any:
				n.line(indent, listColor, "|_", "", "")
				p := "- "
				if _, ok := e.(map[string]any); ok {
					p = ""
				}
				n.display(e, indent+2, p)
			default:
				n.display(e, indent, "- ")
			}
		}
	case map[string]any:
		if indent > 0 {
			n.line(indent, keyColor, "----------", "", "")
		}
		for _, k := range sortedKeys(t) {
			n.line(indent, keyColor, k, prefix, ":")
			n.display(t[k], indent+4, "")
		}
	default:
		n.display(generic(v), indent, prefix)
	}
}

// Nested renders v with Salt's nested outputter, without colours (how
// salt-call prints a CommandExecutionError's info).
func Nested(v any) string { return strings.TrimRight(nested(v, 0, colors(false), 0), " \n") }

// nested renders v at the given base indent.
func nested(v any, indent int, c palette, retcode int) string {
	var t text
	nester{c: c, retcode: retcode, out: &t}.display(generic(v), indent, "")
	return t.String()
}

// formatNested prints one host with the nested outputter: "host:" and the
// data indented by four.
func formatNested(r HostReturn, o Options) string {
	if r.Failure == result.NotRun {
		// A host never started has nothing but its reason: one line, not
		// the error block (a stopped rollout may leave hundreds).
		c := colors(o.Color)
		return c.lightRed + termtext.Escape(r.ID) + ":" + c.endc + "\n    " + c.lightRed + Heading(r) + ": " + termtext.Escape(strings.TrimPrefix(r.Error, "not run: ")) + c.endc
	}
	rc := r.Retcode
	if r.Unreachable && rc == 0 {
		rc = 255
	}
	return nested(map[string]any{r.ID: generic(Data(r))}, 0, colors(o.Color), rc)
}
