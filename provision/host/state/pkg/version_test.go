package pkg

import "testing"

func TestCompareVersions(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "1.1", -1},
		{"1.10", "1.9", 1},
		{"1.0~rc1", "1.0", -1},
		{"1:0.9", "2.0", 1},
		{"2.36-9+deb12u4", "2.36-9+deb12u10", -1},
		{"7.88.1-10+deb12u5", "7.88.1-10", 1},
		{"1.0a", "1.0", 1},
		{"1.0-1", "1.0-1~bpo1", 1},
		{"001.2", "1.2", 0},
	}
	for _, c := range cases {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := CompareVersions(c.b, c.a); got != -c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

func TestSatisfiesSpecs(t *testing.T) {
	cases := []struct {
		v, spec string
		ok      bool
	}{
		{"5.2.15-2", ">=5.2", true},
		{"5.1", ">=5.2", false},
		{"5.2.15-2", ">=5.2,<6", true},
		{"6.0", ">=5.2,<6", false},
		{"1.0", "!=1.0", false},
		{"1.0", "==1.0", true},
		{"1:1.0", "=1.0", true},
	}
	for _, c := range cases {
		if got := Satisfies(c.v, c.spec); got != c.ok {
			t.Errorf("Satisfies(%q, %q) = %v", c.v, c.spec, got)
		}
	}
	if HasOperator("1.2*") || !HasOperator(">1") {
		t.Error("HasOperator")
	}
}
