package jinja

import (
	"strings"
	"unicode"
)

// arg returns positional argument i or keyword name, or def.
func arg(args []any, kw map[string]any, i int, name string, def any) any {
	if i >= 0 && i < len(args) {
		return args[i]
	}
	if v, ok := kw[name]; ok {
		return v
	}
	return def
}

func (r *renderer) wantArgs(method string, args []any, min, max int) {
	if len(args) < min || (max >= 0 && len(args) > max) {
		if min == max {
			r.fail("%s() takes exactly %d argument(s) (%d given)", method, min, len(args))
		}
		r.fail("%s() takes %d to %d arguments (%d given)", method, min, max, len(args))
	}
}

func (r *renderer) wantInt(v any, what string) int {
	switch x := v.(type) {
	case int:
		return x
	case bool:
		if x {
			return 1
		}
		return 0
	}
	r.undefinedCheck(v)
	r.fail("%s must be an integer, not '%s'", what, typeName(v))
	return 0
}

func (r *renderer) wantStr(v any, what string) string {
	s, ok := v.(string)
	if !ok {
		r.undefinedCheck(v)
		r.fail("%s must be str, not %s", what, typeName(v))
	}
	return s
}

func (r *renderer) callMethod(recv any, name string, args []any, kw map[string]any) any {
	switch v := recv.(type) {
	case *pyDict:
		return r.dictMethod(v, name, args, kw)
	case *pyList:
		return r.listMethod(v, name, args, kw)
	case pyTuple:
		return r.seqMethod(v, name, args)
	case string:
		return r.strMethod(v, name, args, kw)
	case *loopObj:
		switch name {
		case "cycle":
			if len(args) == 0 {
				r.fail("no items for cycling given")
			}
			return args[v.index0%len(args)]
		case "changed":
			cur := pyTuple(args)
			if v.seen && valuesEqual(v.lastSeen, cur) {
				return false
			}
			v.lastSeen, v.seen = cur, true
			return true
		}
	}
	r.fail("unknown method %s.%s", typeName(recv), name)
	return nil
}

func (r *renderer) dictMethod(d *pyDict, name string, args []any, kw map[string]any) any {
	switch name {
	case "get":
		r.wantArgs("get", args, 1, 2)
		if v, ok := d.Get(args[0]); ok {
			return v
		}
		return arg(args, kw, 1, "default", nil)
	case "items", "iteritems":
		out := make([]any, len(d.keys))
		for i, k := range d.keys {
			out[i] = pyTuple{d.key(k), d.m[k]}
		}
		return &pyList{items: out}
	case "keys", "iterkeys":
		return &pyList{items: dictKeys(d)}
	case "values", "itervalues":
		out := make([]any, len(d.keys))
		for i, k := range d.keys {
			out[i] = d.m[k]
		}
		return &pyList{items: out}
	case "update":
		r.wantArgs("update", args, 0, 1)
		if len(args) == 1 {
			r.updateDict(d, args[0])
		}
		keys := make([]string, 0, len(kw))
		for k := range kw {
			keys = append(keys, k)
		}
		sortStrings(keys)
		for _, k := range keys {
			d.Set(k, kw[k])
		}
		return nil
	case "setdefault":
		r.wantArgs("setdefault", args, 1, 2)
		if v, ok := d.Get(args[0]); ok {
			return v
		}
		def := arg(args, kw, 1, "default", nil)
		if !d.Set(args[0], def) {
			r.fail("unhashable type: '%s'", typeName(args[0]))
		}
		return def
	case "pop":
		r.wantArgs("pop", args, 1, 2)
		if v, ok := d.Delete(args[0]); ok {
			return v
		}
		if len(args) == 2 {
			return args[1]
		}
		r.fail("KeyError: %s", pyRepr(args[0]))
	case "popitem":
		if len(d.keys) == 0 {
			r.fail("KeyError: 'popitem(): dictionary is empty'")
		}
		k := d.keys[len(d.keys)-1]
		ok := d.key(k)
		v, _ := d.Delete(ok)
		return pyTuple{ok, v}
	case "copy":
		return d.copy()
	case "clear":
		d.keys, d.m, d.orig = nil, map[any]any{}, nil
		return nil
	case "has_key":
		r.wantArgs("has_key", args, 1, 1)
		_, ok := d.Get(args[0])
		return ok
	}
	r.fail("'dict' object has no attribute '%s'", name)
	return nil
}

func (r *renderer) listMethod(l *pyList, name string, args []any, kw map[string]any) any {
	switch name {
	case "append":
		r.wantArgs("append", args, 1, 1)
		r.checkItems(len(l.items)+1, 1)
		l.items = append(l.items, args[0])
		return nil
	case "extend":
		r.wantArgs("extend", args, 1, 1)
		items := r.iterate(args[0])
		r.checkItems(len(l.items)+len(items), len(items))
		l.items = append(l.items, items...)
		return nil
	case "pop":
		r.wantArgs("pop", args, 0, 1)
		if len(l.items) == 0 {
			r.fail("pop from empty list")
		}
		i := len(l.items) - 1
		if len(args) == 1 {
			var ok bool
			i, ok = indexOf(r.wantInt(args[0], "list index"), len(l.items))
			if !ok {
				r.fail("pop index out of range")
			}
		}
		v := l.items[i]
		l.items = append(l.items[:i:i], l.items[i+1:]...)
		return v
	case "insert":
		r.wantArgs("insert", args, 2, 2)
		i := r.wantInt(args[0], "list index")
		n := len(l.items)
		if i < 0 {
			i += n
			if i < 0 {
				i = 0
			}
		}
		if i > n {
			i = n
		}
		r.checkItems(n+1, 1)
		l.items = append(l.items[:i:i], append([]any{args[1]}, l.items[i:]...)...)
		return nil
	case "remove":
		r.wantArgs("remove", args, 1, 1)
		for i, it := range l.items {
			if valuesEqual(it, args[0]) {
				l.items = append(l.items[:i:i], l.items[i+1:]...)
				return nil
			}
		}
		r.fail("list.remove(x): x not in list")
	case "reverse":
		for i, j := 0, len(l.items)-1; i < j; i, j = i+1, j-1 {
			l.items[i], l.items[j] = l.items[j], l.items[i]
		}
		return nil
	case "sort":
		l.items = r.sortItems(l.items, truthy(arg(nil, kw, -1, "reverse", false)), "", false)
		return nil
	case "copy":
		return &pyList{items: append([]any(nil), l.items...)}
	case "clear":
		l.items = nil
		return nil
	}
	return r.seqMethod(l.items, name, args)
}

func (r *renderer) seqMethod(items []any, name string, args []any) any {
	switch name {
	case "index":
		r.wantArgs("index", args, 1, 1)
		for i, it := range items {
			if valuesEqual(it, args[0]) {
				return i
			}
		}
		r.fail("%s is not in list", pyRepr(args[0]))
	case "count":
		r.wantArgs("count", args, 1, 1)
		n := 0
		for _, it := range items {
			if valuesEqual(it, args[0]) {
				n++
			}
		}
		return n
	}
	r.fail("'list' object has no attribute '%s'", name)
	return nil
}

// pySplit implements str.split / str.rsplit.
func pySplit(s string, sep any, maxsplit int, right bool) []any {
	var parts []string
	if sep == nil {
		fields := strings.Fields(s)
		if maxsplit < 0 || maxsplit >= len(fields)-1 {
			parts = fields
		} else if !right {
			// split off maxsplit leading fields, keep the rest (left-trimmed) intact
			rest := strings.TrimLeftFunc(s, unicode.IsSpace)
			for i := 0; i < maxsplit; i++ {
				j := strings.IndexFunc(rest, unicode.IsSpace)
				parts = append(parts, rest[:j])
				rest = strings.TrimLeftFunc(rest[j:], unicode.IsSpace)
			}
			parts = append(parts, rest)
		} else {
			rest := strings.TrimRightFunc(s, unicode.IsSpace)
			var tail []string
			for i := 0; i < maxsplit; i++ {
				j := strings.LastIndexFunc(rest, unicode.IsSpace)
				tail = append([]string{rest[j+1:]}, tail...)
				rest = strings.TrimRightFunc(rest[:j], unicode.IsSpace)
			}
			parts = append([]string{rest}, tail...)
		}
	} else {
		sp := sep.(string)
		if maxsplit < 0 {
			parts = strings.Split(s, sp)
		} else if !right {
			parts = strings.SplitN(s, sp, maxsplit+1)
		} else {
			rest := s
			var tail []string
			for i := 0; i < maxsplit; i++ {
				j := strings.LastIndex(rest, sp)
				if j < 0 {
					break
				}
				tail = append([]string{rest[j+len(sp):]}, tail...)
				rest = rest[:j]
			}
			parts = append([]string{rest}, tail...)
		}
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

func pyTitle(s string) string {
	var sb strings.Builder
	prevLetter := false
	for _, c := range s {
		if unicode.IsLetter(c) {
			if prevLetter {
				sb.WriteRune(unicode.ToLower(c))
			} else {
				sb.WriteRune(unicode.ToUpper(c))
			}
			prevLetter = true
		} else {
			sb.WriteRune(c)
			prevLetter = false
		}
	}
	return sb.String()
}

func pyCapitalize(s string) string {
	rs := []rune(strings.ToLower(s))
	if len(rs) > 0 {
		rs[0] = unicode.ToUpper(rs[0])
	}
	return string(rs)
}

func allRunes(s string, f func(rune) bool) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !f(c) {
			return false
		}
	}
	return true
}

func stripChars(args []any) (string, bool) {
	if len(args) > 0 && args[0] != nil {
		if s, ok := args[0].(string); ok {
			return s, true
		}
	}
	return "", false
}

// strMethod calls Python's str method name on s.
func (r *renderer) strMethod(s string, name string, args []any, kw map[string]any) any {
	if m, ok := r.env.strMethods[name]; ok {
		return m(r, s, args, kw)
	}
	r.fail("'str' object has no attribute '%s'", name)
	return nil
}

// strMethodFunc is one of Python's str methods, called on s with a
// template's positional and keyword arguments.
type strMethodFunc func(r *renderer, s string, args []any, kw map[string]any) any

// builtinStrMethods are the str methods templates may call
// ("{{ grains['os'].lower() }}"), with Python 3's semantics.
func builtinStrMethods() map[string]strMethodFunc {
	return map[string]strMethodFunc{
		"split":      sSplit(false),
		"rsplit":     sSplit(true),
		"strip":      sStrip(strings.Trim, strings.TrimSpace),
		"lstrip":     sStrip(strings.TrimLeft, func(s string) string { return strings.TrimLeftFunc(s, unicode.IsSpace) }),
		"rstrip":     sStrip(strings.TrimRight, func(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) }),
		"format":     sFormat,
		"startswith": sAffix("startswith", strings.HasPrefix),
		"endswith":   sAffix("endswith", strings.HasSuffix),
		"replace":    sReplace,
		"lower":      sPure(strings.ToLower),
		"casefold":   sPure(strings.ToLower),
		"upper":      sPure(strings.ToUpper),
		"swapcase":   sPure(swapcase),
		"join":       sJoin,
		"splitlines": sSplitlines,
		"title":      sPure(pyTitle),
		"capitalize": sPure(pyCapitalize),
		"find":       sFind("find"),
		"rfind":      sFind("rfind"),
		"index":      sFind("index"),
		"count":      sCount,
		"isdigit":    sIs(func(s string) bool { return allRunes(s, unicode.IsDigit) }),
		"isnumeric":  sIs(func(s string) bool { return allRunes(s, unicode.IsDigit) }),
		"isdecimal":  sIs(func(s string) bool { return allRunes(s, unicode.IsDigit) }),
		"isalpha":    sIs(func(s string) bool { return allRunes(s, unicode.IsLetter) }),
		"isalnum": sIs(func(s string) bool {
			return allRunes(s, func(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) })
		}),
		"isspace":      sIs(func(s string) bool { return allRunes(s, unicode.IsSpace) }),
		"islower":      sIs(func(s string) bool { return strings.ToLower(s) == s && strings.ToUpper(s) != s }),
		"isupper":      sIs(func(s string) bool { return strings.ToUpper(s) == s && strings.ToLower(s) != s }),
		"istitle":      sIs(func(s string) bool { return s != "" && pyTitle(s) == s }),
		"isidentifier": sIs(isIdentifier),
		"partition":    sPartition("partition"),
		"rpartition":   sPartition("rpartition"),
		"zfill":        sZfill,
		"ljust":        sJustify("ljust", '<'),
		"rjust":        sJustify("rjust", '>'),
		"center":       sJustify("center", '^'),
		// Text is str already: bytes round trips are the identity.
		"encode":       sPure(func(s string) string { return s }),
		"decode":       sPure(func(s string) string { return s }),
		"removeprefix": sRemove("removeprefix", "prefix", strings.TrimPrefix),
		"removesuffix": sRemove("removesuffix", "suffix", strings.TrimSuffix),
		"expandtabs":   sPure(func(s string) string { return strings.ReplaceAll(s, "\t", "        ") }),
	}
}

// sPure is a method that takes no arguments and maps s to a string.
func sPure(f func(string) string) strMethodFunc {
	return func(r *renderer, s string, args []any, kw map[string]any) any { return f(s) }
}

// sIs is a predicate method (isdigit, islower...).
func sIs(f func(string) bool) strMethodFunc {
	return func(r *renderer, s string, args []any, kw map[string]any) any { return f(s) }
}

// sSplit is str.split (str.rsplit with right): sep=None splits on runs of
// whitespace; maxsplit counts from the left (the right).
func sSplit(right bool) strMethodFunc {
	return func(r *renderer, s string, args []any, kw map[string]any) any {
		sep := arg(args, kw, 0, "sep", nil)
		if sep != nil {
			sp := r.wantStr(sep, "separator")
			if sp == "" {
				r.fail("empty separator")
			}
		}
		maxs := r.wantInt(arg(args, kw, 1, "maxsplit", -1), "maxsplit")
		return &pyList{items: pySplit(s, sep, maxs, right)}
	}
}

// sStrip is str.strip and its sides: chars (a string) are trimmed when
// given, else whitespace.
func sStrip(trim func(s, chars string) string, space func(string) string) strMethodFunc {
	return func(r *renderer, s string, args []any, kw map[string]any) any {
		if chars, ok := stripChars(args); ok {
			return trim(s, chars)
		}
		return space(s)
	}
}

func sFormat(r *renderer, s string, args []any, kw map[string]any) any {
	out, err := r.strFormat(s, args, kw)
	if err != nil {
		r.fail("%v", err)
	}
	return r.checkLen(out)
}

// sAffix is str.startswith/endswith: the argument may be a tuple of
// candidates, any of which matches.
func sAffix(name string, has func(s, p string) bool) strMethodFunc {
	return func(r *renderer, s string, args []any, kw map[string]any) any {
		r.wantArgs(name, args, 1, 1)
		cands := []any{args[0]}
		if t, ok := args[0].(pyTuple); ok {
			cands = t
		}
		for _, c := range cands {
			if has(s, r.wantStr(c, name+" argument")) {
				return true
			}
		}
		return false
	}
}

// sReplace is str.replace(old, new[, count]); an empty old inserts new
// between every character, so the result's size is checked first.
func sReplace(r *renderer, s string, args []any, kw map[string]any) any {
	r.wantArgs("replace", args, 2, 3)
	n := -1
	if len(args) == 3 {
		n = r.wantInt(args[2], "count")
	}
	old, nw := r.wantStr(args[0], "replace() argument 1"), r.wantStr(args[1], "replace() argument 2")
	if old == "" && len(s) > 0 && len(nw) > maxStringLen/(len(s)+1) {
		r.fail("string too long")
	}
	return r.checkLen(strings.Replace(s, old, nw, n))
}

func swapcase(s string) string {
	var sb strings.Builder
	for _, c := range s {
		if unicode.IsUpper(c) {
			sb.WriteRune(unicode.ToLower(c))
		} else {
			sb.WriteRune(unicode.ToUpper(c))
		}
	}
	return sb.String()
}

// sJoin is str.join: every item must be a str.
func sJoin(r *renderer, s string, args []any, kw map[string]any) any {
	r.wantArgs("join", args, 1, 1)
	items := r.iterate(args[0])
	parts := make([]string, len(items))
	for i, it := range items {
		str, ok := it.(string)
		if !ok {
			r.fail("sequence item %d: expected str instance, %s found", i, typeName(it))
		}
		parts[i] = str
	}
	return r.checkLen(strings.Join(parts, s))
}

// sSplitlines is str.splitlines: Python's line boundaries (not only \n),
// \r\n as one; keepends keeps them.
func sSplitlines(r *renderer, s string, args []any, kw map[string]any) any {
	keep := truthy(arg(args, kw, 0, "keepends", false))
	var out []any
	start := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if !strings.ContainsRune("\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029", c) {
			continue
		}
		end := i + 1
		if c == '\r' && i+1 < len(rs) && rs[i+1] == '\n' {
			end = i + 2
		}
		if keep {
			out = append(out, string(rs[start:end]))
		} else {
			out = append(out, string(rs[start:i]))
		}
		start = end
		i = end - 1
	}
	if start < len(rs) {
		out = append(out, string(rs[start:]))
	}
	return &pyList{items: out}
}

// sFind is str.find, rfind and index: the position in characters (not
// bytes); -1 when absent, an error for index.
func sFind(name string) strMethodFunc {
	return func(r *renderer, s string, args []any, kw map[string]any) any {
		r.wantArgs(name, args, 1, 1)
		sub := r.wantStr(args[0], "substring")
		i := strings.Index(s, sub)
		if name == "rfind" {
			i = strings.LastIndex(s, sub)
		}
		if i >= 0 {
			i = len([]rune(s[:i]))
		} else if name == "index" {
			r.fail("substring not found")
		}
		return i
	}
}

// sCount is str.count: an empty substring is found between every
// character and at both ends.
func sCount(r *renderer, s string, args []any, kw map[string]any) any {
	r.wantArgs("count", args, 1, 1)
	sub := r.wantStr(args[0], "substring")
	if sub == "" {
		return len([]rune(s)) + 1
	}
	return strings.Count(s, sub)
}

func isIdentifier(s string) bool {
	return allRunes(s, func(c rune) bool { return c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c) }) && !unicode.IsDigit([]rune(s)[0])
}

// sPartition is str.partition (rpartition: at the last sep): a 3-tuple,
// with empty strings where sep is absent.
func sPartition(name string) strMethodFunc {
	return func(r *renderer, s string, args []any, kw map[string]any) any {
		r.wantArgs(name, args, 1, 1)
		sep := r.wantStr(args[0], "separator")
		if sep == "" {
			r.fail("empty separator")
		}
		if name == "partition" {
			i := strings.Index(s, sep)
			if i < 0 {
				return pyTuple{s, "", ""}
			}
			return pyTuple{s[:i], sep, s[i+len(sep):]}
		}
		i := strings.LastIndex(s, sep)
		if i < 0 {
			return pyTuple{"", "", s}
		}
		return pyTuple{s[:i], sep, s[i+len(sep):]}
	}
}

// sZfill is str.zfill: zeros after a leading sign.
func sZfill(r *renderer, s string, args []any, kw map[string]any) any {
	r.wantArgs("zfill", args, 1, 1)
	w := r.wantInt(args[0], "width")
	n := len([]rune(s))
	if w <= n {
		return s
	}
	if w > maxStringLen {
		r.fail("string too long")
	}
	sign := ""
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		sign, s = s[:1], s[1:]
	}
	return r.checkLen(sign + strings.Repeat("0", w-n) + s)
}

// sJustify is str.ljust, rjust and center (align '<', '>', '^') with an
// optional one-character fill.
func sJustify(name string, align byte) strMethodFunc {
	return func(r *renderer, s string, args []any, kw map[string]any) any {
		r.wantArgs(name, args, 1, 2)
		w := r.wantInt(args[0], "width")
		fill := " "
		if len(args) == 2 {
			fill = r.wantStr(args[1], "fill character")
			if len([]rune(fill)) != 1 {
				r.fail("The fill character must be exactly one character long")
			}
		}
		if w > maxStringLen {
			r.fail("string too long")
		}
		return r.checkLen(pad(s, w, fill, align))
	}
}

// sRemove is str.removeprefix and removesuffix.
func sRemove(name, what string, trim func(s, affix string) string) strMethodFunc {
	return func(r *renderer, s string, args []any, kw map[string]any) any {
		r.wantArgs(name, args, 1, 1)
		return trim(s, r.wantStr(args[0], what))
	}
}

// pad pads s to width w with fill; align is '<', '>' or '^' (Python's center puts the extra char on the right).
func pad(s string, w int, fill string, align byte) string {
	n := len([]rune(s))
	if w <= n {
		return s
	}
	total := w - n
	switch align {
	case '<':
		return s + strings.Repeat(fill, total)
	case '>':
		return strings.Repeat(fill, total) + s
	}
	left := total / 2
	if total%2 == 1 && w%2 == 1 {
		left++
	}
	return strings.Repeat(fill, left) + s + strings.Repeat(fill, total-left)
}
