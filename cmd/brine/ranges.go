package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// maxHosts bounds counts of hosts (--max-procs, --batch-size N...): more
// than any one controller runs.
const maxHosts = 100000

// numberRange is the allowed range of one numeric flag.
type numberRange struct {
	name     string
	min, max float64
	// minOpen excludes min itself (a timeout of 0 is none).
	minOpen bool
	// what the number counts, for the message.
	unit string
}

// numberRanges are the numeric flags and the values each allows; a value
// outside is a usage error naming the flag and its range.
var numberRanges = []numberRange{
	{name: "timeout", min: 0, minOpen: true, max: 86400, unit: "seconds"},
	{name: "keepalive", min: 0, max: 86400, unit: "seconds (0: off)"},
	{name: "run-timeout", min: 0, max: 7 * 86400, unit: "seconds (0: no limit)"},
	{name: "lock-timeout", min: 0, max: 86400, unit: "seconds (0: do not wait)"},
	{name: "max-procs", min: 1, max: maxHosts, unit: "hosts"},
	{name: "max-handshakes", min: 1, max: maxHosts, unit: "handshakes"},
	{name: "max-jobs", min: 0, max: math.MaxInt32, unit: "jobs (0: all)"},
	{name: "out-indent", min: -1000, max: 64, unit: "spaces (negative: none)"},
	{name: "scan-timeout", min: 0, minOpen: true, max: 60, unit: "seconds"},
}

// checkNumbers range-checks every numeric flag (a usage error, exit 2,
// naming the flag and its range).
func checkNumbers(c *cli.Context) error {
	for _, r := range numberRanges {
		if !c.IsSet(r.name) {
			continue
		}
		var v float64
		switch f, _ := flagByName(c.App.Flags, r.name); f.(type) {
		case *cli.IntFlag:
			v = float64(c.Int(r.name))
		default:
			v = c.Float64(r.name)
		}
		if err := r.check(v); err != nil {
			return err
		}
	}
	return nil
}

func (r numberRange) check(v float64) error {
	if math.IsNaN(v) || v < r.min || r.minOpen && v == r.min || v > r.max {
		low := "from " + strconv.FormatFloat(r.min, 'f', -1, 64)
		if r.minOpen {
			low = "above " + strconv.FormatFloat(r.min, 'f', -1, 64)
		}
		return usagef("--%s %s: want %s up to %s %s", r.name, strconv.FormatFloat(v, 'f', -1, 64), low, strconv.FormatFloat(r.max, 'f', -1, 64), r.unit)
	}
	return nil
}

// sizeRange is the allowed range of one byte-size flag.
type sizeRange struct {
	name     string
	min, max int64
}

// sizeRanges are the caps on what a host may send (see dispatch.Runner).
var sizeRanges = []sizeRange{
	{"max-answer", 64 << 10, 4 << 30},
	{"max-stderr", 4 << 10, 1 << 30},
	{"max-output", 4 << 10, 1 << 30},
}

// capSizes reads --max-answer, --max-stderr and --max-output, in that
// order; an unset flag is 0 (the runner's default).
func capSizes(c *cli.Context) ([3]int64, error) {
	var out [3]int64
	for i, r := range sizeRanges {
		if !c.IsSet(r.name) {
			continue
		}
		n, err := parseSize(c.String(r.name))
		if err == nil && (n < r.min || n > r.max) {
			err = fmt.Errorf("out of range")
		}
		if err != nil {
			return out, usagef("--%s %q: want a size from %s up to %s (a number of bytes, or with KiB, MiB, GiB; K, M, G are the same)", r.name, c.String(r.name), sizeText(r.min), sizeText(r.max))
		}
		out[i] = n
	}
	return out, nil
}

// parseSize reads 64MiB, 64M, 65536 (binary units).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	lower := strings.ToLower(t)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}} {
		if strings.HasSuffix(lower, u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.m
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("not a size")
	}
	return n * mult, nil
}

// sizeText writes a size in the largest binary unit that divides it.
func sizeText(n int64) string {
	for _, u := range []struct {
		name string
		m    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n%u.m == 0 {
			return strconv.FormatInt(n/u.m, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// splitCommas flattens repeatable, comma-separated flag values.
func splitCommas(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
