package jinja

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"brine/provision/lib/pyfmt"
	"brine/provision/lib/shquote"
)

type filterFunc func(r *renderer, v any, args []any, kw map[string]any) any

type testFunc func(r *renderer, v any, args []any) bool

func builtinFilters() map[string]filterFunc {
	f := map[string]filterFunc{
		"json":          fJSON,
		"json_encode":   fJSON,
		"tojson":        fToJSON,
		"yaml":          fYAML,
		"yaml_encode":   fYAMLEncode,
		"yaml_dquote":   fYAMLDquote,
		"yaml_squote":   fYAMLSquote,
		"default":       fDefault,
		"join":          fJoin,
		"lower":         func(r *renderer, v any, a []any, k map[string]any) any { return strings.ToLower(pyStr(v)) },
		"upper":         func(r *renderer, v any, a []any, k map[string]any) any { return strings.ToUpper(pyStr(v)) },
		"title":         func(r *renderer, v any, a []any, k map[string]any) any { return jinjaTitle(pyStr(v)) },
		"capitalize":    func(r *renderer, v any, a []any, k map[string]any) any { return pyCapitalize(pyStr(v)) },
		"replace":       fReplace,
		"unique":        fUnique,
		"length":        fLength,
		"indent":        fIndent,
		"dictsort":      fDictsort,
		"sort":          fSort,
		"reverse":       fReverse,
		"first":         fFirst,
		"last":          fLast,
		"int":           fInt,
		"float":         fFloat,
		"string":        func(r *renderer, v any, a []any, k map[string]any) any { return pyStr(v) },
		"list":          func(r *renderer, v any, a []any, k map[string]any) any { return &pyList{items: r.iterate(v)} },
		"regex_replace": fRegexReplace,
		"regex_search":  fRegexSearch,
		"regex_match":   fRegexMatch,
		"regex_escape":  func(r *renderer, v any, a []any, k map[string]any) any { return regexp.QuoteMeta(pyStr(v)) },
		"traverse":      fTraverse,
		"to_bool":       func(r *renderer, v any, a []any, k map[string]any) any { return toBool(v) },
		"path_join":     fPathJoin,
		"load_yaml":     fLoadYAML,
		"load_json":     fLoadJSON,
		"trim":          fTrim,
		"strip":         fTrim,
		"abs":           fAbs,
		"max":           fMinMax(true),
		"min":           fMinMax(false),
		"sum":           fSum,
		"map":           fMap,
		"select":        fSelect(false, false),
		"reject":        fSelect(true, false),
		"selectattr":    fSelect(false, true),
		"rejectattr":    fSelect(true, true),
		"items":         fItems,
		"batch":         fBatch,
		"slice":         fSlice,
		"round":         fRound,
		"wordcount": func(r *renderer, v any, a []any, k map[string]any) any {
			return len(wordRe.FindAllStringIndex(pyStr(v), -1))
		},
		"center":               fCenter,
		"format":               fFormat,
		"quote":                fQuote,
		"escape":               fEscape,
		"forceescape":          fEscape,
		"safe":                 func(r *renderer, v any, a []any, k map[string]any) any { return v },
		"dict":                 fDict,
		"difference":           fSetOp("difference"),
		"intersect":            fSetOp("intersect"),
		"union":                fSetOp("union"),
		"symmetric_difference": fSetOp("symmetric_difference"),
		"is_list":              func(r *renderer, v any, a []any, k map[string]any) any { _, ok := v.(*pyList); return ok },
		"flatten":              fFlatten,
		"attr":                 fAttr,
		"truncate":             fTruncate,
		"urlencode":            fURLEncode,
		"pprint":               func(r *renderer, v any, a []any, k map[string]any) any { return pyRepr(v) },
		"python":               func(r *renderer, v any, a []any, k map[string]any) any { return pyRepr(v) },
		"md5":                  fHash("md5"),
		"sha1":                 fHash("sha1"),
		"sha256":               fHash("sha256"),
		"sha512":               fHash("sha512"),
		"base64_encode": func(r *renderer, v any, a []any, k map[string]any) any {
			return base64.StdEncoding.EncodeToString([]byte(pyStr(v)))
		},
		"base64_decode":  fBase64Decode,
		"to_num":         fToNum,
		"sequence":       fSequence,
		"avg":            fAvg,
		"is_ip":          fIsIP(0),
		"is_ipv4":        fIsIP(4),
		"is_ipv6":        fIsIP(6),
		"groupby":        fGroupby,
		"striptags":      fStriptags,
		"wordwrap":       func(r *renderer, v any, a []any, k map[string]any) any { return pyStr(v) },
		"xmlattr":        fXMLAttr,
		"filesizeformat": fFilesize,
		"random":         fFirst,
		"skip":           func(r *renderer, v any, a []any, k map[string]any) any { return "" },
		"uuid":           fUUID,
		"is_iter": func(r *renderer, v any, a []any, k map[string]any) any {
			switch v.(type) {
			case *pyList, pyTuple, *pyDict:
				return true
			}
			return false
		},
		"sorted_ignorecase": func(r *renderer, v any, a []any, k map[string]any) any {
			return &pyList{items: r.sortItems(r.iterate(v), false, "", false)}
		},
		"substring_in_list": func(r *renderer, v any, a []any, k map[string]any) any {
			sub := pyStr(v)
			for _, it := range r.iterate(arg(a, k, 0, "str_list", &pyList{})) {
				if strings.Contains(pyStr(it), sub) {
					return true
				}
			}
			return false
		},
		"exactly_n_true": func(r *renderer, v any, a []any, k map[string]any) any {
			n := 0
			for _, it := range r.iterate(v) {
				if truthy(it) {
					n++
				}
			}
			return n == r.wantInt(arg(a, k, 0, "n", 1), "n")
		},
		"exactly_one_true": func(r *renderer, v any, a []any, k map[string]any) any {
			n := 0
			for _, it := range r.iterate(v) {
				if truthy(it) {
					n++
				}
			}
			return n == 1
		},
		"zip": func(r *renderer, v any, a []any, k map[string]any) any {
			seqs := [][]any{r.iterate(v)}
			for _, x := range a {
				seqs = append(seqs, r.iterate(x))
			}
			n := len(seqs[0])
			for _, sq := range seqs {
				if len(sq) < n {
					n = len(sq)
				}
			}
			out := make([]any, n)
			for i := range out {
				t := make(pyTuple, len(seqs))
				for j, sq := range seqs {
					t[j] = sq[i]
				}
				out[i] = t
			}
			return &pyList{items: out}
		},
		"is_hex": func(r *renderer, v any, a []any, k map[string]any) any {
			s := strings.TrimPrefix(pyStr(v), "0x")
			_, err := strconv.ParseUint(s, 16, 64)
			return s != "" && err == nil
		},
		"contains_whitespace": func(r *renderer, v any, a []any, k map[string]any) any {
			return strings.IndexFunc(pyStr(v), unicode.IsSpace) >= 0
		},
		"to_bytes":   func(r *renderer, v any, a []any, k map[string]any) any { return v },
		"to_unicode": func(r *renderer, v any, a []any, k map[string]any) any { return v },
		"str_to_num": fToNum,
		"method_call": func(r *renderer, v any, a []any, k map[string]any) any {
			if len(a) < 1 {
				r.fail("method_call needs a method name")
			}
			return r.callValue(r.getAttr(v, pyStr(a[0])), a[1:], k)
		},
	}
	f["d"] = f["default"]
	f["count"] = f["length"]
	f["e"] = f["escape"]
	return f
}

func fJSON(r *renderer, v any, a []any, k map[string]any) any {
	o := jsonOpts{sortKeys: truthy(arg(a, k, 0, "sort_keys", true)), indent: -1}
	if ind := arg(a, k, 1, "indent", nil); ind != nil {
		o.indent = r.wantInt(ind, "indent")
	}
	s, err := dumpJSON(v, o)
	if err != nil {
		r.fail("json filter: %v", err)
	}
	return s
}

func fToJSON(r *renderer, v any, a []any, k map[string]any) any {
	o := jsonOpts{sortKeys: truthy(arg(nil, k, -1, "sort_keys", false)), indent: -1, html: true}
	if ind := arg(a, k, 0, "indent", nil); ind != nil {
		o.indent = r.wantInt(ind, "indent")
	}
	s, err := dumpJSON(v, o)
	if err != nil {
		r.fail("tojson filter: %v", err)
	}
	return s
}

func fYAML(r *renderer, v any, a []any, k map[string]any) any {
	style := arg(a, k, 0, "flow_style", true)
	var s string
	var err error
	if style == nil {
		// Salt passes flow_style to safe_dump's default_flow_style: None
		// is PyYAML's mixed style
		s, err = pyfmt.YAML(v, pyfmt.Mixed)
	} else if truthy(style) {
		s, err = dumpYAMLFlow(v)
	} else {
		s, err = dumpYAMLBlock(v)
	}
	if err != nil {
		r.fail("yaml filter: %v", err)
	}
	return s
}

func fYAMLEncode(r *renderer, v any, a []any, k map[string]any) any {
	switch v.(type) {
	case *pyList, pyTuple, *pyDict:
		r.fail("yaml_encode only supports scalars (string, number, bool, None)")
	}
	s, err := dumpYAMLFlow(v)
	if err != nil {
		r.fail("yaml_encode: %v", err)
	}
	return s
}

func fYAMLDquote(r *renderer, v any, a []any, k map[string]any) any {
	s := pyStr(v)
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range s {
		switch c {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\t':
			sb.WriteString(`\t`)
		case '\r':
			sb.WriteString(`\r`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&sb, `\x%02x`, c)
			} else {
				sb.WriteRune(c)
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

func fYAMLSquote(r *renderer, v any, a []any, k map[string]any) any {
	return "'" + strings.ReplaceAll(pyStr(v), "'", "''") + "'"
}

func fDefault(r *renderer, v any, a []any, k map[string]any) any {
	def := arg(a, k, 0, "default_value", "")
	boolean := truthy(arg(a, k, 1, "boolean", false))
	if _, ok := v.(undefined); ok {
		return def
	}
	if boolean && !truthy(v) {
		return def
	}
	return v
}

func (r *renderer) attrGetter(v any, attr string) any {
	if attr == "" {
		return v
	}
	for _, part := range strings.Split(attr, ".") {
		if n, err := strconv.Atoi(part); err == nil {
			if _, isDict := v.(*pyDict); !isDict {
				v = r.getItem(v, n)
				continue
			}
		}
		switch v.(type) {
		case *pyDict:
			if it, ok := v.(*pyDict).Get(part); ok {
				v = it
				continue
			}
			v = undefined{name: part, hint: fmt.Sprintf("'dict object' has no attribute '%s'", part)}
		case undefined:
			return v
		default:
			v = r.getAttr(v, part)
		}
	}
	return v
}

func attrName(a []any, k map[string]any, i int) string {
	if s, ok := arg(a, k, i, "attribute", nil).(string); ok {
		return s
	}
	if n, ok := arg(a, k, i, "attribute", nil).(int); ok {
		return strconv.Itoa(n)
	}
	return ""
}

func fJoin(r *renderer, v any, a []any, k map[string]any) any {
	sep := pyStr(arg(a, k, 0, "d", ""))
	attr := attrName(a, k, 1)
	items := r.iterate(v)
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = pyStr(r.attrGetter(it, attr))
	}
	return r.checkLen(strings.Join(parts, sep))
}

func fReplace(r *renderer, v any, a []any, k map[string]any) any {
	if len(a) < 2 {
		r.fail("replace filter needs old and new strings")
	}
	n := -1
	if c := arg(a, k, 2, "count", nil); c != nil {
		n = r.wantInt(c, "count")
	}
	return r.strMethod(pyStr(v), "replace", []any{pyStr(a[0]), pyStr(a[1]), n}, nil)
}

func uniqueItems(items []any) []any {
	var out []any
	seen := map[any]bool{}
	for _, it := range items {
		if hk, ok := hashKey(it); ok {
			if seen[hk] {
				continue
			}
			seen[hk] = true
			out = append(out, it)
			continue
		}
		dup := false
		for _, o := range out {
			if valuesEqual(o, it) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, it)
		}
	}
	return out
}

func fUnique(r *renderer, v any, a []any, k map[string]any) any {
	items := r.iterate(v)
	if attr := attrName(a, k, 1); attr != "" {
		var out []any
		seen := []any{}
		for _, it := range items {
			key := r.attrGetter(it, attr)
			dup := false
			for _, s := range seen {
				if valuesEqual(s, key) {
					dup = true
					break
				}
			}
			if !dup {
				seen = append(seen, key)
				out = append(out, it)
			}
		}
		return &pyList{items: out}
	}
	return &pyList{items: uniqueItems(items)}
}

func fLength(r *renderer, v any, a []any, k map[string]any) any {
	switch x := v.(type) {
	case string:
		return len([]rune(x))
	case *pyList:
		return len(x.items)
	case pyTuple:
		return len(x)
	case *pyDict:
		return x.Len()
	case undefined:
		return 0
	case *namespace:
		return x.d.Len()
	}
	r.fail("object of type '%s' has no len()", typeName(v))
	return nil
}

func fIndent(r *renderer, v any, a []any, k map[string]any) any {
	s := pyStr(v)
	width := arg(a, k, 0, "width", 4)
	prefix := ""
	switch w := width.(type) {
	case string:
		prefix = w
	default:
		n := r.wantInt(w, "indent width")
		if n > 1<<16 || n < 0 {
			r.fail("indent width out of range")
		}
		prefix = strings.Repeat(" ", n)
	}
	first := truthy(arg(a, k, 1, "first", arg(nil, k, -1, "indentfirst", false)))
	blank := truthy(arg(a, k, 2, "blank", false))
	lines := strings.Split(s, "\n")
	for i, ln := range lines {
		if i == 0 {
			if first {
				lines[i] = prefix + ln
			}
			continue
		}
		if ln == "" && !blank {
			continue
		}
		lines[i] = prefix + ln
	}
	return r.checkLen(strings.Join(lines, "\n"))
}

func sortKey(v any, caseSensitive bool) any {
	if s, ok := v.(string); ok && !caseSensitive {
		return strings.ToLower(s)
	}
	return v
}

// sortItems sorts a copy of items (stable), failing on unorderable values.
func (r *renderer) sortItems(items []any, reverse bool, attr string, caseSensitive bool) []any {
	out := append([]any(nil), items...)
	keys := make([]any, len(out))
	for i, it := range out {
		keys[i] = sortKey(r.attrGetter(it, attr), caseSensitive)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	var sortErr error
	sortSliceStable(idx, func(i, j int) bool {
		c, err := compareValues(keys[i], keys[j])
		if err != nil && sortErr == nil {
			sortErr = err
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	if sortErr != nil {
		r.fail("%v", sortErr)
	}
	res := make([]any, len(out))
	for i, j := range idx {
		res[i] = out[j]
	}
	return res
}

func fSort(r *renderer, v any, a []any, k map[string]any) any {
	reverse := truthy(arg(a, k, 0, "reverse", false))
	cs := truthy(arg(a, k, 1, "case_sensitive", false))
	attr := attrName(a, k, 2)
	return &pyList{items: r.sortItems(r.iterate(v), reverse, attr, cs)}
}

func fDictsort(r *renderer, v any, a []any, k map[string]any) any {
	d, ok := v.(*pyDict)
	if !ok {
		r.undefinedCheck(v)
		r.fail("dictsort filter needs a dict, got %s", typeName(v))
	}
	cs := truthy(arg(a, k, 0, "case_sensitive", false))
	by := pyStr(arg(a, k, 1, "by", "key"))
	reverse := truthy(arg(a, k, 2, "reverse", false))
	pairs := fItems(r, d, nil, nil).(*pyList).items
	attr := "0"
	if by == "value" {
		attr = "1"
	} else if by != "key" {
		r.fail("You can only sort by either \"key\" or \"value\"")
	}
	return &pyList{items: r.sortItems(pairs, reverse, attr, cs)}
}

func fReverse(r *renderer, v any, a []any, k map[string]any) any {
	if s, ok := v.(string); ok {
		rs := []rune(s)
		for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
			rs[i], rs[j] = rs[j], rs[i]
		}
		return string(rs)
	}
	items := r.iterate(v)
	out := make([]any, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	return &pyList{items: out}
}

func fFirst(r *renderer, v any, a []any, k map[string]any) any {
	items := r.iterate(v)
	if len(items) == 0 {
		return undefined{name: "first", hint: "No first item, sequence was empty."}
	}
	return items[0]
}

func fLast(r *renderer, v any, a []any, k map[string]any) any {
	items := r.iterate(v)
	if len(items) == 0 {
		return undefined{name: "last", hint: "No last item, sequence was empty."}
	}
	return items[len(items)-1]
}

func fInt(r *renderer, v any, a []any, k map[string]any) any {
	r.undefinedCheck(v)
	def := arg(a, k, 0, "default", 0)
	base := 10
	if b := arg(a, k, 1, "base", nil); b != nil {
		base = r.wantInt(b, "base")
	}
	switch x := v.(type) {
	case int:
		return x
	case bool:
		if x {
			return 1
		}
		return 0
	case float64:
		if n, ok := asIntTrunc(x); ok {
			return n
		}
		return def
	case string:
		s := strings.ReplaceAll(strings.TrimSpace(x), "_", "")
		if base == 10 || base == 0 {
			if n, err := strconv.ParseInt(s, 0, 64); err == nil && (base == 0 || !strings.HasPrefix(strings.TrimLeft(s, "+-"), "0") || strings.TrimLeft(s, "+-0") == "") {
				return int(n)
			}
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return int(n)
			}
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				if n, ok := asIntTrunc(f); ok {
					return n
				}
			}
			return def
		}
		if base < 2 || base > 36 {
			return def
		}
		t := strings.ToLower(s)
		for _, p := range []string{"0x", "0o", "0b"} {
			if strings.HasPrefix(t, p) {
				t = t[2:]
			}
		}
		if n, err := strconv.ParseInt(t, base, 64); err == nil {
			return int(n)
		}
	}
	return def
}

func fFloat(r *renderer, v any, a []any, k map[string]any) any {
	r.undefinedCheck(v)
	def := arg(a, k, 0, "default", 0.0)
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	case bool:
		if x {
			return 1.0
		}
		return 0.0
	case string:
		s := strings.ToLower(strings.TrimSpace(x))
		switch s {
		case "inf", "+inf", "infinity":
			return math.Inf(1)
		case "-inf", "-infinity":
			return math.Inf(-1)
		case "nan":
			return math.NaN()
		}
		if f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
			return f
		}
	}
	return def
}

func (r *renderer) compileRegex(pattern string, ignorecase, multiline bool) *regexp.Regexp {
	flags := ""
	if ignorecase {
		flags += "i"
	}
	if multiline {
		flags += "m"
	}
	if flags != "" {
		pattern = "(?" + flags + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		r.fail("invalid regular expression %s: %v", pyRepr(pattern), err)
	}
	return re
}

var pyReplGroupRe = regexp.MustCompile(`\\(\d+)|\\g<(\w+)>|\$`)

// pyReplacement converts a Python re.sub replacement into a Go one.
func pyReplacement(repl string) string {
	repl = strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`).Replace(repl)
	return pyReplGroupRe.ReplaceAllStringFunc(repl, func(m string) string {
		if m == "$" {
			return "$$"
		}
		name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(m, `\g<`), `\`), ">")
		return "${" + name + "}"
	})
}

func regexFlags(a []any, k map[string]any, i int) (bool, bool) {
	return truthy(arg(a, k, i, "ignorecase", false)), truthy(arg(a, k, i+1, "multiline", false))
}

func fRegexReplace(r *renderer, v any, a []any, k map[string]any) any {
	if len(a) < 2 {
		r.fail("regex_replace needs a pattern and a replacement")
	}
	ic, ml := regexFlags(a, k, 2)
	re := r.compileRegex(pyStr(a[0]), ic, ml)
	return r.checkLen(re.ReplaceAllString(pyStr(v), pyReplacement(pyStr(a[1]))))
}

func regexGroups(m []string) any {
	t := make(pyTuple, 0, len(m))
	for _, g := range m[1:] {
		t = append(t, g)
	}
	return t
}

func fRegexSearch(r *renderer, v any, a []any, k map[string]any) any {
	if len(a) < 1 {
		r.fail("regex_search needs a pattern")
	}
	ic, ml := regexFlags(a, k, 1)
	m := r.compileRegex(pyStr(a[0]), ic, ml).FindStringSubmatch(pyStr(v))
	if m == nil {
		return nil
	}
	return regexGroups(m)
}

func fRegexMatch(r *renderer, v any, a []any, k map[string]any) any {
	if len(a) < 1 {
		r.fail("regex_match needs a pattern")
	}
	ic, ml := regexFlags(a, k, 1)
	re := r.compileRegex(`\A(?:`+pyStr(a[0])+`)`, ic, ml)
	m := re.FindStringSubmatch(pyStr(v))
	if m == nil {
		return nil
	}
	return regexGroups(m)
}

// traverse walks data by a delimited path (salt.utils.data.traverse_dict_and_list).
func (r *renderer) traverse(data any, key string, def any, delim string) any {
	if delim == "" {
		delim = ":"
	}
	cur := data
	for _, part := range strings.Split(key, delim) {
		switch c := cur.(type) {
		case *pyDict:
			v, ok := c.Get(part)
			if !ok {
				if n, err := strconv.Atoi(part); err == nil {
					v, ok = c.Get(n)
				}
			}
			if !ok {
				return def
			}
			cur = v
		case *pyList:
			n, err := strconv.Atoi(part)
			if err != nil {
				// list of dicts: find first dict with that key
				found := false
				for _, it := range c.items {
					if d, ok := it.(*pyDict); ok {
						if v, ok := d.Get(part); ok {
							cur, found = v, true
							break
						}
					}
				}
				if !found {
					return def
				}
				continue
			}
			i, ok := indexOf(n, len(c.items))
			if !ok {
				return def
			}
			cur = c.items[i]
		default:
			return def
		}
	}
	return cur
}

func fTraverse(r *renderer, v any, a []any, k map[string]any) any {
	if len(a) < 1 {
		r.fail("traverse needs a key path")
	}
	return r.traverse(v, pyStr(a[0]), arg(a, k, 1, "default", nil), pyStr(arg(a, k, 2, "delimiter", ":")))
}

// toBool is Salt's to_bool filter: None false; strings yes/1/true; ints > 0; lists and dicts non-empty.
func toBool(v any) bool {
	switch x := v.(type) {
	case nil, undefined:
		return false
	case bool:
		return x
	case string:
		switch strings.ToLower(x) {
		case "yes", "1", "true":
			return true
		}
		return false
	case int:
		return x > 0
	case *pyList, *pyDict:
		return truthy(v)
	}
	return false
}

// pyPathJoin is os.path.join: an absolute component discards what came before.
func pyPathJoin(parts []string) string {
	out := ""
	for i, p := range parts {
		switch {
		case i == 0:
			out = p
		case strings.HasPrefix(p, "/"):
			out = p
		case out == "" || strings.HasSuffix(out, "/"):
			out += p
		default:
			out += "/" + p
		}
	}
	return out
}

func fPathJoin(r *renderer, v any, a []any, k map[string]any) any {
	var parts []string
	switch x := v.(type) {
	case *pyList, pyTuple:
		items, _ := asSeq(x)
		for _, it := range items {
			parts = append(parts, pyStr(it))
		}
	default:
		parts = append(parts, pyStr(v))
	}
	for _, it := range a {
		parts = append(parts, pyStr(it))
	}
	return pyPathJoin(parts)
}

func fLoadYAML(r *renderer, v any, a []any, k map[string]any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	out, err := loadYAML(s)
	if err != nil {
		r.fail("load_yaml: %v", err)
	}
	return out
}

func fLoadJSON(r *renderer, v any, a []any, k map[string]any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	out, err := loadJSON(s)
	if err != nil {
		r.fail("load_json: %v", err)
	}
	return out
}

func fTrim(r *renderer, v any, a []any, k map[string]any) any {
	s := pyStr(v)
	if chars, ok := arg(a, k, 0, "chars", nil).(string); ok {
		return strings.Trim(s, chars)
	}
	return strings.TrimSpace(s)
}

func fAbs(r *renderer, v any, a []any, k map[string]any) any {
	switch x := boolToInt(v).(type) {
	case int:
		if x == math.MinInt {
			return -float64(x)
		}
		return abs(x)
	case float64:
		return math.Abs(x)
	}
	r.undefinedCheck(v)
	r.fail("bad operand type for abs(): '%s'", typeName(v))
	return nil
}

func fMinMax(isMax bool) filterFunc {
	return func(r *renderer, v any, a []any, k map[string]any) any {
		items := r.iterate(v)
		if len(items) == 0 {
			return undefined{name: "max", hint: "No aggregated item, sequence was empty."}
		}
		cs := truthy(arg(a, k, 0, "case_sensitive", true))
		attr := attrName(a, k, 1)
		sorted := r.sortItems(items, false, attr, cs)
		if isMax {
			// last maximal element in stable order -> Python max returns the first maximal; find it
			best := items[0]
			bk := sortKey(r.attrGetter(best, attr), cs)
			for _, it := range items[1:] {
				ik := sortKey(r.attrGetter(it, attr), cs)
				if c, _ := compareValues(ik, bk); c > 0 {
					best, bk = it, ik
				}
			}
			return best
		}
		return sorted[0]
	}
}

func fSum(r *renderer, v any, a []any, k map[string]any) any {
	attr := attrName(a, k, 0)
	var total any = arg(a, k, 1, "start", 0)
	for _, it := range r.iterate(v) {
		total = r.binop("+", total, r.attrGetter(it, attr))
	}
	return total
}

func fMap(r *renderer, v any, a []any, k map[string]any) any {
	if !truthy(v) {
		return &pyList{}
	}
	items := r.iterate(v)
	out := make([]any, len(items))
	if attr, ok := k["attribute"]; ok {
		def, hasDef := k["default"]
		for i, it := range items {
			val := r.attrGetter(it, pyStr(attr))
			if _, isU := val.(undefined); isU && hasDef {
				val = def
			}
			out[i] = val
		}
		return &pyList{items: out}
	}
	if len(a) == 0 {
		r.fail("map filter needs a filter name or attribute=")
	}
	name := pyStr(a[0])
	fn, ok := r.env.filters[name]
	if !ok {
		r.fail("No filter named '%s'.", name)
	}
	for i, it := range items {
		r.step()
		out[i] = fn(r, it, a[1:], k)
	}
	return &pyList{items: out}
}

func fSelect(reject, byAttr bool) filterFunc {
	return func(r *renderer, v any, a []any, k map[string]any) any {
		if !truthy(v) {
			return &pyList{}
		}
		items := r.iterate(v)
		attr := ""
		if byAttr {
			if len(a) == 0 {
				r.fail("selectattr/rejectattr need an attribute name")
			}
			attr, a = pyStr(a[0]), a[1:]
		}
		var test testFunc
		var targs []any
		if len(a) > 0 {
			name := pyStr(a[0])
			t, ok := r.env.tests[name]
			if !ok {
				r.fail("No test named '%s'.", name)
			}
			test, targs = t, a[1:]
		}
		var out []any
		for _, it := range items {
			r.step()
			val := it
			if byAttr {
				val = r.attrGetter(it, attr)
			}
			ok := truthy(val)
			if test != nil {
				ok = test(r, val, targs)
			}
			if ok != reject {
				out = append(out, it)
			}
		}
		return &pyList{items: out}
	}
}

func fItems(r *renderer, v any, a []any, k map[string]any) any {
	switch d := v.(type) {
	case *pyDict:
		return r.dictMethod(d, "items", nil, nil)
	case undefined:
		return &pyList{}
	}
	r.fail("can only get item pairs from a mapping, not %s", typeName(v))
	return nil
}

func fBatch(r *renderer, v any, a []any, k map[string]any) any {
	n := r.wantInt(arg(a, k, 0, "linecount", 1), "batch size")
	if n <= 0 {
		r.fail("batch size must be positive")
	}
	fill, hasFill := arg(a, k, 1, "fill_with", nil), len(a) > 1 || k["fill_with"] != nil
	items := r.iterate(v)
	var out []any
	for i := 0; i < len(items); i += n {
		end := i + n
		var chunk []any
		if end > len(items) {
			chunk = append(chunk, items[i:]...)
			if hasFill {
				for len(chunk) < n {
					chunk = append(chunk, fill)
				}
			}
		} else {
			chunk = append(chunk, items[i:end]...)
		}
		out = append(out, &pyList{items: chunk})
	}
	return &pyList{items: out}
}

func fSlice(r *renderer, v any, a []any, k map[string]any) any {
	slices := r.wantInt(arg(a, k, 0, "slices", 1), "slices")
	if slices <= 0 || slices > maxItems {
		r.fail("slices must be positive")
	}
	items := r.iterate(v)
	per, extra := len(items)/slices, len(items)%slices
	var out []any
	off := 0
	for i := 0; i < slices; i++ {
		n := per
		if i < extra {
			n++
		}
		out = append(out, &pyList{items: append([]any(nil), items[off:off+n]...)})
		off += n
	}
	return &pyList{items: out}
}

func fRound(r *renderer, v any, a []any, k map[string]any) any {
	prec := r.wantInt(arg(a, k, 0, "precision", 0), "precision")
	method := pyStr(arg(a, k, 1, "method", "common"))
	f, ok := toNumber(v)
	if !ok {
		r.undefinedCheck(v)
		r.fail("round filter needs a number, got %s", typeName(v))
	}
	if prec > 300 || prec < -300 {
		return f
	}
	p := math.Pow(10, float64(prec))
	if n, isInt := boolToInt(v).(int); isInt && method == "common" {
		if prec >= 0 {
			return n
		}
		if prec < -18 {
			return 0
		}
		p := 1
		for i := 0; i < -prec; i++ {
			p *= 10
		}
		q, rem := n/p, n%p
		if rem < 0 {
			q, rem = q-1, rem+p
		}
		if 2*rem > p || (2*rem == p && q%2 != 0) {
			q++
		}
		return q * p
	}
	switch method {
	case "common":
		// Python's round(): exact binary value, ties to even.
		if prec >= 0 {
			out, err := strconv.ParseFloat(strconv.FormatFloat(f, 'f', prec, 64), 64)
			if err == nil {
				return out
			}
		}
		return math.RoundToEven(f*p) / p
	case "ceil":
		return math.Ceil(f*p) / p
	case "floor":
		return math.Floor(f*p) / p
	}
	r.fail("method must be common, ceil or floor")
	return nil
}

func fCenter(r *renderer, v any, a []any, k map[string]any) any {
	w := r.wantInt(arg(a, k, 0, "width", 80), "width")
	if w > maxStringLen {
		r.fail("width too large")
	}
	return r.checkLen(pad(pyStr(v), w, " ", '^'))
}

func fFormat(r *renderer, v any, a []any, k map[string]any) any {
	var arg any
	if len(k) > 0 {
		d := newDict()
		for kk, vv := range k {
			d.Set(kk, vv)
		}
		arg = d
	} else if len(a) == 1 {
		if _, isT := a[0].(pyTuple); isT {
			arg = pyTuple{a[0]}
		} else {
			arg = a[0]
		}
	} else {
		arg = pyTuple(a)
	}
	out, err := percentFormat(pyStr(v), arg)
	if err != nil {
		r.fail("format filter: %v", err)
	}
	return r.checkLen(out)
}

func fQuote(r *renderer, v any, a []any, k map[string]any) any { return shquote.Arg(pyStr(v)) }

func fEscape(r *renderer, v any, a []any, k map[string]any) any {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(pyStr(v))
}

func fDict(r *renderer, v any, a []any, k map[string]any) any {
	return fnDict(r, []any{v}, nil)
}

func fSetOp(op string) filterFunc {
	return func(r *renderer, v any, a []any, k map[string]any) any {
		if len(a) < 1 {
			r.fail("%s filter needs a second sequence", op)
		}
		l1, l2 := r.iterate(v), r.iterate(a[0])
		in := func(x any, l []any) bool {
			for _, y := range l {
				if valuesEqual(x, y) {
					return true
				}
			}
			return false
		}
		var out []any
		switch op {
		case "difference":
			for _, x := range l1 {
				if !in(x, l2) {
					out = append(out, x)
				}
			}
		case "intersect":
			for _, x := range l1 {
				if in(x, l2) {
					out = append(out, x)
				}
			}
		case "union":
			out = append(append(out, l1...), l2...)
		case "symmetric_difference":
			for _, x := range l1 {
				if !in(x, l2) {
					out = append(out, x)
				}
			}
			for _, x := range l2 {
				if !in(x, l1) {
					out = append(out, x)
				}
			}
		}
		return &pyList{items: uniqueItems(out)}
	}
}

func (r *renderer) flatten(items []any, levels int, keepNull bool, depth int, out []any) []any {
	if depth > maxDataDepth {
		r.fail("flatten: nesting too deep")
	}
	for _, it := range items {
		if it == nil && !keepNull {
			continue
		}
		if sub, ok := it.(*pyList); ok && levels != 0 {
			out = r.flatten(sub.items, levels-1, keepNull, depth+1, out)
			continue
		}
		if sub, ok := it.(pyTuple); ok && levels != 0 {
			out = r.flatten(sub, levels-1, keepNull, depth+1, out)
			continue
		}
		out = append(out, it)
	}
	return out
}

func fFlatten(r *renderer, v any, a []any, k map[string]any) any {
	levels := -1
	if l := arg(a, k, 0, "levels", nil); l != nil {
		levels = r.wantInt(l, "levels")
	}
	keep := truthy(arg(a, k, 1, "preserve_nulls", false))
	return &pyList{items: r.flatten(r.iterate(v), levels, keep, 0, nil)}
}

func fAttr(r *renderer, v any, a []any, k map[string]any) any {
	if len(a) < 1 {
		r.fail("attr filter needs a name")
	}
	return r.getAttr(v, pyStr(a[0]))
}

func fTruncate(r *renderer, v any, a []any, k map[string]any) any {
	s := []rune(pyStr(v))
	length := r.wantInt(arg(a, k, 0, "length", 255), "length")
	killwords := truthy(arg(a, k, 1, "killwords", false))
	end := pyStr(arg(a, k, 2, "end", "..."))
	leeway := r.wantInt(arg(a, k, 3, "leeway", 5), "leeway")
	if len(s) <= length+leeway {
		return string(s)
	}
	cut := length - len([]rune(end))
	if cut < 0 {
		cut = 0
	}
	res := string(s[:cut])
	if !killwords {
		if i := strings.LastIndex(res, " "); i >= 0 {
			res = res[:i]
		}
	}
	return res + end
}

func fURLEncode(r *renderer, v any, a []any, k map[string]any) any {
	enc := func(s string) string {
		var sb strings.Builder
		for _, b := range []byte(s) {
			if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("_.-~/", b) >= 0 {
				sb.WriteByte(b)
			} else {
				fmt.Fprintf(&sb, "%%%02X", b)
			}
		}
		return sb.String()
	}
	if d, ok := v.(*pyDict); ok {
		var parts []string
		for _, kk := range d.keys {
			parts = append(parts, enc(pyStr(d.key(kk)))+"="+enc(pyStr(d.m[kk])))
		}
		return strings.Join(parts, "&")
	}
	return enc(pyStr(v))
}

func fHash(kind string) filterFunc {
	return func(r *renderer, v any, a []any, k map[string]any) any {
		b := []byte(pyStr(v))
		switch kind {
		case "md5":
			s := md5.Sum(b)
			return hex.EncodeToString(s[:])
		case "sha1":
			s := sha1.Sum(b)
			return hex.EncodeToString(s[:])
		case "sha512":
			s := sha512.Sum512(b)
			return hex.EncodeToString(s[:])
		}
		s := sha256.Sum256(b)
		return hex.EncodeToString(s[:])
	}
}

func fBase64Decode(r *renderer, v any, a []any, k map[string]any) any {
	b, err := base64.StdEncoding.DecodeString(pyStr(v))
	if err != nil {
		r.fail("base64_decode: %v", err)
	}
	return string(b)
}

func fToNum(r *renderer, v any, a []any, k map[string]any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		return int(n)
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
		return f
	}
	return v
}

func fSequence(r *renderer, v any, a []any, k map[string]any) any {
	switch v.(type) {
	case *pyList, pyTuple:
		return v
	}
	return &pyList{items: []any{v}}
}

func fAvg(r *renderer, v any, a []any, k map[string]any) any {
	if f, ok := toNumber(v); ok {
		return f
	}
	items := r.iterate(v)
	if len(items) == 0 {
		r.fail("avg of an empty sequence: division by zero")
	}
	total := 0.0
	for _, it := range items {
		f, ok := toNumber(it)
		if !ok {
			r.fail("avg filter needs numbers, got %s", typeName(it))
		}
		total += f
	}
	return total / float64(len(items))
}

func fIsIP(ver int) filterFunc {
	return func(r *renderer, v any, a []any, k map[string]any) any {
		s := pyStr(v)
		if i := strings.IndexByte(s, '/'); i >= 0 {
			s = s[:i]
		}
		ip := net.ParseIP(s)
		if ip == nil {
			return false
		}
		switch ver {
		case 4:
			return ip.To4() != nil && !strings.Contains(s, ":")
		case 6:
			return strings.Contains(s, ":")
		}
		return true
	}
}

func fGroupby(r *renderer, v any, a []any, k map[string]any) any {
	attr := pyStr(arg(a, k, 0, "attribute", ""))
	items := r.sortItems(r.iterate(v), false, attr, false)
	var out []any
	for _, it := range items {
		key := r.attrGetter(it, attr)
		if n := len(out); n > 0 && valuesEqual(out[n-1].(pyTuple)[0], key) {
			l := out[n-1].(pyTuple)[1].(*pyList)
			l.items = append(l.items, it)
			continue
		}
		out = append(out, pyTuple{key, &pyList{items: []any{it}}})
	}
	return &pyList{items: out}
}

// sortSliceStable stably sorts the index slice idx by less over the original positions.
func sortSliceStable(idx []int, less func(i, j int) bool) {
	sort.SliceStable(idx, func(a, b int) bool { return less(idx[a], idx[b]) })
}

// wordRe is Python's \w+ (Unicode letters, digits and underscore), used by wordcount.
var wordRe = regexp.MustCompile(`[\p{L}\p{N}_]+`)

// titleSplitRe splits before word beginnings like Jinja's do_title.
var titleSplitRe = regexp.MustCompile(`([-\s({\[<]+)`)

// jinjaTitle is Jinja's title filter: upper-case the first character of each chunk
// separated by whitespace, '-', '(', '{', '[' or '<', lower-case the rest.
func jinjaTitle(s string) string {
	var sb strings.Builder
	last := 0
	emit := func(part string) {
		if part == "" {
			return
		}
		rs := []rune(part)
		sb.WriteString(strings.ToUpper(string(rs[0])))
		sb.WriteString(strings.ToLower(string(rs[1:])))
	}
	for _, loc := range titleSplitRe.FindAllStringIndex(s, -1) {
		emit(s[last:loc[0]])
		emit(s[loc[0]:loc[1]])
		last = loc[1]
	}
	emit(s[last:])
	return sb.String()
}

var tagRe = regexp.MustCompile(`(<!--.*?-->|<[^>]*>)`)

func fStriptags(r *renderer, v any, a []any, k map[string]any) any {
	return strings.Join(strings.Fields(tagRe.ReplaceAllString(pyStr(v), "")), " ")
}

func fXMLAttr(r *renderer, v any, a []any, k map[string]any) any {
	d, ok := v.(*pyDict)
	if !ok {
		r.fail("xmlattr needs a dict")
	}
	var parts []string
	for _, kk := range d.keys {
		val := d.m[kk]
		if val == nil {
			continue
		}
		if _, u := val.(undefined); u {
			continue
		}
		parts = append(parts, fmt.Sprintf(`%s="%s"`, pyStr(d.key(kk)), fEscape(r, val, nil, nil)))
	}
	s := strings.Join(parts, " ")
	if s != "" && truthy(arg(a, k, 0, "autospace", true)) {
		s = " " + s
	}
	return s
}

func fFilesize(r *renderer, v any, a []any, k map[string]any) any {
	f, ok := toNumber(v)
	if !ok {
		r.fail("filesizeformat needs a number")
	}
	binary := truthy(arg(a, k, 0, "binary", false))
	base := 1000.0
	units := []string{"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}
	if binary {
		base = 1024
		units = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
	}
	if f == 1 {
		return "1 Byte"
	}
	if f < base {
		return fmt.Sprintf("%d Bytes", int(f))
	}
	for i, u := range units {
		unit := math.Pow(base, float64(i+2))
		if f < unit || i == len(units)-1 {
			return fmt.Sprintf("%.1f %s", base*f/unit, u)
		}
	}
	return ""
}

// saltUUIDNamespace is Salt's GLOBAL_UUID, the namespace of its uuid filter (uuid5).
var saltUUIDNamespace = [16]byte{0x91, 0x63, 0x3e, 0xbf, 0x1c, 0x86, 0x5e, 0x33, 0x93, 0x5a, 0x28, 0x06, 0x1f, 0x4b, 0x48, 0x0e}

func fUUID(r *renderer, v any, a []any, k map[string]any) any {
	h := sha1.New()
	h.Write(saltUUIDNamespace[:])
	h.Write([]byte(pyStr(v)))
	sum := h.Sum(nil)
	sum[6] = (sum[6] & 0x0f) | 0x50
	sum[8] = (sum[8] & 0x3f) | 0x80
	x := hex.EncodeToString(sum[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
