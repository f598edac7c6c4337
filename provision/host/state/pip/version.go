package pip

import (
	"cmp"
	"strconv"
	"strings"
)

// compareVersions compares two PEP 440 versions well enough for pip's
// installed-version checks: an optional epoch, the release numbers, then
// dev < a < b < rc < final < post.
func compareVersions(a, b string) int {
	pa, pb := parseVersion(a), parseVersion(b)
	if pa.epoch != pb.epoch {
		return cmp.Compare(pa.epoch, pb.epoch)
	}
	n := max(len(pa.release), len(pb.release))
	for i := 0; i < n; i++ {
		x, y := 0, 0
		if i < len(pa.release) {
			x = pa.release[i]
		}
		if i < len(pb.release) {
			y = pb.release[i]
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	if pa.phase != pb.phase {
		return cmp.Compare(pa.phase, pb.phase)
	}
	return cmp.Compare(pa.num, pb.num)
}

type pepVersion struct {
	epoch   int
	release []int
	phase   int // 0 dev, 1 a, 2 b, 3 rc, 4 final, 5 post
	num     int
}

func parseVersion(s string) pepVersion {
	v := pepVersion{phase: 4}
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "v"))
	if e, rest, ok := strings.Cut(s, "!"); ok {
		v.epoch, _ = strconv.Atoi(e)
		s = rest
	}
	s, _, _ = strings.Cut(s, "+")
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	for _, p := range strings.Split(strings.Trim(s[:i], "."), ".") {
		n, _ := strconv.Atoi(p)
		v.release = append(v.release, n)
	}
	rest := strings.TrimLeft(s[i:], ".-_")
	for _, ph := range []struct {
		tag   string
		phase int
	}{{"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2}, {"rc", 3}, {"c", 3}, {"post", 5}} {
		if strings.HasPrefix(rest, ph.tag) {
			v.phase = ph.phase
			v.num, _ = strconv.Atoi(strings.TrimLeft(rest[len(ph.tag):], ".-_"))
			break
		}
	}
	return v
}
