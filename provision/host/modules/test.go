package modules

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"brine/provision/lib/pyfmt"
	"brine/provision/lib/sourcehash"
	"brine/provision/wire/funcs"
)

// testFuncs are salt/modules/test.py's functions.
func testFuncs() map[string]fn {
	always := func(v any) fn { return fn{run: func(*call) (any, error) { return v, nil }} }
	return map[string]fn{
		"test.ping":            always(true),
		"test.true":            always(true),
		"test.false":           always(false),
		"test.version":         {run: func(c *call) (any, error) { return c.saltVersion(), nil }},
		"test.versions_report": {run: versionsReport},
		"test.versions":        {run: versionsReport},
		"test.echo":            {run: func(c *call) (any, error) { return c.a["text"], nil }},
		"test.outputter":       {run: func(c *call) (any, error) { return c.a["data"], nil }},
		"test.arg": {run: func(c *call) (any, error) {
			return map[string]any{"args": c.restList(), "kwargs": c.kwargs()}, nil
		}},
		"test.kwarg": {run: func(c *call) (any, error) { return c.kwargs(), nil }},
		"test.arg_type": {run: func(c *call) (any, error) {
			args := []any{}
			for _, a := range c.rest {
				args = append(args, "<class '"+pyfmt.TypeName(a)+"'>")
			}
			kw := map[string]any{}
			for k, v := range c.kw {
				kw[k] = "<class '" + pyfmt.TypeName(v) + "'>"
			}
			return map[string]any{"args": args, "kwargs": kw}, nil
		}},
		"test.arg_repr": {run: func(c *call) (any, error) {
			return map[string]any{"args": pyTupleRepr(c.rest), "kwargs": c.kwargsRepr()}, nil
		}},
		"test.sleep": {run: func(c *call) (any, error) {
			n, err := pyInt(c.a["length"])
			if err != nil {
				return nil, err
			}
			if n < 0 {
				return nil, funcs.Raise("ValueError", "sleep length must be non-negative")
			}
			t := time.NewTimer(time.Duration(n) * time.Second)
			defer t.Stop()
			select {
			case <-t.C:
			case <-c.ctx.Done():
				return nil, fmt.Errorf("test.sleep stopped: %v", c.ctx.Err())
			}
			return true, nil
		}},
		"test.retcode": {run: func(c *call) (any, error) {
			n, err := pyInt(c.a["code"])
			if err != nil {
				return nil, err
			}
			c.retcode = n
			return true, nil
		}},
		"test.exception": {run: func(c *call) (any, error) {
			return nil, &funcs.Exception{Type: "Exception", Msg: c.str("message")}
		}},
		"test.fib": {run: fib},
		"test.random_hash": {run: func(c *call) (any, error) {
			size, err := pyInt(c.a["size"])
			if err != nil {
				return nil, err
			}
			if size < 1 {
				return nil, funcs.Raise("ValueError", "empty range for randrange() (1, %d, %d)", size+1, size)
			}
			form := c.str("hash_type")
			if form == "" {
				form = "sha256"
			}
			n := rand.Uint64N(uint64(size)) + 1
			h, ok := sourcehash.New(form)
			if !ok {
				return nil, funcs.Raise("ValueError", "unsupported hash type %s", form)
			}
			h.Write([]byte(strconv.FormatUint(n, 10)))
			return hex.EncodeToString(h.Sum(nil)), nil
		}},
	}
}

// saltVersion is the Salt release brine answers as: the saltversion grain.
func (c *call) saltVersion() string {
	if v, ok := c.env.Grains["saltversion"].(string); ok && v != "" {
		return v
	}
	return "3007.1"
}

// versionsReport is test.versions_report in Salt's layout (keys right
// aligned to 14, sections apart by " "), with brine's components in place
// of Python's: the Salt release brine answers as, brine's executor and Go,
// and the system's versions as Salt reports them.
func versionsReport(c *call) (any, error) {
	g := c.env.Grains
	str := func(k string) string { s, _ := g[k].(string); return s }
	dist := strings.TrimSpace(strings.ToLower(str("os")) + " " + str("osrelease") + " " + str("oscodename"))
	version := strings.TrimSpace(str("osfullname") + " " + str("osrelease") + " " + str("oscodename"))
	sections := []struct {
		title string
		rows  [][2]string
	}{
		{"Salt Version", [][2]string{{"Salt", c.saltVersion()}}},
		{"brine Version", [][2]string{{"brine-exec", str("brine_version")}, {"Go", strings.TrimPrefix(runtime.Version(), "go")}}},
		{"System Versions", [][2]string{{"dist", dist}, {"locale", "utf-8"}, {"machine", str("cpuarch")},
			{"release", str("kernelrelease")}, {"system", str("kernel")}, {"version", version}}},
	}
	var b strings.Builder
	for _, s := range sections {
		b.WriteString(s.title + ":\n")
		for _, r := range s.rows {
			fmt.Fprintf(&b, "%14s: %s\n", r[0], r[1])
		}
		b.WriteString(" \n")
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// fib is test.fib: [the num-th Fibonacci number, seconds taken].
func fib(c *call) (any, error) {
	n, err := pyInt(c.a["num"])
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, funcs.Raise("ValueError", "Negative number is not allowed!")
	}
	start := time.Now()
	if n < 2 {
		return []any{n, time.Since(start).Seconds()}, nil
	}
	// decimal digits, least significant first: Python's ints are unbounded
	prev, cur := []byte{0}, []byte{1}
	for i := 1; i < n; i++ {
		if i%4096 == 0 && c.ctx.Err() != nil {
			return nil, c.ctx.Err()
		}
		prev, cur = cur, addDecimal(prev, cur)
	}
	digits := make([]byte, len(cur))
	for i, d := range cur {
		digits[len(cur)-1-i] = '0' + d
	}
	var v any = string(digits)
	if x, err := strconv.Atoi(string(digits)); err == nil {
		v = x
	}
	return []any{v, time.Since(start).Seconds()}, nil
}

// addDecimal adds two numbers held as decimal digits, least significant
// first.
func addDecimal(a, b []byte) []byte {
	out := make([]byte, 0, max(len(a), len(b))+1)
	carry := byte(0)
	for i := 0; i < len(a) || i < len(b) || carry > 0; i++ {
		d := carry
		if i < len(a) {
			d += a[i]
		}
		if i < len(b) {
			d += b[i]
		}
		out = append(out, d%10)
		carry = d / 10
	}
	return out
}

// pyInt is Python's int(v): ints, whole floats truncated, strings of
// digits; anything else Python's ValueError.
func pyInt(v any) (int, error) {
	switch t := v.(type) {
	case int:
		return t, nil
	case bool:
		if t {
			return 1, nil
		}
		return 0, nil
	case float64:
		return int(t), nil
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(t, "_", "")))
		if err != nil {
			return 0, funcs.Raise("ValueError", "invalid literal for int() with base 10: %s", pyfmt.Repr(t))
		}
		return n, nil
	}
	return 0, funcs.Raise("TypeError", "int() argument must be a string, a bytes-like object or a real number, not '%s'", pyfmt.TypeName(v))
}

// restList is *args as a list.
func (c *call) restList() []any {
	if c.rest == nil {
		return []any{}
	}
	return c.rest
}

// kwargs is **kwargs as a dict.
func (c *call) kwargs() map[string]any {
	if c.kw == nil {
		return map[string]any{}
	}
	return c.kw
}

// kwargsRepr is repr(kwargs): the keywords as given, then Salt's __pub_*
// data in the order salt-call adds it.
func (c *call) kwargsRepr() string {
	var keys []string
	seen := map[string]bool{}
	for _, k := range append(append([]string{}, c.order...), "__pub_fun", "__pub_pid", "__pub_jid", "__pub_tgt") {
		if _, ok := c.kw[k]; ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range c.kw {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	keys = append(keys, rest...)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = pyfmt.Repr(k) + ": " + pyfmt.Repr(c.kw[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// pyTupleRepr is repr(tuple(v)).
func pyTupleRepr(v []any) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = pyfmt.Repr(x)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
