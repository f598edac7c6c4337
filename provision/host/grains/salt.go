package grains

import (
	"fmt"
	"regexp"
	"strconv"
)

// DefaultSaltVersion is the Salt release whose semantics brine implements,
// reported as the saltversion/saltversioninfo grains unless brine.yaml's
// salt_version says otherwise.
const DefaultSaltVersion = "3007.1"

// reSaltVersion is salt/version.py's git_describe_regex, anchored and
// without the git suffix.
var reSaltVersion = regexp.MustCompile(`^v?(\d{1,4})(?:\.(\d{1,2}))?(?:\.(\d{0,2}))?(?:\.(\d{0,2}))?(?:(rc|a|b|alpha|beta|nb)(\d+))?$`)

// SaltVersion returns the saltversion and saltversioninfo grains for a
// Salt release string, as salt/version.py's SaltStackVersion prints them:
// "3007.1" -> "3007.1", [3007, 1]; "3007" -> "3007.0", [3007, 0];
// "3005" -> "3005", [3005]; "2019.2.8" -> "2019.2.8", [2019, 2, 8, 0].
func SaltVersion(v string) (string, []any, error) {
	m := reSaltVersion.FindStringSubmatch(v)
	if m == nil {
		return "", nil, fmt.Errorf("salt_version %q is not a Salt release (e.g. 3007.1, 3006.9, 2019.2.8)", v)
	}
	num := func(s string) int {
		n, _ := strconv.Atoi(s)
		return n
	}
	major, minor, bugfix, mbugfix := num(m[1]), num(m[2]), num(m[3]), num(m[4])
	// new_version: 3000 <= major; can_have_dot_zero: major < 3000 or >= 3006.
	newScheme := major >= 3000
	dotZero := major < 3000 || major >= 3006
	var info []any
	var s string
	switch {
	case newScheme && (minor != 0 || dotZero):
		info = []any{major, minor}
		s = fmt.Sprintf("%d.%d", major, minor)
	case newScheme:
		info = []any{major}
		s = strconv.Itoa(major)
	default:
		info = []any{major, minor, bugfix, mbugfix}
		s = fmt.Sprintf("%d.%d.%d", major, minor, bugfix)
	}
	if mbugfix != 0 {
		s += "." + strconv.Itoa(mbugfix)
	}
	if m[5] != "" {
		s += m[5] + m[6]
	}
	return s, info, nil
}
