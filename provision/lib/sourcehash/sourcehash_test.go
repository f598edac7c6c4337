package sourcehash

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func TestParse(t *testing.T) {
	s256 := sha256.Sum256([]byte("data"))
	m5 := md5.Sum([]byte("data"))
	s384 := sha512.Sum384([]byte("data"))
	h256, hm5, h384 := hexOf(s256[:]), hexOf(m5[:]), hexOf(s384[:])
	ok := map[string]Sum{
		h256:                              {"sha256", h256},
		"sha256=" + strings.ToUpper(h256): {"sha256", h256},
		" sha256 = " + h256 + " ":         {"sha256", h256},
		hm5:                               {"md5", hm5},
		"md5=" + hm5:                      {"md5", hm5},
		h384:                              {"sha384", h384},
	}
	for spec, want := range ok {
		got, err := Parse(spec)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", spec, got, err, want)
		}
		if !got.Matches([]byte("data")) || got.Matches([]byte("other")) {
			t.Errorf("%q: Matches is wrong", spec)
		}
	}
	// Salt's own messages (salt/modules/file.py get_source_sum).
	bad := map[string]string{
		"md5:" + hm5:    "Source hash md5:" + hm5 + " format is invalid.",
		"abc":           "following are supported hash types and lengths: md5 (32), sha1 (40), sha224 (56), sha256 (64), sha384 (96), sha512 (128).",
		"crc32=" + hm5:  "Invalid hash type 'crc32'. Supported hash types are: sha512, sha384, sha256, sha224, sha1, md5.",
		"sha256=" + hm5: "Invalid length (32) for hash type 'sha256'. Either remove the hash type and simply use '" + hm5 + "' as the source_hash, or change the hash type to 'md5'",
	}
	for spec, want := range bad {
		_, err := Parse(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error = %v; want it to contain %q", spec, err, want)
		}
	}
}

func TestIsFile(t *testing.T) {
	for spec, want := range map[string]bool{
		"https://example.com/SHA256SUMS": true, "salt://sums.txt": true, "/srv/sums": true,
		"ftp://h/x": true, "sha256=abc": false, "abcdef": false, "gopher://x/y": false,
	} {
		if IsFile(spec) != want {
			t.Errorf("IsFile(%q) = %v", spec, !want)
		}
	}
}

func TestExtract(t *testing.T) {
	a := strings.Repeat("a", 64)
	b := strings.Repeat("b", 64)
	c := strings.Repeat("c", 64)
	sums := a + "  tool-1.0-linux-amd64.tar.gz\n" + b + "  tool-1.0-linux-arm64.tar.gz\n" + c + " *other.zip\n"
	cases := []struct {
		hint, file, source, want string
	}{
		{"", "", "https://h/dl/tool-1.0-linux-arm64.tar.gz", b},
		{"", "/opt/other.zip", "https://h/dl/renamed", c},
		{"tool-1.0-linux-amd64.tar.gz", "/opt/other.zip", "https://h/x", a},
		{"", "", "https://h/dl/unknown.tgz", a}, // first digest when nothing names the file
	}
	for _, tc := range cases {
		got, ok := Extract(sums, tc.hint, tc.file, tc.source)
		if !ok || got.Hex != tc.want || got.Type != "sha256" {
			t.Errorf("Extract(%q, %q, %q) = %v %v; want %s", tc.hint, tc.file, tc.source, got, ok, tc.want[:4])
		}
	}
	// A name that only ends a longer name does not match.
	got, _ := Extract(a+"  xtool.tgz\n"+b+"  tool.tgz\n", "", "", "https://h/tool.tgz")
	if got.Hex != b {
		t.Errorf("suffix match took %s", got.Hex[:4])
	}
	// A .dsc-style line: digest, size, name.
	got, _ = Extract("Checksums-Sha256:\n "+a+" 1234 pkg_1.0.orig.tar.gz\n "+b+" 99 pkg_1.0.dsc\n", "", "", "http://h/pkg_1.0.dsc")
	if got.Hex != b {
		t.Errorf("dsc: %s", got.Hex[:4])
	}
	if _, ok := Extract("no digests here\n", "", "", "x"); ok {
		t.Error("found a digest in a file without one")
	}
}

func TestCheck(t *testing.T) {
	want, _ := Parse("md5=" + hexOf(func() []byte { s := md5.Sum([]byte("data")); return s[:] }()))
	if err := Check("https://h/f", []byte("data"), want); err != nil {
		t.Fatal(err)
	}
	err := Check("https://h/f", []byte("other"), want)
	var me *MismatchError
	if !errors.As(err, &me) || !strings.HasPrefix(err.Error(), "Specified md5 checksum for https://h/f ("+want.Hex+") does not match actual checksum (") {
		t.Errorf("mismatch: %v", err)
	}
}
