package termtext

import "testing"

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain text\n\tindented":          "plain text\n\tindented",
		"":                                "",
		"\x1b[2J\x1b]0;owned\x07":         `\x1b[2J\x1b]0;owned\x07`,
		"ok\rAll hosts OK":                `ok\rAll hosts OK`,
		"del\x7f nul\x00":                 `del\x7f nul\x00`,
		"c1 \u009b31m csi":                `c1 \x9b31m csi`,
		"bidi \u202eKO":                   `bidi \u202eKO`,
		"bad utf8 \xff\xfe end":           `bad utf8 \xff\xfe end`,
		"unicode ünïcødé ✓ 日本":            "unicode ünïcødé ✓ 日本",
		"backslash \\x1b stays as it was": "backslash \\x1b stays as it was",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Line("a\nb\tc\x1b"); got != `a\nb\tc\x1b` {
		t.Errorf("Line: %q", got)
	}
}

func TestEscapeDoesNotCopyCleanText(t *testing.T) {
	s := "nothing to escape here, ünïcødé too"
	if n := testing.AllocsPerRun(100, func() { _ = Escape(s) }); n != 0 {
		t.Errorf("%v allocations for clean text", n)
	}
}
