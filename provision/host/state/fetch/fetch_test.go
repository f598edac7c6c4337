package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

func TestSources(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "f.txt"), []byte("from file"), 0o644)
	env := &state.Env{Root: root, File: func(h string) ([]byte, error) {
		if h == "abc" {
			return []byte("from bundle"), nil
		}
		return nil, os.ErrNotExist
	}}
	ctx := context.Background()
	for src, want := range map[string]string{"file:///f.txt": "from file", "/f.txt": "from file"} {
		b, err := Source(ctx, env, lowstate.Chunk{}, src)
		if err != nil || string(b) != want {
			t.Errorf("%s: %q %v", src, b, err)
		}
	}
	// salt:// and http(s) sources come from the bundle, whatever the scheme.
	for _, src := range []string{"salt://x", "https://example.invalid/x"} {
		if b, err := Source(ctx, env, lowstate.Chunk{lowstate.KeyFile: "abc"}, src); err != nil || string(b) != "from bundle" {
			t.Errorf("%s: %q %v", src, b, err)
		}
	}
	if _, err := Source(ctx, env, lowstate.Chunk{}, "salt://x"); err == nil || !strings.Contains(err.Error(), "not bundled") {
		t.Errorf("unbundled salt: %v", err)
	}
	// The executor has no network client: an unbundled URL is an error, not a download.
	if _, err := Source(ctx, env, lowstate.Chunk{}, "https://127.0.0.1:1/k"); err == nil || !strings.Contains(err.Error(), "not downloaded by the controller") {
		t.Errorf("unbundled https: %v", err)
	}
	if _, err := Source(ctx, env, lowstate.Chunk{}, "relative/x"); err == nil {
		t.Error("relative path accepted")
	}
}

func TestVerify(t *testing.T) {
	sum := sha256.Sum256([]byte("data"))
	hx := hex.EncodeToString(sum[:])
	for _, sh := range []string{hx, "sha256=" + hx, "sha256=" + strings.ToUpper(hx), "md5=8d777f385d3dfec8815d20f7496026dc"} {
		if err := Verify("/f", []byte("data"), sh); err != nil {
			t.Errorf("%s: %v", sh, err)
		}
	}
	if err := Verify("/f", []byte("other"), hx); err == nil || !strings.Contains(err.Error(), "does not match actual checksum") {
		t.Errorf("mismatch: %v", err)
	}
	if err := Verify("/f", []byte("data"), "crc=1"); err == nil || !strings.Contains(err.Error(), "Invalid hash type 'crc'") {
		t.Errorf("crc: %v", err)
	}
}
