package file

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"brine/provision/lib/pyfmt"
)

// The serializers below write what Salt's salt/serializers write with the
// Python libraries behind them (toml 0.10, configparser, plistlib, msgpack,
// pprint). Python keeps the SLS order of a dictionary; on the host that
// order is gone, so keys are sorted (plistlib and json sort them anyway).

// ---- toml (python toml 0.10 dumps) ----

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func tomlKey(k string) string {
	if bareKey.MatchString(k) {
		return k
	}
	return tomlString(k)
}

// tomlString is toml's _dump_str: Python's repr, double-quoted.
func tomlString(s string) string {
	r := pyfmt.Repr(s)
	single := strings.HasPrefix(r, "'")
	r = r[1 : len(r)-1]
	if single {
		r = strings.ReplaceAll(r, `\'`, "'")
	}
	r = strings.ReplaceAll(r, `"`, `\"`)
	r = regexp.MustCompile(`\\x([0-9a-f]{2})`).ReplaceAllString(r, `\u00$1`)
	return `"` + r + `"`
}

func tomlValue(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return tomlString(t), nil
	case bool:
		return strconv.FormatBool(t), nil
	case int:
		return strconv.Itoa(t), nil
	case float64:
		s := pyfmt.Repr(t)
		s = strings.ReplaceAll(strings.ReplaceAll(s, "e+0", "e+"), "e-0", "e-")
		return s, nil
	case []any:
		var b strings.Builder
		b.WriteString("[")
		for _, e := range t {
			s, err := tomlValue(e)
			if err != nil {
				return "", err
			}
			b.WriteString(" " + s + ",")
		}
		b.WriteString("]")
		return b.String(), nil
	case map[string]any:
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(t)) {
			s, err := tomlValue(t[k])
			if err != nil {
				return "", err
			}
			parts = append(parts, tomlKey(k)+" = "+s)
		}
		return "{ " + strings.Join(parts, ", ") + " }", nil
	case nil:
		return "", fmt.Errorf("toml cannot write None")
	}
	return "", fmt.Errorf("toml cannot write %T", v)
}

// tomlSections is toml's dump_sections: the key = value lines of o and
// its sub-tables (arrays of tables written in place).
func tomlSections(o map[string]any, sup string) (string, []string, map[string]map[string]any, error) {
	if sup != "" && !strings.HasSuffix(sup, ".") {
		sup += "."
	}
	var ret, arrays strings.Builder
	var subOrder []string
	subs := map[string]map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(o)) {
		qk := tomlKey(k)
		v := o[k]
		if m, ok := v.(map[string]any); ok {
			subOrder = append(subOrder, qk)
			subs[qk] = m
			continue
		}
		if l, ok := v.([]any); ok && hasTable(l) {
			for _, e := range l {
				m, _ := e.(map[string]any)
				arrays.WriteString("[[" + sup + qk + "]]\n")
				s, order, d, err := tomlSections(m, sup+qk)
				if err != nil {
					return "", nil, nil, err
				}
				tab := "\n"
				if strings.HasPrefix(s, "[") {
					tab += s
				} else {
					arrays.WriteString(s)
				}
				for len(order) > 0 {
					var nextOrder []string
					next := map[string]map[string]any{}
					for _, ds := range order {
						s1, o1, d1, err := tomlSections(d[ds], sup+qk+"."+ds)
						if err != nil {
							return "", nil, nil, err
						}
						if s1 != "" {
							tab += "[" + sup + qk + "." + ds + "]\n" + s1
						}
						for _, x := range o1 {
							nextOrder = append(nextOrder, ds+"."+x)
							next[ds+"."+x] = d1[x]
						}
					}
					order, d = nextOrder, next
				}
				arrays.WriteString(tab)
			}
			continue
		}
		if v == nil {
			continue
		}
		s, err := tomlValue(v)
		if err != nil {
			return "", nil, nil, err
		}
		ret.WriteString(qk + " = " + s + "\n")
	}
	ret.WriteString(arrays.String())
	return ret.String(), subOrder, subs, nil
}

func hasTable(l []any) bool {
	for _, e := range l {
		if _, ok := e.(map[string]any); ok {
			return true
		}
	}
	return false
}

// tomlDumps is toml.dumps.
func tomlDumps(v any) (string, error) {
	o, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("toml can only write a dictionary")
	}
	out, order, secs, err := tomlSections(o, "")
	if err != nil {
		return "", err
	}
	for len(order) > 0 {
		var nextOrder []string
		next := map[string]map[string]any{}
		for _, name := range order {
			s, o1, d1, err := tomlSections(secs[name], name)
			if err != nil {
				return "", err
			}
			if s != "" || len(o1) == 0 {
				if out != "" && !strings.HasSuffix(out, "\n\n") {
					out += "\n"
				}
				out += "[" + name + "]\n" + s
			}
			for _, x := range o1 {
				nextOrder = append(nextOrder, name+"."+x)
				next[name+"."+x] = d1[x]
			}
		}
		order, secs = nextOrder, next
	}
	// toml's output ends with a newline and file.serialize adds one more,
	// as under Salt
	return out, nil
}

// ---- configparser (ConfigParser.write) ----

func configParserDumps(v any) (string, error) {
	o, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("configparser can only serialize dictionaries, not %s", pyfmt.TypeName(v))
	}
	var b strings.Builder
	section := func(name string, body map[string]any) error {
		b.WriteString("[" + name + "]\n")
		for _, k := range slices.Sorted(maps.Keys(body)) {
			val := body[k]
			if val == nil {
				return fmt.Errorf("option values must be strings")
			}
			s := strings.ReplaceAll(pyfmt.Str(val), "\n", "\n\t")
			b.WriteString(strings.ToLower(k) + " = " + s + "\n")
		}
		b.WriteString("\n")
		return nil
	}
	get := func(k string) (map[string]any, error) {
		m, ok := o[k].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("'%s' object has no attribute 'items'", pyfmt.TypeName(o[k]))
		}
		return m, nil
	}
	if _, ok := o["DEFAULT"]; ok {
		m, err := get("DEFAULT")
		if err != nil {
			return "", err
		}
		if len(m) > 0 {
			if err := section("DEFAULT", m); err != nil {
				return "", err
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(o)) {
		if k == "DEFAULT" {
			continue
		}
		m, err := get(k)
		if err != nil {
			return "", err
		}
		if err := section(k, m); err != nil {
			return "", err
		}
	}
	// file.serialize adds one more newline after ConfigParser's blank line
	return b.String(), nil
}

// ---- keyvalue (salt.serializers.keyvalue) ----

func keyValueDumps(v any) (string, error) {
	var lines []string
	switch t := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			lines = append(lines, k+"="+pyfmt.Str(t[k]))
		}
	case []any:
		for _, e := range t {
			p, ok := e.([]any)
			if !ok || len(p) != 2 {
				return "", fmt.Errorf("keyvalue needs a dictionary or a list of [key, value] pairs")
			}
			lines = append(lines, pyfmt.Str(p[0])+"="+pyfmt.Str(p[1]))
		}
	default:
		return "", fmt.Errorf("Input validation failed. Iterable required.")
	}
	return strings.Join(lines, "\n"), nil
}

// ---- plist (plistlib.dumps, XML) ----

func plistDumps(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
		"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n" +
		"<plist version=\"1.0\">\n")
	if err := plistValue(&b, v, 0); err != nil {
		return nil, err
	}
	b.WriteString("</plist>\n")
	return b.Bytes(), nil
}

func plistEscape(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "&", "&amp;")
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, ">", "&gt;")
}

func plistValue(b *bytes.Buffer, v any, depth int) error {
	ind := strings.Repeat("\t", depth)
	switch t := v.(type) {
	case string:
		b.WriteString(ind + "<string>" + plistEscape(t) + "</string>\n")
	case bool:
		if t {
			b.WriteString(ind + "<true/>\n")
		} else {
			b.WriteString(ind + "<false/>\n")
		}
	case int:
		b.WriteString(ind + "<integer>" + strconv.Itoa(t) + "</integer>\n")
	case float64:
		b.WriteString(ind + "<real>" + pyfmt.Repr(t) + "</real>\n")
	case map[string]any:
		if len(t) == 0 {
			b.WriteString(ind + "<dict/>\n")
			return nil
		}
		b.WriteString(ind + "<dict>\n")
		for _, k := range slices.Sorted(maps.Keys(t)) {
			b.WriteString(ind + "\t<key>" + plistEscape(k) + "</key>\n")
			if err := plistValue(b, t[k], depth+1); err != nil {
				return err
			}
		}
		b.WriteString(ind + "</dict>\n")
	case []any:
		if len(t) == 0 {
			b.WriteString(ind + "<array/>\n")
			return nil
		}
		b.WriteString(ind + "<array>\n")
		for _, e := range t {
			if err := plistValue(b, e, depth+1); err != nil {
				return err
			}
		}
		b.WriteString(ind + "</array>\n")
	default:
		return fmt.Errorf("unsupported type: %s", pyfmt.TypeName(v))
	}
	return nil
}

// ---- msgpack (msgpack.packb, use_bin_type) ----

func msgpackDumps(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := msgpackValue(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func msgpackLen(b *bytes.Buffer, n int, fix, fixMax byte, c8, c16, c32 byte) {
	switch {
	case n <= int(fixMax):
		b.WriteByte(fix | byte(n))
	case c8 != 0 && n <= math.MaxUint8:
		b.WriteByte(c8)
		b.WriteByte(byte(n))
	case n <= math.MaxUint16:
		b.WriteByte(c16)
		binary.Write(b, binary.BigEndian, uint16(n))
	default:
		b.WriteByte(c32)
		binary.Write(b, binary.BigEndian, uint32(n))
	}
}

func msgpackValue(b *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case nil:
		b.WriteByte(0xc0)
	case bool:
		if t {
			b.WriteByte(0xc3)
		} else {
			b.WriteByte(0xc2)
		}
	case int:
		msgpackInt(b, int64(t))
	case float64:
		b.WriteByte(0xcb)
		binary.Write(b, binary.BigEndian, math.Float64bits(t))
	case string:
		msgpackLen(b, len(t), 0xa0, 31, 0xd9, 0xda, 0xdb)
		b.WriteString(t)
	case []any:
		msgpackLen(b, len(t), 0x90, 15, 0, 0xdc, 0xdd)
		for _, e := range t {
			if err := msgpackValue(b, e); err != nil {
				return err
			}
		}
	case map[string]any:
		msgpackLen(b, len(t), 0x80, 15, 0, 0xde, 0xdf)
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if err := msgpackValue(b, k); err != nil {
				return err
			}
			if err := msgpackValue(b, t[k]); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("can not serialize %s object", pyfmt.TypeName(v))
	}
	return nil
}

func msgpackInt(b *bytes.Buffer, n int64) {
	switch {
	case n >= 0 && n <= 127:
		b.WriteByte(byte(n))
	case n < 0 && n >= -32:
		b.WriteByte(byte(int8(n)))
	case n >= 0 && n <= math.MaxUint8:
		b.WriteByte(0xcc)
		b.WriteByte(byte(n))
	case n >= 0 && n <= math.MaxUint16:
		b.WriteByte(0xcd)
		binary.Write(b, binary.BigEndian, uint16(n))
	case n >= 0 && n <= math.MaxUint32:
		b.WriteByte(0xce)
		binary.Write(b, binary.BigEndian, uint32(n))
	case n >= 0:
		b.WriteByte(0xcf)
		binary.Write(b, binary.BigEndian, uint64(n))
	case n >= math.MinInt8:
		b.WriteByte(0xd0)
		b.WriteByte(byte(int8(n)))
	case n >= math.MinInt16:
		b.WriteByte(0xd1)
		binary.Write(b, binary.BigEndian, int16(n))
	case n >= math.MinInt32:
		b.WriteByte(0xd2)
		binary.Write(b, binary.BigEndian, int32(n))
	default:
		b.WriteByte(0xd3)
		binary.Write(b, binary.BigEndian, n)
	}
}

// ---- python (pprint.pformat, width 80) ----

// pformat lays data out as pprint.pformat does: the repr when it fits in
// 80 columns, otherwise one dictionary item or list element per line,
// indented under its opening bracket (long strings are not split).
func pformat(v any) (string, error) {
	return pfmt(v, 0, 0), nil
}

func pfmt(v any, indent, allowance int) string {
	rep := pyfmt.Repr(v)
	if len(rep) <= 80-indent-allowance {
		return rep
	}
	switch t := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(t))
		parts := make([]string, len(keys))
		for i, k := range keys {
			kr := pyfmt.Repr(k)
			last := 1
			if i == len(keys)-1 {
				last = allowance + 1
			}
			parts[i] = kr + ": " + pfmt(t[k], indent+1+len(kr)+2, last)
		}
		return "{" + strings.Join(parts, ",\n"+strings.Repeat(" ", indent+1)) + "}"
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			last := 1
			if i == len(t)-1 {
				last = allowance + 1
			}
			parts[i] = pfmt(e, indent+1, last)
		}
		return "[" + strings.Join(parts, ",\n"+strings.Repeat(" ", indent+1)) + "]"
	}
	return rep
}
