package fnmatch

import "testing"

// Expected values from Python's fnmatch.fnmatchcase (its documentation and
// Lib/test/test_fnmatch.py).
func TestMatch(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"a*", "a/b/c", true}, // '*' crosses '/'
		{"a?c", "a/c", true},
		{"a?c", "a/bc", false},
		{"*", "", true},
		{"abc", "abc", true},
		{"abc", "ABC", false}, // fnmatchcase: case counts
		{"[!a]bc", "xbc", true},
		{"[!a]bc", "abc", false},
		{"[a-c]x", "bx", true},
		{"[]]", "]", true},
		{"[", "[", true}, // an unclosed '[' is a literal
		{"*.txt", "notes.txt\n", false},
		{"a.b", "axb", false},
	}
	for _, c := range cases {
		if got := Match(c.pat, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pat, c.s, got, c.want)
		}
	}
}
