// Package fetch gets the bytes a state's source names: a salt:// file the
// compiler bundled (lowstate.KeyFile), a file:// path, or an http(s) URL
// fetched on the target with net/http; and checks them against a
// source_hash.
package fetch

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"brine/provision/lowstate"
	"brine/provision/state"
)

// MaxSize bounds a download (1 GiB).
const MaxSize = 1 << 30

// Source returns the content of src for chunk c: salt:// sources must have
// been resolved by the compiler into c[lowstate.KeyFile].
func Source(ctx context.Context, env *state.Env, c lowstate.Chunk, src string) ([]byte, error) {
	switch {
	case strings.HasPrefix(src, "salt://"):
		h := c.Str(lowstate.KeyFile)
		if h == "" || env.File == nil {
			return nil, fmt.Errorf("source %s was not bundled by the compiler (does the file exist in the state tree?)", src)
		}
		b, err := env.File(h)
		if err != nil {
			return nil, fmt.Errorf("bundled file for %s: %w", src, err)
		}
		return b, nil
	case strings.HasPrefix(src, "file://"):
		b, err := os.ReadFile(state.HostPath(env, strings.TrimPrefix(src, "file://")))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", src, err)
		}
		return b, nil
	case strings.HasPrefix(src, "http://"), strings.HasPrefix(src, "https://"):
		return HTTP(ctx, src)
	case strings.HasPrefix(src, "/"):
		b, err := os.ReadFile(state.HostPath(env, src))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", src, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("unsupported source %q (use salt://, http(s)://, file:// or an absolute path)", src)
}

// HTTP downloads url with a two-minute timeout (shorter when ctx says so).
func HTTP(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	req.Header.Set("User-Agent", "brine")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("fetch %s: HTTP %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("fetch %s: larger than %d bytes", url, MaxSize)
	}
	return b, nil
}

// Verify checks data against a Salt source_hash: "sha256=HEX", "md5:HEX" or
// a bare hex digest (the algorithm guessed from its length).
func Verify(data []byte, sourceHash string) error {
	sh := strings.TrimSpace(sourceHash)
	algo, want := "", sh
	if i := strings.IndexAny(sh, "=:"); i > 0 {
		algo, want = strings.ToLower(sh[:i]), sh[i+1:]
	}
	want = strings.ToLower(strings.Fields(want + " ")[0])
	var h hash.Hash
	switch {
	case algo == "md5" || algo == "" && len(want) == 32:
		h = md5.New()
	case algo == "sha1" || algo == "" && len(want) == 40:
		h = sha1.New()
	case algo == "sha256" || algo == "" && len(want) == 64:
		h = sha256.New()
	case algo == "sha512" || algo == "" && len(want) == 128:
		h = sha512.New()
	default:
		return fmt.Errorf("unsupported source_hash %q (use sha256=HEX)", sourceHash)
	}
	h.Write(data)
	got := hex.EncodeToString(h.Sum(nil))
	if got != want {
		return fmt.Errorf("source_hash mismatch: expected %s, got %s", want, got)
	}
	return nil
}
