package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

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
func encodeJSON(w io.Writer, v any) error { return jsonEncoder(nil)(w, v) }

// jsonEncoder is Salt's json outputter with --out-indent: indent spaces
// (default 4; 0: a new line for each item, not indented), or with a
// negative indent one line with Python's ", " and ": " separators.
func jsonEncoder(indent *int) func(io.Writer, any) error {
	n := 4
	if indent != nil {
		n = *indent
	}
	return func(w io.Writer, v any) error {
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		if err := e.Encode(v); err != nil {
			return err
		}
		var out []byte
		if n < 0 {
			out = append(pySeparators(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), '\n')
		} else {
			var ib bytes.Buffer
			if err := json.Indent(&ib, bytes.TrimSuffix(b.Bytes(), []byte("\n")), "", strings.Repeat(" ", n)); err != nil {
				return err
			}
			out = append(ib.Bytes(), '\n')
		}
		_, err := w.Write(out)
		return err
	}
}

// pySeparators turns compact JSON into Python's json.dumps form without
// indent: a space after each comma and colon outside strings.
func pySeparators(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	inStr, esc := false, false
	for _, c := range b {
		out = append(out, c)
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ',' || c == ':'):
			out = append(out, ' ')
		}
	}
	return out
}
