package pkg

import (
	"strconv"
	"strings"
)

// CompareVersions compares two package versions with dpkg's algorithm
// (epoch, then upstream version, then revision; "~" sorts before
// everything). It is exact for Debian and a close approximation for rpm and
// apk versions. It returns -1, 0 or 1.
func CompareVersions(a, b string) int {
	ea, ua, ra := splitVersion(a)
	eb, ub, rb := splitVersion(b)
	if ea != eb {
		if ea < eb {
			return -1
		}
		return 1
	}
	if c := verrevcmp(ua, ub); c != 0 {
		return c
	}
	return verrevcmp(ra, rb)
}

func splitVersion(v string) (int, string, string) {
	epoch := 0
	if i := strings.IndexByte(v, ':'); i > 0 {
		if n, err := strconv.Atoi(v[:i]); err == nil {
			epoch, v = n, v[i+1:]
		}
	}
	rev := ""
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		v, rev = v[:i], v[i+1:]
	}
	return epoch, v, rev
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// order is dpkg's weight of a non-digit character.
func order(c byte) int {
	switch {
	case isDigit(c):
		return 0
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return int(c)
	case c == '~':
		return -1
	}
	return int(c) + 256
}

func verrevcmp(a, b string) int {
	sign := func(n int) int {
		switch {
		case n < 0:
			return -1
		case n > 0:
			return 1
		}
		return 0
	}
	for len(a) > 0 || len(b) > 0 {
		for (len(a) > 0 && !isDigit(a[0])) || (len(b) > 0 && !isDigit(b[0])) {
			ac, bc := 0, 0
			if len(a) > 0 {
				ac = order(a[0])
			}
			if len(b) > 0 {
				bc = order(b[0])
			}
			if ac != bc {
				return sign(ac - bc)
			}
			a, b = a[1:], b[1:]
		}
		for len(a) > 0 && a[0] == '0' {
			a = a[1:]
		}
		for len(b) > 0 && b[0] == '0' {
			b = b[1:]
		}
		first := 0
		for len(a) > 0 && isDigit(a[0]) && len(b) > 0 && isDigit(b[0]) {
			if first == 0 {
				first = int(a[0]) - int(b[0])
			}
			a, b = a[1:], b[1:]
		}
		if len(a) > 0 && isDigit(a[0]) {
			return 1
		}
		if len(b) > 0 && isDigit(b[0]) {
			return -1
		}
		if first != 0 {
			return sign(first)
		}
	}
	return 0
}

// constraint is one "op version" of a version spec such as ">=1.2,<2".
type constraint struct{ op, version string }

// parseSpec splits a version spec into constraints; ok is false for a plain
// version or glob (no operator).
func parseSpec(spec string) ([]constraint, bool) {
	var out []constraint
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		op := ""
		for _, o := range []string{">=", "<=", "==", "!=", ">", "<", "="} {
			if strings.HasPrefix(part, o) {
				op = o
				break
			}
		}
		if op == "" {
			return nil, false
		}
		out = append(out, constraint{op, strings.TrimSpace(part[len(op):])})
	}
	return out, len(out) > 0
}

// HasOperator reports whether a version spec uses comparison operators.
func HasOperator(spec string) bool {
	_, ok := parseSpec(spec)
	return ok
}

// matchSpec reports whether version v meets every constraint.
func matchSpec(v string, cs []constraint) bool {
	for _, c := range cs {
		r := CompareVersions(v, c.version)
		ok := false
		switch c.op {
		case ">=":
			ok = r >= 0
		case "<=":
			ok = r <= 0
		case ">":
			ok = r > 0
		case "<":
			ok = r < 0
		case "!=":
			ok = r != 0
		default:
			ok = r == 0 || Satisfies(v, c.version)
		}
		if !ok {
			return false
		}
	}
	return true
}
