package report

import (
	"brine/provision/result"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// generic turns any value into plain decoded-JSON shapes; see result.Plain.
func generic(v any) any { return result.Plain(v) }

// pyFloat formats a float the way Python's str() does for usual values
// (7.0 stays "7.0").
func pyFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// pyRepr renders a generic value like Python's repr(), for the txt
// outputter: {'a': 1, 'b': [True, None]}.
func pyRepr(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case bool:
		if t {
			return "True"
		}
		return "False"
	case json.Number:
		return t.String()
	case string:
		return pyQuote(t)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := sortedKeys(t)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyQuote(k) + ": " + pyRepr(t[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyQuote quotes s like Python's repr of a str.
func pyQuote(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	var b strings.Builder
	b.WriteString(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case string(r) == q:
			b.WriteString(`\` + q)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(q)
	return b.String()
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// formatTxt is Salt's txt outputter: "host: line" for each line of a string
// return, "host: repr(value)" otherwise.
func formatTxt(r HostReturn) string {
	v := generic(Data(r))
	s, ok := v.(string)
	if !ok {
		return r.ID + ": " + pyRepr(v)
	}
	lines := splitLines(s)
	if len(lines) == 0 {
		return r.ID + ": "
	}
	for i, l := range lines {
		lines[i] = r.ID + ": " + l
	}
	return strings.Join(lines, "\n")
}

// splitLines splits like Python's str.splitlines: no trailing empty line,
// nothing at all for "".
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}

// docPrinter prints data documents (json, yaml): one {host: data} document
// per host, or with static one document holding every host.
type docPrinter struct {
	w      io.Writer
	static bool
	enc    func(io.Writer, any) error
	// meta, when set, adds the MetaKey entry to the static document.
	meta *Meta
}

func (p *docPrinter) Host(r HostReturn) error {
	if p.static {
		return nil
	}
	if err := p.enc(p.w, map[string]any{r.ID: generic(Data(r))}); err != nil {
		return fmt.Errorf("print %s: %w", r.ID, err)
	}
	return nil
}

func (p *docPrinter) Finish(all []HostReturn) error {
	if !p.static {
		return nil
	}
	doc := make(map[string]any, len(all))
	for _, r := range all {
		doc[r.ID] = generic(Data(r))
	}
	var v any = doc
	if _, taken := doc[MetaKey]; p.meta != nil && !taken {
		v = withMeta{hosts: doc, meta: metaEntry(all, p.meta)}
	}
	if err := p.enc(p.w, v); err != nil {
		return fmt.Errorf("print results: %w", err)
	}
	return nil
}

// encodeJSON writes v indented by four spaces, as Salt's json outputter.
func encodeJSON(w io.Writer, v any) error {
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false)
	e.SetIndent("", "    ")
	return e.Encode(v)
}

// encodeYAML writes v as a block-style YAML document.
func encodeYAML(w io.Writer, v any) error {
	e := yaml.NewEncoder(w)
	e.SetIndent(2)
	if err := e.Encode(yamlable(v)); err != nil {
		return err
	}
	return e.Close()
}

// yamlable converts json.Number into int64 or float64 so YAML prints
// numbers, not strings.
func yamlable(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = yamlable(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = yamlable(e)
		}
		return out
	}
	return v
}
