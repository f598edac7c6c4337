package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"gopkg.in/yaml.v3"

	"brine/provision/controller/result"
	"brine/provision/lib/pyfmt"
	"brine/provision/lib/termtext"
)

// generic turns any value into plain decoded-JSON shapes; see result.Plain.
func generic(v any) any { return result.Plain(v) }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// formatTxt is Salt's txt outputter: "host: line" for each line of a string
// return, "host: repr(value)" otherwise. Host text is escaped (termtext).
func formatTxt(r HostReturn) string {
	v := generic(Data(r))
	id := termtext.Escape(r.ID)
	s, ok := v.(string)
	if !ok {
		return id + ": " + termtext.Escape(pyfmt.Repr(v))
	}
	if s == "" {
		return id + ": "
	}
	var t text
	eachLine(s, func(_ int, l string) { t.line(id, ": ", termtext.Escape(l)) })
	return t.String()
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
