package jinja

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"brine/provision/lib/pyfmt"
)

// percentFormat implements Python's "fmt % arg".
func percentFormat(format string, arg any) (string, error) {
	var args []any
	var mapping *pyDict
	if t, ok := arg.(pyTuple); ok {
		args = t
	} else {
		args = []any{arg}
		if d, ok := arg.(*pyDict); ok {
			mapping = d
		}
	}
	usedMapping := false
	ai := 0
	next := func() (any, error) {
		if ai >= len(args) {
			return nil, fmt.Errorf("not enough arguments for format string")
		}
		v := args[ai]
		ai++
		return v, nil
	}
	var sb strings.Builder
	i := 0
	for i < len(format) {
		c := format[i]
		if c != '%' {
			j := strings.IndexByte(format[i:], '%')
			if j < 0 {
				sb.WriteString(format[i:])
				break
			}
			sb.WriteString(format[i : i+j])
			i += j
			continue
		}
		i++
		if i >= len(format) {
			return "", fmt.Errorf("incomplete format")
		}
		var val any
		haveVal := false
		if format[i] == '(' {
			if mapping == nil {
				return "", fmt.Errorf("format requires a mapping")
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
				return "", fmt.Errorf("incomplete format key")
			}
			key := format[i+1 : j-1]
			v, ok := mapping.Get(key)
			if !ok {
				return "", fmt.Errorf("KeyError: %s", pyRepr(key))
			}
			val, haveVal, usedMapping = v, true, true
			i = j
		}
		var spec fmtSpec
		for i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0 {
			switch format[i] {
			case '-':
				spec.align = '<'
			case '+':
				spec.sign = '+'
			case ' ':
				if spec.sign != '+' {
					spec.sign = ' '
				}
			case '#':
				spec.alt = true
			case '0':
				spec.zero = true
			}
			i++
		}
		if i < len(format) && format[i] == '*' {
			v, err := next()
			if err != nil {
				return "", err
			}
			w, ok := v.(int)
			if !ok {
				return "", fmt.Errorf("* wants int")
			}
			if w < 0 {
				spec.align, w = '<', -w
			}
			spec.width = w
			i++
		} else {
			st := i
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				i++
			}
			if i > st {
				spec.width, _ = strconv.Atoi(format[st:i])
			}
		}
		spec.prec = -1
		if i < len(format) && format[i] == '.' {
			i++
			if i < len(format) && format[i] == '*' {
				v, err := next()
				if err != nil {
					return "", err
				}
				p, ok := v.(int)
				if !ok {
					return "", fmt.Errorf("* wants int")
				}
				spec.prec = p
				i++
			} else {
				st := i
				for i < len(format) && format[i] >= '0' && format[i] <= '9' {
					i++
				}
				spec.prec, _ = strconv.Atoi(format[st:i])
			}
		}
		if spec.width > maxStringLen || spec.prec > maxStringLen {
			return "", fmt.Errorf("width or precision too big")
		}
		for i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			return "", fmt.Errorf("incomplete format")
		}
		conv := format[i]
		i++
		if conv == '%' {
			sb.WriteByte('%')
			continue
		}
		if !haveVal {
			v, err := next()
			if err != nil {
				return "", err
			}
			val = v
		}
		if spec.align == 0 {
			spec.align = '>'
		}
		var s string
		switch conv {
		case 's':
			s = pyStr(val)
			if spec.prec >= 0 {
				rs := []rune(s)
				if spec.prec < len(rs) {
					s = string(rs[:spec.prec])
				}
			}
			spec.zero = false
		case 'r', 'a':
			s = pyRepr(val)
			spec.zero = false
		case 'd', 'i', 'u':
			n, ok := asIntTrunc(val)
			if !ok {
				return "", fmt.Errorf("%%%c format: a real number is required, not %s", conv, typeName(val))
			}
			s = formatIntSpec(n, 'd', spec)
		case 'x', 'X', 'o':
			n, ok := val.(int)
			if b, isB := val.(bool); isB {
				n, ok = map[bool]int{true: 1}[b], true
			}
			if !ok {
				return "", fmt.Errorf("%%%c format: an integer is required, not %s", conv, typeName(val))
			}
			s = formatIntSpec(n, conv, spec)
		case 'f', 'F', 'e', 'E', 'g', 'G':
			f, ok := toNumber(val)
			if !ok {
				return "", fmt.Errorf("must be real number, not %s", typeName(val))
			}
			if spec.prec < 0 {
				spec.prec = 6
			}
			s = formatFloatSpec(f, conv, spec)
		case 'c':
			switch v := val.(type) {
			case int:
				if v < 0 || v > 0x10ffff {
					return "", fmt.Errorf("%%c arg not in range(0x110000)")
				}
				s = string(rune(v))
			case string:
				if len([]rune(v)) != 1 {
					return "", fmt.Errorf("%%c requires int or char")
				}
				s = v
			default:
				return "", fmt.Errorf("%%c requires int or char")
			}
			spec.zero = false
		default:
			return "", fmt.Errorf("unsupported format character '%c' (0x%x) at index %d", conv, conv, i-1)
		}
		sb.WriteString(applyWidth(s, spec))
		if sb.Len() > maxStringLen {
			return "", fmt.Errorf("string too long")
		}
	}
	_, isList := arg.(*pyList)
	_, isUndef := arg.(undefined)
	if ai < len(args) && !usedMapping && mapping == nil && !isList && !isUndef {
		return "", fmt.Errorf("not all arguments converted during string formatting")
	}
	return sb.String(), nil
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

// parseFormatSpec parses a str.format spec: [[fill]align][sign][#][0][width][,_][.precision][type].
func parseFormatSpec(s string) (fmtSpec, error) {
	spec := fmtSpec{prec: -1}
	rs := []rune(s)
	i := 0
	isAlign := func(c rune) bool { return c == '<' || c == '>' || c == '^' || c == '=' }
	if len(rs) >= 2 && isAlign(rs[1]) {
		spec.fill, spec.align = string(rs[0]), byte(rs[1])
		i = 2
	} else if len(rs) >= 1 && isAlign(rs[0]) {
		spec.align = byte(rs[0])
		i = 1
	}
	if i < len(rs) && (rs[i] == '+' || rs[i] == '-' || rs[i] == ' ') {
		spec.sign = byte(rs[i])
		i++
	}
	if i < len(rs) && rs[i] == '#' {
		spec.alt = true
		i++
	}
	if i < len(rs) && rs[i] == '0' {
		spec.zero = true
		i++
	}
	st := i
	for i < len(rs) && rs[i] >= '0' && rs[i] <= '9' {
		i++
	}
	if i > st {
		w, err := strconv.Atoi(string(rs[st:i]))
		if err != nil || w > maxStringLen {
			return spec, fmt.Errorf("too many decimal digits in format string")
		}
		spec.width = w
	}
	if i < len(rs) && (rs[i] == ',' || rs[i] == '_') {
		spec.comma = byte(rs[i])
		i++
	}
	if i < len(rs) && rs[i] == '.' {
		i++
		st = i
		for i < len(rs) && rs[i] >= '0' && rs[i] <= '9' {
			i++
		}
		if i == st {
			return spec, fmt.Errorf("format specifier missing precision")
		}
		p, err := strconv.Atoi(string(rs[st:i]))
		if err != nil || p > maxStringLen {
			return spec, fmt.Errorf("too many decimal digits in format string")
		}
		spec.prec = p
	}
	if i < len(rs) {
		spec.typ = byte(rs[i])
		i++
	}
	if i < len(rs) {
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
