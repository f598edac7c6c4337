package jinja

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"brine/provision/lib/pyfmt"
)

// percentFormat implements Python's printf-style formatting, "fmt % arg".
// Literal text is copied; each %-directive takes its value from arg: a
// tuple gives one element per directive, a dict gives %(key)s values, any
// other value is the one value. A directive parses (percentSpec) into the
// fmtSpec a str.format spec parses into (parseFormatSpec), so both kinds
// of formatting share the number formatting and padding below.
func percentFormat(format string, arg any) (string, error) {
	a := &percentArgs{args: []any{arg}}
	if t, ok := arg.(pyTuple); ok {
		a.args = t
	} else if d, ok := arg.(*pyDict); ok {
		a.mapping = d
	}
	var sb strings.Builder
	for i := 0; i < len(format); {
		j := strings.IndexByte(format[i:], '%')
		if j < 0 {
			sb.WriteString(format[i:])
			break
		}
		sb.WriteString(format[i : i+j])
		d, end, err := a.directive(format, i+j+1)
		if err != nil {
			return "", err
		}
		i = end
		if d.conv == '%' {
			// "%%" (with any flags or width between): a literal percent.
			sb.WriteByte('%')
			continue
		}
		s, err := d.convert()
		if err != nil {
			return "", err
		}
		sb.WriteString(applyWidth(s, d.spec))
		if sb.Len() > maxStringLen {
			return "", fmt.Errorf("string too long")
		}
	}
	// Python ignores extra values only for a mapping (or a value that is
	// no tuple but a list, which is one value); brine's undefined values
	// are let through, as Jinja's.
	_, isList := arg.(*pyList)
	_, isUndef := arg.(undefined)
	if a.next < len(a.args) && !a.usedMapping && a.mapping == nil && !isList && !isUndef {
		return "", fmt.Errorf("not all arguments converted during string formatting")
	}
	return sb.String(), nil
}

// percentArgs are the values of a printf-style format, handed out in
// order (and to '*' widths and precisions) or by key from mapping.
type percentArgs struct {
	args        []any
	next        int
	mapping     *pyDict
	usedMapping bool
}

// take is the next positional value.
func (a *percentArgs) take() (any, error) {
	if a.next >= len(a.args) {
		return nil, fmt.Errorf("not enough arguments for format string")
	}
	v := a.args[a.next]
	a.next++
	return v, nil
}

// takeInt is the next value as a '*' width or precision.
func (a *percentArgs) takeInt() (int, error) {
	v, err := a.take()
	if err != nil {
		return 0, err
	}
	n, ok := v.(int)
	if !ok {
		return 0, fmt.Errorf("* wants int")
	}
	return n, nil
}

// percentDirective is one parsed %-directive: its conversion character,
// its spec and the value it formats.
type percentDirective struct {
	conv byte
	spec fmtSpec
	val  any
	// at is the index of conv in the format, for errors.
	at int
}

// directive parses the directive whose '%' is just before format[i]:
// %[(key)][flags][width|*][.precision|*][length]conv, and takes its value.
// It returns the index after it.
func (a *percentArgs) directive(format string, i int) (d percentDirective, end int, err error) {
	if i >= len(format) {
		return d, 0, fmt.Errorf("incomplete format")
	}
	haveVal := false
	if format[i] == '(' {
		// %(key)s: the key runs to the matching parenthesis.
		if a.mapping == nil {
			return d, 0, fmt.Errorf("format requires a mapping")
		}
		depth, j := 1, i+1
		for j < len(format) && depth > 0 {
			if format[j] == '(' {
				depth++
			} else if format[j] == ')' {
				depth--
			}
			j++
		}
		if depth > 0 {
			return d, 0, fmt.Errorf("incomplete format key")
		}
		key := format[i+1 : j-1]
		v, ok := a.mapping.Get(key)
		if !ok {
			return d, 0, fmt.Errorf("KeyError: %s", pyRepr(key))
		}
		d.val, haveVal, a.usedMapping = v, true, true
		i = j
	}
	// Flags, in any order: '-' aligns left (the fmtSpec's '<', which also
	// beats '0'), '+' and ' ' are the sign ('+' wins), '#' the alternate
	// form, '0' pads numbers with zeros.
	for ; i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0; i++ {
		switch format[i] {
		case '-':
			d.spec.align = '<'
		case '+':
			d.spec.sign = '+'
		case ' ':
			if d.spec.sign != '+' {
				d.spec.sign = ' '
			}
		case '#':
			d.spec.alt = true
		case '0':
			d.spec.zero = true
		}
	}
	// Width: digits, or '*' for the next value (negative: left aligned).
	if i < len(format) && format[i] == '*' {
		w, err := a.takeInt()
		if err != nil {
			return d, 0, err
		}
		if w < 0 {
			d.spec.align, w = '<', -w
		}
		d.spec.width = w
		i++
	} else {
		d.spec.width, i = scanDigits(format, i)
	}
	// Precision: '.' then digits (none is 0), or '*'.
	d.spec.prec = -1
	if i < len(format) && format[i] == '.' {
		i++
		if i < len(format) && format[i] == '*' {
			if d.spec.prec, err = a.takeInt(); err != nil {
				return d, 0, err
			}
			i++
		} else {
			d.spec.prec, i = scanDigits(format, i)
		}
	}
	if d.spec.width > maxStringLen || d.spec.prec > maxStringLen {
		return d, 0, fmt.Errorf("width or precision too big")
	}
	// C's length modifiers mean nothing in Python.
	for i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
		i++
	}
	if i >= len(format) {
		return d, 0, fmt.Errorf("incomplete format")
	}
	d.conv, d.at = format[i], i
	i++
	if d.conv == '%' {
		return d, i, nil
	}
	if !haveVal {
		if d.val, err = a.take(); err != nil {
			return d, 0, err
		}
	}
	if d.spec.align == 0 {
		d.spec.align = '>'
	}
	return d, i, nil
}

// scanDigits reads the decimal number at s[i:] (0 when there is none; the
// largest int when it overflows, which callers refuse as too big) and
// returns it with the index after it.
func scanDigits(s string, i int) (int, int) {
	st := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(s[st:i])
	return n, i
}

// convert formats the directive's value by its conversion, before the
// width is applied: str (s), repr (r, a), integers (d i u, x X o), floats
// (f F e E g G) and a character (c). Text conversions ignore the '0' flag.
func (d *percentDirective) convert() (string, error) {
	val, conv := d.val, d.conv
	switch conv {
	case 's':
		s := pyStr(val)
		if d.spec.prec >= 0 {
			if rs := []rune(s); d.spec.prec < len(rs) {
				s = string(rs[:d.spec.prec])
			}
		}
		d.spec.zero = false
		return s, nil
	case 'r', 'a':
		d.spec.zero = false
		return pyRepr(val), nil
	case 'd', 'i', 'u':
		n, ok := asIntTrunc(val)
		if !ok {
			return "", fmt.Errorf("%%%c format: a real number is required, not %s", conv, typeName(val))
		}
		return formatIntSpec(n, 'd', d.spec), nil
	case 'x', 'X', 'o':
		// Unlike %d, these take no float.
		n, ok := val.(int)
		if b, isB := val.(bool); isB {
			n, ok = map[bool]int{true: 1}[b], true
		}
		if !ok {
			return "", fmt.Errorf("%%%c format: an integer is required, not %s", conv, typeName(val))
		}
		return formatIntSpec(n, conv, d.spec), nil
	case 'f', 'F', 'e', 'E', 'g', 'G':
		f, ok := toNumber(val)
		if !ok {
			return "", fmt.Errorf("must be real number, not %s", typeName(val))
		}
		if d.spec.prec < 0 {
			d.spec.prec = 6
		}
		return formatFloatSpec(f, conv, d.spec), nil
	case 'c':
		d.spec.zero = false
		switch v := val.(type) {
		case int:
			if v < 0 || v > 0x10ffff {
				return "", fmt.Errorf("%%c arg not in range(0x110000)")
			}
			return string(rune(v)), nil
		case string:
			if len([]rune(v)) != 1 {
				return "", fmt.Errorf("%%c requires int or char")
			}
			return v, nil
		}
		return "", fmt.Errorf("%%c requires int or char")
	}
	return "", fmt.Errorf("unsupported format character '%c' (0x%x) at index %d", conv, conv, d.at)
}

type fmtSpec struct {
	fill  string
	align byte // '<', '>', '^', '='
	sign  byte // '+', '-', ' '
	alt   bool
	zero  bool
	width int
	comma byte
	prec  int
	typ   byte
}

func asIntTrunc(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 9e18 {
			return 0, false
		}
		return int(x), true
	}
	return 0, false
}

func signed(neg bool, digits string, spec fmtSpec) (string, string) {
	sign := ""
	if neg {
		sign = "-"
	} else if spec.sign == '+' {
		sign = "+"
	} else if spec.sign == ' ' {
		sign = " "
	}
	return sign, digits
}

func groupDigits(s string, sep byte) string {
	if sep == 0 || len(s) <= 3 {
		return s
	}
	var sb strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		sb.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if sb.Len() > 0 {
			sb.WriteByte(sep)
		}
		sb.WriteString(s[i : i+3])
	}
	return sb.String()
}

func formatIntSpec(n int, conv byte, spec fmtSpec) string {
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	var digits, prefix string
	switch conv {
	case 'x':
		digits = strconv.FormatUint(u, 16)
		if spec.alt {
			prefix = "0x"
		}
	case 'X':
		digits = strings.ToUpper(strconv.FormatUint(u, 16))
		if spec.alt {
			prefix = "0X"
		}
	case 'o':
		digits = strconv.FormatUint(u, 8)
		if spec.alt {
			prefix = "0o"
		}
	case 'b':
		digits = strconv.FormatUint(u, 2)
		if spec.alt {
			prefix = "0b"
		}
	default:
		digits = groupDigits(strconv.FormatUint(u, 10), spec.comma)
	}
	sign, digits := signed(neg, digits, spec)
	return padNumber(sign+prefix, digits, spec)
}

func formatFloatSpec(f float64, conv byte, spec fmtSpec) string {
	neg := math.Signbit(f) && !math.IsNaN(f)
	a := math.Abs(f)
	var digits string
	switch {
	case math.IsInf(a, 0):
		digits = "inf"
	case math.IsNaN(a):
		digits = "nan"
	default:
		switch conv {
		case 'f', 'F':
			digits = strconv.FormatFloat(a, 'f', spec.prec, 64)
		case 'e', 'E':
			digits = strconv.FormatFloat(a, 'e', spec.prec, 64)
		case '%':
			digits = strconv.FormatFloat(a*100, 'f', spec.prec, 64) + "%"
		default: // g
			p := spec.prec
			if p == 0 {
				p = 1
			}
			digits = strconv.FormatFloat(a, 'g', p, 64)
			if spec.alt && !strings.Contains(digits, ".") {
				digits += "."
			}
		}
		if spec.comma != 0 {
			intPart, rest := digits, ""
			if k := strings.IndexAny(digits, ".e%"); k >= 0 {
				intPart, rest = digits[:k], digits[k:]
			}
			digits = groupDigits(intPart, spec.comma) + rest
		}
	}
	if conv == 'F' || conv == 'E' || conv == 'G' {
		digits = strings.ToUpper(digits)
	}
	sign, digits := signed(neg, digits, spec)
	return padNumber(sign, digits, spec)
}

func padNumber(prefix, digits string, spec fmtSpec) string {
	n := len(prefix) + len([]rune(digits))
	if spec.zero && spec.align != '<' && spec.width > n {
		return prefix + strings.Repeat("0", spec.width-n) + digits
	}
	if spec.align == '=' && spec.width > n {
		fill := spec.fill
		if fill == "" {
			fill = " "
		}
		return prefix + strings.Repeat(fill, spec.width-n) + digits
	}
	return applyWidth(prefix+digits, spec)
}

func applyWidth(s string, spec fmtSpec) string {
	n := len([]rune(s))
	if spec.width <= n {
		return s
	}
	fill := spec.fill
	if fill == "" {
		fill = " "
	}
	total := spec.width - n
	switch spec.align {
	case '<':
		return s + strings.Repeat(fill, total)
	case '^':
		left := total / 2
		return strings.Repeat(fill, left) + s + strings.Repeat(fill, total-left)
	}
	return strings.Repeat(fill, total) + s
}

// parseFormatSpec parses a str.format spec:
// [[fill]align][sign][#][0][width][,_][.precision][type]. A fill is any one
// character, and only counts before an align character.
func parseFormatSpec(s string) (fmtSpec, error) {
	spec := fmtSpec{prec: -1}
	isAlign := func(c byte) bool { return c == '<' || c == '>' || c == '^' || c == '=' }
	i := 0
	if r0, n := utf8.DecodeRuneInString(s); n > 0 && n < len(s) && isAlign(s[n]) {
		spec.fill, spec.align, i = string(r0), s[n], n+1
	} else if len(s) > 0 && isAlign(s[0]) {
		spec.align, i = s[0], 1
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-' || s[i] == ' ') {
		spec.sign = s[i]
		i++
	}
	if i < len(s) && s[i] == '#' {
		spec.alt = true
		i++
	}
	if i < len(s) && s[i] == '0' {
		spec.zero = true
		i++
	}
	spec.width, i = scanDigits(s, i)
	if spec.width > maxStringLen {
		return spec, fmt.Errorf("too many decimal digits in format string")
	}
	if i < len(s) && (s[i] == ',' || s[i] == '_') {
		spec.comma = s[i]
		i++
	}
	if i < len(s) && s[i] == '.' {
		st := i + 1
		if spec.prec, i = scanDigits(s, st); i == st {
			return spec, fmt.Errorf("format specifier missing precision")
		}
		if spec.prec > maxStringLen {
			return spec, fmt.Errorf("too many decimal digits in format string")
		}
	}
	if i < len(s) {
		// The type is one character; a wider one shows in the error as
		// its low byte, as before.
		r, n := utf8.DecodeRuneInString(s[i:])
		spec.typ = byte(r)
		i += n
	}
	if i < len(s) {
		return spec, fmt.Errorf("invalid format specifier")
	}
	return spec, nil
}

// formatValue implements format(value, spec).
func formatValue(v any, specStr string) (string, error) {
	spec, err := parseFormatSpec(specStr)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		if spec.typ != 0 && spec.typ != 's' {
			return "", fmt.Errorf("Unknown format code '%c' for object of type 'str'", spec.typ)
		}
		if spec.prec >= 0 && spec.prec < len([]rune(x)) {
			x = string([]rune(x)[:spec.prec])
		}
		if spec.align == 0 {
			spec.align = '<'
		}
		return applyWidth(x, spec), nil
	case int, bool:
		n, _ := asIntTrunc(x)
		if spec.align == 0 {
			spec.align = '>'
		}
		switch spec.typ {
		case 0, 'd', 'n':
			if _, isBool := x.(bool); isBool && spec.typ == 0 && specStr == "" {
				return pyStr(x), nil
			}
			return formatIntSpec(n, 'd', spec), nil
		case 'x', 'X', 'o', 'b':
			return formatIntSpec(n, spec.typ, spec), nil
		case 'c':
			return applyWidth(string(rune(n)), spec), nil
		case 'f', 'F', 'e', 'E', 'g', 'G', '%':
			if spec.prec < 0 {
				spec.prec = 6
			}
			return formatFloatSpec(float64(n), spec.typ, spec), nil
		}
		return "", fmt.Errorf("Unknown format code '%c' for object of type 'int'", spec.typ)
	case float64:
		if spec.align == 0 {
			spec.align = '>'
		}
		switch spec.typ {
		case 0:
			if spec.prec < 0 {
				s := pyfmt.Float(math.Abs(x))
				sign, d := signed(math.Signbit(x), s, spec)
				return padNumber(sign, d, spec), nil
			}
			spec.typ = 'g'
			fallthrough
		case 'f', 'F', 'e', 'E', 'g', 'G', '%':
			if spec.prec < 0 {
				spec.prec = 6
			}
			return formatFloatSpec(x, spec.typ, spec), nil
		}
		return "", fmt.Errorf("Unknown format code '%c' for object of type 'float'", spec.typ)
	}
	if specStr == "" {
		return pyStr(v), nil
	}
	if spec.align == 0 {
		spec.align = '<'
	}
	return applyWidth(pyStr(v), spec), nil
}

// strFormat implements str.format(*args, **kwargs).
func (r *renderer) strFormat(format string, args []any, kw map[string]any) (string, error) {
	return r.strFormatDepth(format, args, kw, 0)
}

func (r *renderer) strFormatDepth(format string, args []any, kw map[string]any, depth int) (string, error) {
	if depth > 1 {
		return "", fmt.Errorf("Max string recursion exceeded")
	}
	var sb strings.Builder
	auto := 0
	i := 0
	for i < len(format) {
		c := format[i]
		if c == '}' {
			if i+1 < len(format) && format[i+1] == '}' {
				sb.WriteByte('}')
				i += 2
				continue
			}
			return "", fmt.Errorf("Single '}' encountered in format string")
		}
		if c != '{' {
			sb.WriteByte(c)
			i++
			continue
		}
		if i+1 < len(format) && format[i+1] == '{' {
			sb.WriteByte('{')
			i += 2
			continue
		}
		// find matching '}' (allowing one level of nested {} in the spec)
		open, j := 1, i+1
		for j < len(format) && open > 0 {
			if format[j] == '{' {
				open++
			} else if format[j] == '}' {
				open--
			}
			j++
		}
		if open > 0 {
			return "", fmt.Errorf("Single '{' encountered in format string")
		}
		field := format[i+1 : j-1]
		i = j
		spec, conv := "", byte(0)
		if k := strings.IndexByte(field, ':'); k >= 0 {
			field, spec = field[:k], field[k+1:]
		}
		if k := strings.IndexByte(field, '!'); k >= 0 {
			if k+1 < len(field) {
				conv = field[k+1]
			}
			field = field[:k]
		}
		// field name: first part then .attr / [key]
		end := strings.IndexAny(field, ".[")
		first, rest := field, ""
		if end >= 0 {
			first, rest = field[:end], field[end:]
		}
		var v any
		if first == "" {
			if auto >= len(args) {
				return "", fmt.Errorf("Replacement index %d out of range for positional args tuple", auto)
			}
			v = args[auto]
			auto++
		} else if n, err := strconv.Atoi(first); err == nil {
			if n < 0 || n >= len(args) {
				return "", fmt.Errorf("Replacement index %d out of range for positional args tuple", n)
			}
			v = args[n]
		} else {
			kv, ok := kw[first]
			if !ok {
				return "", fmt.Errorf("KeyError: %s", pyRepr(first))
			}
			v = kv
		}
		for rest != "" {
			if rest[0] == '.' {
				k := strings.IndexAny(rest[1:], ".[")
				name := rest[1:]
				if k >= 0 {
					name, rest = rest[1:k+1], rest[k+1:]
				} else {
					rest = ""
				}
				v = r.getAttr(v, name)
			} else {
				k := strings.IndexByte(rest, ']')
				if k < 0 {
					return "", fmt.Errorf("Missing ']' in format string")
				}
				key := rest[1:k]
				rest = rest[k+1:]
				var kv any = key
				if n, err := strconv.Atoi(key); err == nil {
					kv = n
				}
				v = r.getItem(v, kv)
			}
			if u, ok := v.(undefined); ok {
				return "", fmt.Errorf("%s", u.msg())
			}
		}
		if strings.Contains(spec, "{") {
			nested, err := r.strFormatDepth(spec, args[auto:], kw, depth+1)
			if err != nil {
				return "", err
			}
			spec = nested
		}
		switch conv {
		case 'r', 'a':
			v = pyRepr(v)
		case 's':
			v = pyStr(v)
		}
		s, err := formatValue(v, spec)
		if err != nil {
			return "", err
		}
		sb.WriteString(s)
		if sb.Len() > maxStringLen {
			return "", fmt.Errorf("string too long")
		}
	}
	return sb.String(), nil
}
