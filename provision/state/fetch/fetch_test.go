package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/lowstate"
	"brine/provision/state"
)

func TestSources(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("from http"))
	}))
	defer srv.Close()
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "f.txt"), []byte("from file"), 0o644)
	env := &state.Env{Root: root, File: func(h string) ([]byte, error) {
		if h == "abc" {
			return []byte("from bundle"), nil
		}
		return nil, os.ErrNotExist
	}}
	ctx := context.Background()
	cases := map[string]string{srv.URL + "/k": "from http", "file:///f.txt": "from file", "/f.txt": "from file"}
	for src, want := range cases {
		b, err := Source(ctx, env, lowstate.Chunk{}, src)
		if err != nil || string(b) != want {
			t.Errorf("%s: %q %v", src, b, err)
		}
	}
	if b, err := Source(ctx, env, lowstate.Chunk{lowstate.KeyFile: "abc"}, "salt://x"); err != nil || string(b) != "from bundle" {
		t.Errorf("salt: %q %v", b, err)
	}
	if _, err := Source(ctx, env, lowstate.Chunk{}, "salt://x"); err == nil || !strings.Contains(err.Error(), "not bundled") {
		t.Errorf("unbundled salt: %v", err)
	}
	if _, err := Source(ctx, env, lowstate.Chunk{}, srv.URL+"/missing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: %v", err)
	}
	if _, err := Source(ctx, env, lowstate.Chunk{}, "ftp://x"); err == nil {
		t.Error("ftp accepted")
	}
}

func TestVerify(t *testing.T) {
	sum := sha256.Sum256([]byte("data"))
	hx := hex.EncodeToString(sum[:])
	for _, sh := range []string{hx, "sha256=" + hx, "sha256:" + strings.ToUpper(hx)} {
		if err := Verify([]byte("data"), sh); err != nil {
			t.Errorf("%s: %v", sh, err)
		}
	}
	if err := Verify([]byte("other"), hx); err == nil || !strings.Contains(err.Error(), "mismatch") {
		t.Errorf("mismatch: %v", err)
	}
	if err := Verify([]byte("data"), "crc=1"); err == nil {
		t.Error("crc accepted")
	}
	if err := Verify([]byte("data"), "8d777f385d3dfec8815d20f7496026dc"); err != nil {
		t.Errorf("md5: %v", err)
	}
}
