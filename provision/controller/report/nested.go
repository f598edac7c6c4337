package report

import (
	"encoding/json"
	"strings"

	"brine/provision/controller/result"
	"brine/provision/lib/pyfmt"
)

// nester is Salt's nested outputter: dict keys sorted and followed by ":",
// values indented four more, lists as "- item" or "|_" blocks, nested dicts
// opened by "----------".
type nester struct {
	c       palette
	retcode int
}

func (n nester) line(indent int, color, msg, prefix, suffix string) string {
	return strings.Repeat(" ", indent) + color + prefix + msg + n.c.endc + suffix
}

// display appends the lines for v (a generic value) to out.
func (n nester) display(v any, indent int, prefix string, out []string) []string {
	keyColor, listColor := n.c.cyan, n.c.green
	if n.retcode != 0 {
		keyColor, listColor = n.c.red, n.c.red
	}
	switch t := v.(type) {
	case nil, bool, json.Number:
		out = append(out, n.line(indent, n.c.lightYellow, pyfmt.Str(t), prefix, ""))
	case string:
		for i, l := range splitLines(t) {
			p := prefix
			if i > 0 {
				p = strings.Repeat(" ", len(prefix))
			}
			out = append(out, n.line(indent, n.c.green, l, p, ""))
		}
	case []any:
		for _, e := range t {
			switch e.(type) {
			case []any, map[string]any:
				out = append(out, n.line(indent, listColor, "|_", "", ""))
				p := "- "
				if _, ok := e.(map[string]any); ok {
					p = ""
				}
				out = n.display(e, indent+2, p, out)
			default:
				out = n.display(e, indent, "- ", out)
			}
		}
	case map[string]any:
		if indent > 0 {
			out = append(out, n.line(indent, keyColor, "----------", "", ""))
		}
		for _, k := range sortedKeys(t) {
			out = append(out, n.line(indent, keyColor, k, prefix, ":"))
			out = n.display(t[k], indent+4, "", out)
		}
	default:
		return n.display(generic(v), indent, prefix, out)
	}
	return out
}

// Nested renders v with Salt's nested outputter, without colours (how
// salt-call prints a CommandExecutionError's info).
func Nested(v any) string { return strings.TrimRight(nested(v, 0, colors(false), 0), " \n") }

// nested renders v at the given base indent.
func nested(v any, indent int, c palette, retcode int) string {
	return strings.Join(nester{c: c, retcode: retcode}.display(generic(v), indent, "", nil), "\n")
}

// formatNested prints one host with the nested outputter: "host:" and the
// data indented by four.
func formatNested(r HostReturn, o Options) string {
	if r.Failure == result.NotRun {
		// A host never started has nothing but its reason: one line, not
		// the error block (a stopped rollout may leave hundreds).
		c := colors(o.Color)
		return c.lightRed + r.ID + ":" + c.endc + "\n    " + c.lightRed + Heading(r) + ": " + strings.TrimPrefix(r.Error, "not run: ") + c.endc
	}
	rc := r.Retcode
	if r.Unreachable && rc == 0 {
		rc = 255
	}
	return nested(map[string]any{r.ID: generic(Data(r))}, 0, colors(o.Color), rc)
}
