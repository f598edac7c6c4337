package shquote

import (
	"os/exec"
	"testing"
)

// TestRoundTrip runs each quoted string through the real /bin/sh and checks
// it comes back byte for byte: the property that matters.
func TestRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	for _, s := range []string{"", "plain", "a b", "it's", `"; touch /tmp/pwned; echo "`, "$(id)", "`id`", "a\nb", "'", "''", `\`, "*", "~root", "-n", "ünï"} {
		for name, q := range map[string]func(string) string{"Quote": Quote, "Arg": Arg} {
			out, err := exec.Command("sh", "-c", "printf %s "+q(s)).Output()
			if err != nil {
				t.Fatalf("%s(%q): %v", name, s, err)
			}
			if string(out) != s {
				t.Errorf("%s(%q) came back as %q", name, s, out)
			}
		}
	}
}

// TestArgIsShlexQuote pins Python's shlex.quote behaviour (from its source:
// safe set [\w@%+=:,./-] with re.ASCII, replacement '"'"').
func TestArgIsShlexQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "''",
		"abc_09":              "abc_09",
		"a@b%c+d=e:f,g.h/i-j": "a@b%c+d=e:f,g.h/i-j",
		"a b":                 "'a b'",
		"it's":                `'it'"'"'s'`,
		"^":                   "'^'",
		"é":                   "'é'",
	} {
		if got := Arg(in); got != want {
			t.Errorf("Arg(%q) = %s, want %s", in, got, want)
		}
	}
}
