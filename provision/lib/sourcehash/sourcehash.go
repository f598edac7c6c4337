// Package sourcehash reads Salt's source_hash: a bare hex digest (the type
// guessed from its length), "<type>=<digest>", or the text of a hash file
// (sha256sum output, *.dsc files...) from which the matching digest is
// extracted the way Salt's file.extract_hash does. It has no network code:
// the controller and the executor both use it.
package sourcehash

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"path"
	"regexp"
	"sort"
	"strings"
)

// lengths maps Salt's hash types to their hex lengths (salt.utils.files.HASHES).
var lengths = map[string]int{"sha512": 128, "sha384": 96, "sha256": 64, "sha224": 56, "sha1": 40, "md5": 32}

// byLength is the reverse of lengths (HASHES_REVMAP).
var byLength = map[int]string{128: "sha512", 96: "sha384", 64: "sha256", 56: "sha224", 40: "sha1", 32: "md5"}

// validProtos are the URL schemes Salt accepts for a source_hash file
// (salt.utils.files.VALID_PROTOS).
var validProtos = []string{"salt", "file", "http", "https", "ftp", "swift", "s3"}

// Sum is one expected digest.
type Sum struct {
	Type string // md5, sha1, sha224, sha256, sha384, sha512
	Hex  string // lower-case hex
}

// String formats s as Salt's "<type>=<digest>".
func (s Sum) String() string { return s.Type + "=" + s.Hex }

// Of returns the digest of data with s's hash type.
func (s Sum) Of(data []byte) string {
	h, ok := New(s.Type)
	if !ok {
		h = sha256.New()
	}
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// Matches reports whether data has the digest s.
func (s Sum) Matches(data []byte) bool { return s.Of(data) == s.Hex }

// New returns a hash of Salt's type t (md5, sha1, sha224, sha256, sha384
// or sha512, as salt.utils.hashutils.get_hash names them); ok is false for
// any other name.
func New(t string) (h hash.Hash, ok bool) {
	switch t {
	case "md5":
		return md5.New(), true
	case "sha1":
		return sha1.New(), true
	case "sha224":
		return sha256.New224(), true
	case "sha256":
		return sha256.New(), true
	case "sha384":
		return sha512.New384(), true
	case "sha512":
		return sha512.New(), true
	}
	return nil, false
}

// IsFile reports whether spec names a hash file (an absolute path or a URL
// with one of Salt's protocols) rather than a digest.
func IsFile(spec string) bool {
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "/") {
		return true
	}
	scheme, _, ok := strings.Cut(spec, "://")
	if !ok {
		return false
	}
	for _, p := range validProtos {
		if strings.EqualFold(scheme, p) {
			return true
		}
	}
	return false
}

// Parse reads a digest expression: a bare hex digest or "<type>=<digest>".
// The errors are Salt's (file.get_source_sum) word for word.
func Parse(spec string) (Sum, error) {
	raw := spec
	spec = strings.TrimSpace(spec)
	if typ, hsum, ok := strings.Cut(spec, "="); ok {
		typ, hsum = strings.TrimSpace(typ), strings.TrimSpace(hsum)
		want, known := lengths[typ]
		if !known {
			return Sum{}, fmt.Errorf("Invalid hash type '%s'. Supported hash types are: %s. Either remove the hash type and simply use '%s' as the source_hash, or change the hash type to a supported type.", typ, strings.Join(typeNames(), ", "), hsum)
		}
		got, ok := byLength[len(hsum)]
		if !ok || !isHex(hsum) {
			return Sum{}, invalid(raw)
		}
		if len(hsum) != want {
			return Sum{}, fmt.Errorf("Invalid length (%d) for hash type '%s'. Either remove the hash type and simply use '%s' as the source_hash, or change the hash type to '%s'", len(hsum), typ, hsum, got)
		}
		return Sum{Type: typ, Hex: strings.ToLower(hsum)}, nil
	}
	typ, ok := byLength[len(spec)]
	if !ok || !isHex(spec) {
		return Sum{}, invalid(raw)
	}
	return Sum{Type: typ, Hex: strings.ToLower(spec)}, nil
}

// invalid is Salt's message for a source_hash it cannot read.
func invalid(spec string) error {
	var lens []string
	for _, t := range typeNamesByLength() {
		lens = append(lens, fmt.Sprintf("%s (%d)", t, lengths[t]))
	}
	return fmt.Errorf("Source hash %s format is invalid. The supported formats are: 1) a hash, 2) an expression in the format <hash_type>=<hash>, or 3) either a path to a local file containing hashes, or a URI of a remote hash file. Supported protocols for remote hash files are: %s. The hash may also not be of a valid length, the following are supported hash types and lengths: %s.", spec, strings.Join(validProtos, ", "), strings.Join(lens, ", "))
}

// typeNames lists the hash types in Salt's HASHES order.
func typeNames() []string {
	return []string{"sha512", "sha384", "sha256", "sha224", "sha1", "md5"}
}

// typeNamesByLength lists the types by ascending digest length, the order
// Salt prints them in its "invalid format" message.
func typeNamesByLength() []string {
	t := typeNames()
	sort.Slice(t, func(i, j int) bool { return lengths[t[i]] < lengths[t[j]] })
	return t
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// hexRun finds the first run of 32 to 128 hex digits not touching another
// letter or digit (Salt's hash_re).
var hexRun = regexp.MustCompile(`(?i)(?:^|[^a-z0-9])([a-f0-9]{32,128})(?:[^a-z0-9]|$)`)

// Extract picks a digest out of the text of a hash file, as Salt's
// file.extract_hash does: a line that ends with (or starts with) nameHint
// (source_hash_name) wins, then one naming fileName's base name (the managed
// file), then one naming the source URL's base name; otherwise the first
// digest in the file. ok is false when the file has no digest at all.
func Extract(text, nameHint, fileName, source string) (Sum, bool) {
	type cand struct {
		sum  Sum
		line string
	}
	var all []cand
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		m := hexRun.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		typ, ok := byLength[len(m[1])]
		if !ok {
			continue
		}
		all = append(all, cand{Sum{Type: typ, Hex: strings.ToLower(m[1])}, line})
	}
	if len(all) == 0 {
		return Sum{}, false
	}
	const ws = " \t\r\n\v\f"
	names := []struct{ full, base, seps string }{
		{nameHint, nameHint, ws},
		{fileName, path.Base(fileName), ws + `\/*`},
		{source, sourceBase(source), ws + `\/*`},
	}
	for _, n := range names {
		if n.full == "" {
			continue
		}
		for _, c := range all {
			if strings.HasSuffix(c.line, n.base) {
				if i := len(c.line) - len(n.base) - 1; i >= 0 && strings.ContainsRune(n.seps, rune(c.line[i])) {
					return c.sum, true
				}
				continue
			}
			if rest, ok := strings.CutPrefix(c.line, n.full); ok && rest != "" && strings.ContainsRune(ws, rune(rest[0])) {
				return c.sum, true
			}
		}
	}
	return all[0].sum, true
}

// sourceBase is the base name of a URL's path (or its host when it has no path).
func sourceBase(u string) string {
	rest := u
	if _, r, ok := strings.Cut(u, "://"); ok {
		rest = r
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	host, p, _ := strings.Cut(rest, "/")
	if p == "" {
		return host
	}
	return path.Base("/" + p)
}

// MismatchError is a download whose digest is not the expected one.
type MismatchError struct {
	Source string
	Want   Sum
	Got    string
}

// Error words it as Salt's file.manage_file does.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("Specified %s checksum for %s (%s) does not match actual checksum (%s). If the 'source_hash' value refers to a remote file with multiple possible matches, then it may be necessary to set 'source_hash_name'.", e.Want.Type, e.Source, e.Want.Hex, e.Got)
}

// Check returns a *MismatchError when data does not have the digest want.
func Check(source string, data []byte, want Sum) error {
	if got := want.Of(data); got != want.Hex {
		return &MismatchError{Source: source, Want: want, Got: got}
	}
	return nil
}
