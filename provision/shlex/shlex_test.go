package shlex

import (
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := map[string][]string{
		`a b  c`:                 {"a", "b", "c"},
		`a 'b c' "d e"`:          {"a", "b c", "d e"},
		`a\ b "x\"y" 'p\q'`:      {"a b", `x"y`, `p\q`},
		`--f="a b"c`:             {"--f=a bc"},
		`"x\n"`:                  {`x\n`},
		``:                       nil,
		`echo '' x`:              {"echo", "", "x"},
		"tab\there\nnewline  ":   {"tab", "here", "newline"},
		`grep "a\\b" 'it'"'"'s'`: {"grep", `a\b`, "it's"},
	}
	for in, want := range cases {
		got, err := Split(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Split(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestSplitUnclosed(t *testing.T) {
	for _, in := range []string{`a "b`, `a 'b`} {
		if _, err := Split(in); err == nil || err.Error() != "No closing quotation" {
			t.Errorf("Split(%q): %v", in, err)
		}
	}
}
