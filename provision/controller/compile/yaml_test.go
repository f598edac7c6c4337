package compile

import (
	"strings"
	"testing"
)

func TestAliasBomb(t *testing.T) {
	src := `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
`
	n, err := parseYAML([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nodeValue(n, ""); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("alias bomb: err = %v", err)
	}
}

func TestScalarValues(t *testing.T) {
	src := "mode: 0644\nplain: 0644\nhex: 0x10\nyes_: yes\nq: 'yes'\nn: ~\nf: 1.5\ns: 1.2.3\nt: True\n"
	n, err := parseYAML([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	v, err := nodeValue(n, "")
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	want := map[string]any{"mode": "0644", "plain": 644, "hex": 16, "yes_": true, "q": "yes", "n": nil, "f": 1.5, "s": "1.2.3", "t": true}
	for k, w := range want {
		if m[k] != w {
			t.Errorf("%s = %#v, want %#v", k, m[k], w)
		}
	}
}
