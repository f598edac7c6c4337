package shlex

import (
	"reflect"
	"testing"
)

// The expected words are CPython 3.11's shlex.split(s) and
// shlex.split(s, comments=True) of the same strings.
func TestSplit(t *testing.T) {
	cases := []struct {
		in            string
		want, comment []string
	}{
		{`a b  c`, []string{"a", "b", "c"}, nil},
		{`a 'b c' "d e"`, []string{"a", "b c", "d e"}, nil},
		{`a\ b "x\"y" 'p\q'`, []string{"a b", `x"y`, `p\q`}, nil},
		{`--f="a b"c`, []string{"--f=a bc"}, nil},
		{`"x\n"`, []string{`x\n`}, nil},
		{``, nil, nil},
		{`echo '' x`, []string{"echo", "", "x"}, nil},
		{"tab\there\nnewline  ", []string{"tab", "here", "newline"}, nil},
		{`grep "a\\b" 'it'"'"'s'`, []string{"grep", `a\b`, "it's"}, nil},
		{`x "\$HOME \` + "`y\\`" + `"`, []string{"x", `\$HOME \` + "`y\\`"}, nil},
		{"a\\\nb", []string{"a\nb"}, nil},
		{`k="a \"q\" \\ \n"`, []string{`k=a "q" \ \n`}, nil},
		{`a\ b c # comment`, []string{"a b", "c", "#", "comment"}, []string{"a b", "c"}},
		{`pw=ab#cd`, []string{"pw=ab#cd"}, []string{"pw=ab"}},
		{`s="'03#pa33w0rd'"`, []string{"s='03#pa33w0rd'"}, []string{"s='03#pa33w0rd'"}},
		{"a#b\nc d", []string{"a#b", "c", "d"}, []string{"a", "c", "d"}},
		{`''#x`, []string{"#x"}, []string{""}},
		{"#only", []string{"#only"}, nil},
		{"x # y\nz", []string{"x", "#", "y", "z"}, []string{"x", "z"}},
	}
	for _, c := range cases {
		got, err := Split(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Split(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		wantC := c.comment
		if wantC == nil && !containsHash(c.in) {
			wantC = c.want
		}
		got, err = SplitComments(c.in)
		if err != nil || !reflect.DeepEqual(got, wantC) {
			t.Errorf("SplitComments(%q) = %q, %v; want %q", c.in, got, err, wantC)
		}
	}
}

func containsHash(s string) bool {
	for i := range s {
		if s[i] == '#' {
			return true
		}
	}
	return false
}

func TestSplitErrors(t *testing.T) {
	for in, want := range map[string]string{`a "b`: "No closing quotation", `a 'b`: "No closing quotation", `a\`: "No escaped character"} {
		for _, split := range []func(string) ([]string, error){Split, SplitComments} {
			if _, err := split(in); err == nil || err.Error() != want {
				t.Errorf("split(%q): %v, want %s", in, err, want)
			}
		}
	}
}
