package ini

import (
	"regexp"
	"strings"
)

// The parser and writer below follow Salt's salt/modules/ini_manage.py
// (_Section and _Ini) so brine reads and rewrites a file exactly as Salt
// does: comments and unknown lines keep their place, a new option replaces
// a commented-out one of the same name, options are written "key = value".

var (
	iniRe      = regexp.MustCompile(`(?m)^\s*\[(.+?)\]\s*$`)
	commentRe  = regexp.MustCompile(`^\s*(#|;)\s*(.*)`)
	indentedRe = regexp.MustCompile(`^(\s+)(.*)`)
)

// entry is one item of a section: an option value, a comment or unknown
// line (kept verbatim, keyed "#commentN"/"#unknownN"), or a sub-section.
type entry struct {
	key string
	val string
	sec *section
	// null marks an option placeholder without a value yet
	null bool
}

// section is an ordered dictionary of entries (Salt's _Section).
type section struct {
	name    string
	sep     string
	entries []*entry
}

func newSection(name, sep string) *section { return &section{name: name, sep: sep} }

func (s *section) find(k string) (int, *entry) {
	for i, e := range s.entries {
		if e.key == k {
			return i, e
		}
	}
	return -1, nil
}

func (s *section) set(e *entry) {
	if i, _ := s.find(e.key); i >= 0 {
		s.entries[i] = e
		return
	}
	s.entries = append(s.entries, e)
}

func (s *section) pop(k string) *entry {
	i, e := s.find(k)
	if i < 0 {
		return nil
	}
	s.entries = append(s.entries[:i:i], s.entries[i+1:]...)
	return e
}

func (s *section) optRe() *regexp.Regexp {
	return regexp.MustCompile(`^(\s*)(.+?)\s*(` + regexp.QuoteMeta(s.sep) + `)\s*(.*)\s*`)
}

// parse reads a section body (Salt's _Section.refresh).
func (s *section) parse(body string) {
	body = strings.Trim(body, "\n")
	if body == "" {
		return
	}
	s.entries = nil
	opt := s.optRe()
	comments, unknown := 1, 1
	curIndent := ""
	for _, line := range strings.Split(body, "\n") {
		if commentRe.MatchString(line) {
			s.set(&entry{key: "#comment" + itoa(comments), val: line})
			comments++
			continue
		}
		if m := indentedRe.FindStringSubmatch(line); m != nil {
			ind := strings.ReplaceAll(m[1], "\t", "    ")
			if ind > curIndent && len(s.entries) > 0 {
				last := s.entries[len(s.entries)-1]
				last.val = last.val + "\n" + line
				continue
			}
		}
		if m := opt.FindStringSubmatch(line); m != nil {
			curIndent = strings.ReplaceAll(m[1], "\t", "    ")
			s.sep = m[3]
			s.set(&entry{key: m[2], val: strings.TrimRightFunc(m[4], isSpace)})
			continue
		}
		s.set(&entry{key: "#unknown" + itoa(unknown), val: line})
		unknown++
	}
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\f' || r == '\v'
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

// parseFile reads a whole file (Salt's _Ini.refresh): options before the
// first [section] belong to the top level.
func parseFile(content, sep string) *section {
	top := newSection("", sep)
	content = strings.Join(splitLines(content), "\n")
	if content == "" {
		return top
	}
	idx := iniRe.FindAllStringSubmatchIndex(content, -1)
	first := content
	if len(idx) > 0 {
		first = content[:idx[0][0]]
	}
	top.parse(first)
	for i, m := range idx {
		name := content[m[2]:m[3]]
		end := len(content)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		sec := newSection(name, top.sep)
		sec.parse(content[m[1]:end])
		top.set(&entry{key: name, sec: sec})
	}
	return top
}

// splitLines is Python's str.splitlines for the common line ends.
func splitLines(s string) []string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// uncommentPlace makes room for a new option k (Salt's
// _uncomment_if_commented): a commented-out "k = ..." line is replaced by
// the option, otherwise the option goes last.
func (s *section) uncommentPlace(k string) {
	opt := s.optRe()
	at := -1
	for i, e := range s.entries {
		if !strings.Contains(e.key, "#comment") {
			continue
		}
		if m := opt.FindStringSubmatch(strings.TrimLeft(e.val, "#")); m != nil && m[2] == k {
			at = i
			break
		}
	}
	ph := &entry{key: k, null: true}
	if at < 0 {
		s.set(ph)
		return
	}
	rest := append([]*entry(nil), s.entries[at+1:]...)
	s.entries = append(s.entries[:at:at], ph)
	s.entries = append(s.entries, rest...)
}

// update merges values (option -> string, or section -> options) and
// returns Salt's changes: {key: {before, after}} or nested per section.
func (s *section) update(values []kv) map[string]any {
	ch := map[string]any{}
	for _, p := range values {
		if sub, ok := p.val.([]kv); ok {
			_, cur := s.find(p.key)
			if cur == nil {
				ns := newSection(p.key, s.sep)
				ns.update(sub)
				ch[p.key] = map[string]any{"before": nil, "after": ns.plain()}
				s.set(&entry{key: p.key, sec: ns})
				continue
			}
			if cur.sec != nil {
				if sc := cur.sec.update(sub); len(sc) > 0 {
					ch[p.key] = sc
				}
				continue
			}
			ns := newSection(p.key, s.sep)
			ns.update(sub)
			ch[p.key] = map[string]any{"before": cur.val, "after": ns.plain()}
			s.set(&entry{key: p.key, sec: ns})
			continue
		}
		v := p.val.(string)
		_, cur := s.find(p.key)
		switch {
		case cur == nil:
			ch[p.key] = map[string]any{"before": nil, "after": v}
			s.uncommentPlace(p.key)
			s.set(&entry{key: p.key, val: v})
		case cur.sec != nil || cur.null || cur.val != v:
			var before any = cur.val
			if cur.sec != nil {
				before = cur.sec.plain()
			} else if cur.null {
				before = nil
			}
			ch[p.key] = map[string]any{"before": before, "after": v}
			s.set(&entry{key: p.key, val: v})
		}
	}
	return ch
}

// plain is the section as a dictionary (Salt's as_dict), comments included.
func (s *section) plain() map[string]any { return s.dict(true) }

// values is Salt's get_ini: options and sections without the comments.
func (s *section) values() map[string]any { return s.dict(false) }

func (s *section) dict(comments bool) map[string]any {
	out := map[string]any{}
	for _, e := range s.entries {
		if !comments && strings.HasPrefix(e.key, "#") {
			continue
		}
		if e.sec != nil {
			out[e.key] = e.sec.dict(comments)
		} else if e.null {
			out[e.key] = nil
		} else {
			out[e.key] = e.val
		}
	}
	return out
}

// render writes the section's lines (Salt's gen_ini): comments and options
// in order, then the sub-sections, each after a blank line and its header.
func (s *section) render(b *strings.Builder, header bool) {
	if header {
		b.WriteString("\n[" + s.name + "]\n")
	}
	sep := " " + s.sep + " "
	if s.sep == " " {
		sep = " "
	}
	var subs []*section
	for _, e := range s.entries {
		switch {
		case commentRe.MatchString(e.key):
			b.WriteString(e.val + "\n")
		case e.sec != nil:
			subs = append(subs, e.sec)
		case e.null:
			b.WriteString(e.key + sep + "None\n")
		default:
			b.WriteString(e.key + sep + e.val + "\n")
		}
	}
	for _, sub := range subs {
		sub.render(b, true)
	}
}

// text is the whole file as Salt's _Ini.flush writes it.
func (s *section) text() string {
	var b strings.Builder
	s.render(&b, false)
	return strings.TrimLeft(b.String(), "\n")
}

// kv is one ordered key of the sections argument: val is a string or []kv.
type kv struct {
	key string
	val any
}
