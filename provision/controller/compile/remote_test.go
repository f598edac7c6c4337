package compile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"brine/provision/controller/download"
	"brine/provision/wire/lowstate"
)

// origin is an http server for remote sources that counts its requests.
type origin struct {
	*httptest.Server
	hits atomic.Int64
}

func newOrigin(t *testing.T, files map[string]string) *origin {
	o := &origin{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(b))
	}))
	t.Cleanup(o.Close)
	return o
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// remoteTree writes an SLS and returns a compiler for it.
func remoteTree(t *testing.T, sls string, extra map[string]string, opts ...Option) *Compiler {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{"r.sls": sls}
	for k, v := range extra {
		files[k] = v
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return New(Tree{FileRoots: map[string][]string{"base": {root}}}, opts...)
}

func compileR(t *testing.T, c *Compiler, test bool) map[string]lowstate.Chunk {
	t.Helper()
	res, err := c.SLS(context.Background(), Host{ID: "web1", Grains: map[string]any{"os": "Debian"}, Opts: map[string]any{"test": test}}, "base", []string{"r"})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	out := map[string]lowstate.Chunk{}
	for _, ch := range res.Low {
		out[ch.ID()] = ch
		if h := ch.Str(lowstate.KeyFile); h != "" && res.Files[h] == nil {
			t.Errorf("%s: %s not in the bundle", ch.ID(), h)
		}
	}
	return out
}

func TestRemoteSources(t *testing.T) {
	o := newOrigin(t, map[string]string{
		"/app.conf":      "port=80\n",
		"/app.conf.j2":   "os={{ grains.os }}\n",
		"/SHA256SUMS":    sha("other") + "  other.tgz\n" + sha("tarball") + "  app-1.0.tgz\n",
		"/app-1.0.tgz":   "tarball",
		"/gpg":           "KEY",
		"/mirror/b.conf": "from the mirror\n",
	})
	u := o.URL
	sls := fmt.Sprintf(`
ok:
  file.managed:
    - name: /etc/app.conf
    - source: %[1]s/app.conf
    - source_hash: sha256=%[2]s
templated:
  file.managed:
    - name: /etc/app2.conf
    - source: %[1]s/app.conf.j2
    - skip_verify: True
    - template: jinja
missing:
  file.managed:
    - name: /etc/missing.conf
    - source: %[1]s/nope.conf
    - skip_verify: True
nohash:
  file.managed:
    - name: /etc/nohash.conf
    - source: %[1]s/app.conf
wronghash:
  file.managed:
    - name: /etc/wrong.conf
    - source: %[1]s/app.conf
    - source_hash: %[3]s
badhash:
  file.managed:
    - name: /etc/bad.conf
    - source: %[1]s/app.conf
    - source_hash: md5:abc
list:
  file.managed:
    - name: /etc/b.conf
    - source:
      - %[1]s/gone.conf
      - %[1]s/mirror/b.conf: sha256=%[4]s
arc:
  archive.extracted:
    - name: /opt/app
    - source: %[1]s/app-1.0.tgz
    - source_hash: %[1]s/SHA256SUMS
repo:
  pkgrepo.managed:
    - name: deb https://example.invalid/debian bookworm main
    - key_url: %[1]s/gpg
saltkey:
  pkgrepo.managed:
    - name: deb https://example.invalid/other bookworm main
    - key_url: salt://keys/other.asc
ftp:
  file.managed:
    - name: /etc/ftp.conf
    - source: ftp://example.invalid/x.conf
    - skip_verify: True
`, u, sha("port=80\n"), sha("something else"), sha("from the mirror\n"))
	c := remoteTree(t, sls, nil, WithRemote(download.New(t.TempDir())))
	root := c.tree.FileRoots["base"][0]
	os.MkdirAll(filepath.Join(root, "keys"), 0o755)
	os.WriteFile(filepath.Join(root, "keys/other.asc"), []byte("SALTKEY"), 0o644)

	// A dry run downloads nothing, and a fresh cache has nothing to offer.
	dry := compileR(t, c, true)
	if n := o.hits.Load(); n != 0 {
		t.Fatalf("test=True made %d requests", n)
	}
	for _, id := range []string{"ok", "templated", "missing", "list", "arc", "repo"} {
		if dry[id].Str(lowstate.KeyUnfetched) == "" || dry[id].Str(lowstate.KeyFile) != "" {
			t.Errorf("dry %s: %v", id, dry[id])
		}
	}
	if dry["saltkey"].Str(lowstate.KeyFile) == "" {
		t.Errorf("salt:// key_url not bundled: %v", dry["saltkey"])
	}
	// Salt checks these before any download, in a dry run too.
	if got := failComment(dry["nohash"]); got != "Unable to verify upstream hash of source file "+u+"/app.conf, please set source_hash or set skip_verify to True" {
		t.Errorf("dry nohash: %q", got)
	}
	if got := failComment(dry["badhash"]); !strings.HasPrefix(got, "Unable to manage file: Source hash md5:abc format is invalid.") {
		t.Errorf("dry badhash: %q", got)
	}

	low := compileR(t, c, false)
	content := func(id string) string {
		res, _ := c.SLS(context.Background(), Host{ID: "web1", Grains: map[string]any{"os": "Debian"}}, "base", []string{"r"})
		for _, ch := range res.Low {
			if ch.ID() == id {
				return string(res.Files[ch.Str(lowstate.KeyFile)])
			}
		}
		return ""
	}
	for id, want := range map[string]string{"ok": "port=80\n", "templated": "os=Debian\n", "list": "from the mirror\n", "arc": "tarball", "repo": "KEY", "saltkey": "SALTKEY"} {
		if failComment(low[id]) != "" || content(id) != want {
			t.Errorf("%s: %q, error %q", id, content(id), failComment(low[id]))
		}
	}
	for id, want := range map[string]string{
		"missing":   "Failed to cache " + u + "/nope.conf: Error: HTTP 404: Not Found reading " + u + "/nope.conf",
		"wronghash": "Specified sha256 checksum for " + u + "/app.conf (" + sha("something else") + ") does not match actual checksum (" + sha("port=80\n") + ").",
		"ftp":       `Failed to cache ftp://example.invalid/x.conf: unsupported protocol "ftp"`,
	} {
		if got := failComment(low[id]); !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}

	// Once downloaded, a dry run predicts from the controller's cache
	// (without the network), exactly as the real run will see the content.
	before := o.hits.Load()
	dry = compileR(t, c, true)
	if o.hits.Load() != before {
		t.Errorf("dry run after a real one made requests")
	}
	if dry["ok"].Str(lowstate.KeyFile) == "" || dry["ok"].Str(lowstate.KeyUnfetched) != "" {
		t.Errorf("dry ok after the real run: %v", dry["ok"])
	}
	// archive.extracted always predicts, as Salt does, without its content.
	if dry["arc"].Str(lowstate.KeyUnfetched) == "" || dry["arc"].Str(lowstate.KeyFile) != "" {
		t.Errorf("dry arc: %v", dry["arc"])
	}
}

// TestRemoteOncePerRun: hosts compiled at once share one download per URL.
func TestRemoteOncePerRun(t *testing.T) {
	o := newOrigin(t, map[string]string{"/f": "data"})
	c := remoteTree(t, fmt.Sprintf("f:\n  file.managed:\n    - name: /f\n    - source: %s/f\n    - source_hash: %s\n", o.URL, sha("data")), nil, WithRemote(download.New("")))
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, err := c.SLS(context.Background(), Host{ID: fmt.Sprintf("h%d", i)}, "base", []string{"r"})
			if err != nil || res.Low[0].Str(lowstate.KeyFile) != sha("data") {
				t.Errorf("host %d: %v %v", i, err, res)
			}
		}(i)
	}
	wg.Wait()
	if n := o.hits.Load(); n != 1 {
		t.Errorf("200 hosts, %d downloads", n)
	}
}

// TestRemoteNotForShow: without a fetcher (state.show_*) nothing is downloaded.
func TestRemoteNotForShow(t *testing.T) {
	o := newOrigin(t, map[string]string{"/f": "data"})
	c := remoteTree(t, fmt.Sprintf("f:\n  file.managed:\n    - name: /f\n    - source: %s/f\n    - skip_verify: true\n", o.URL), nil)
	low := compileR(t, c, false)
	if o.hits.Load() != 0 || low["f"].Str(lowstate.KeyUnfetched) == "" {
		t.Errorf("show: %d requests, %v", o.hits.Load(), low["f"])
	}
	if pub := low["f"].Public(); len(pub) != len(low["f"])-1 {
		t.Errorf("private key shown: %v", pub)
	}
}

// failComment is the run-time failure the compiler left on a chunk.
func failComment(c lowstate.Chunk) string {
	f, _ := c.Failure()
	return f.Comment
}
