package fnmatch

import "testing"

// TestIncludeExclude follows salt.utils.stringutils.check_include_exclude.
func TestIncludeExclude(t *testing.T) {
	cases := []struct {
		path       string
		incl, excl any
		want       bool
	}{
		{"a.list", nil, nil, true},
		{"a.list", nil, "*.list", false},
		{"sub/a.list", nil, "*.list", false}, // fnmatch: * crosses /
		{"a.list", nil, []any{"x.list", "a.list"}, false},
		{"a.conf", nil, []any{"x.list", "a.list"}, true},
		{"a.list", nil, []any{}, true},
		{"a.list", nil, "", true},
		{"abc", nil, "E@^a", false},
		{"xabc", nil, "E@b", false}, // re.search, not re.match
		{"xyz", nil, "E@b", true},
		{"a.conf", "*.conf", nil, true},
		{"a.list", "*.conf", nil, false},
		{"a.conf", []any{"*.list", "*.conf"}, "a.*", false},
		{"b.conf", []any{"*.list", "*.conf"}, "a.*", true},
	}
	for _, tc := range cases {
		if got := IncludeExclude(tc.path, tc.incl, tc.excl); got != tc.want {
			t.Errorf("IncludeExclude(%q, %v, %v) = %v, want %v", tc.path, tc.incl, tc.excl, got, tc.want)
		}
	}
}
