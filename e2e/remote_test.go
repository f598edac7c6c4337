package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestRemoteSourcesFetchedOnController: http(s) sources are downloaded by
// the controller, once per run for all hosts, checked against source_hash
// and shipped in the bundle (the executor has no HTTP client); a dry run
// downloads nothing; a source that cannot be downloaded fails only its
// state, with Salt's comment.
func TestRemoteSourcesFetchedOnController(t *testing.T) {
	var tgz bytes.Buffer
	zw := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(zw)
	body := "#!/bin/sh\necho tool 1.0\n"
	tw.WriteHeader(&tar.Header{Name: "tool-1.0/bin/tool", Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg})
	tw.Write([]byte(body))
	tw.Close()
	zw.Close()
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	conf := []byte("listen = 8080\n")
	served := map[string][]byte{
		"/app.conf":      conf,
		"/tool-1.0.tgz":  tgz.Bytes(),
		"/SHA256SUMS":    []byte(sum([]byte("x")) + "  other.tgz\n" + sum(tgz.Bytes()) + "  tool-1.0.tgz\n"),
		"/keys/repo.asc": []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\nbrine-e2e\n-----END PGP PUBLIC KEY BLOCK-----\n"),
	}
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		b, ok := served[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	total := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, v := range hits {
			n += v
		}
		return n
	}
	u := srv.URL
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - remote\n",
		"remote.sls": fmt.Sprintf(`/etc/brine-remote/app.conf:
  file.managed:
    - source: %[1]s/app.conf
    - source_hash: sha256=%[2]s
    - makedirs: True
/opt/brine-tool:
  archive.extracted:
    - source: %[1]s/tool-1.0.tgz
    - source_hash: %[1]s/SHA256SUMS
repo:
  pkgrepo.managed:
    - name: deb http://deb.debian.org/debian bookworm contrib
    - file: /etc/apt/sources.list.d/brine-remote.list
    - key_url: %[1]s/keys/repo.asc
    - signedby: /etc/apt/keyrings/deb.debian.org_debian.asc
    - refresh: False
/etc/brine-remote/missing.conf:
  file.managed:
    - source: %[1]s/missing.conf
    - skip_verify: True
unrelated:
  test.succeed_without_changes: []
`, u, sum(conf)),
	})
	c := newClient(t)
	hosts := "h04,h05,h06"
	// These hosts are made like Debian 13, which has no apt-key: the key
	// fetched once on the controller goes to the signedby keyring and the
	// line gets signed-by (without signedby, Salt's mod_repo refuses the
	// line there, as brine does: testdata/trees/fn-pkg/salt-debian13).
	// With apt-key, Debian 12's, Salt's mod_repo adds the key with it and
	// writes the line as named; that path is compared with salt-ssh's
	// recordings in testdata/trees/fn-pkg.
	for _, id := range strings.Split(hosts, ",") {
		aptKey := filepath.Join(hostByID(t, id).Root, "usr/bin/apt-key")
		if err := os.Rename(aptKey, aptKey+".e2e-away"); err == nil {
			t.Cleanup(func() { os.Rename(aptKey+".e2e-away", aptKey) })
		}
	}
	tag := map[string]string{
		"conf":    "file_|-/etc/brine-remote/app.conf_|-/etc/brine-remote/app.conf_|-managed",
		"arc":     "archive_|-/opt/brine-tool_|-/opt/brine-tool_|-extracted",
		"repo":    "pkgrepo_|-repo_|-deb http://deb.debian.org/debian bookworm contrib_|-managed",
		"missing": "file_|-/etc/brine-remote/missing.conf_|-/etc/brine-remote/missing.conf_|-managed",
		"other":   "test_|-unrelated_|-unrelated_|-succeed_without_changes",
	}
	get := func(res map[string]stateReturn, id, k string) map[string]any {
		t.Helper()
		r := res[id][tag[k]]
		if r == nil {
			t.Fatalf("%s: no result %s in %v", id, tag[k], res[id])
		}
		return r
	}

	dry := stateResults(t, c.run("-L", hosts, "state.apply", "test=True", "--file-root", tree, "--out", "json", "--static"))
	if n := total(); n != 0 {
		t.Fatalf("test=True downloaded %d times", n)
	}
	for _, id := range strings.Split(hosts, ",") {
		for _, k := range []string{"conf", "arc", "repo", "missing"} {
			if r := get(dry, id, k); r["result"] != nil {
				t.Errorf("dry %s %s: %v %q", id, k, r["result"], r["comment"])
			}
		}
		if r := get(dry, id, "arc"); r["comment"] != "Archive "+u+"/tool-1.0.tgz would be cached (if necessary) and checked to discover if extraction is needed" {
			t.Errorf("dry archive: %q", r["comment"])
		}
		if r := get(dry, id, "repo"); !strings.HasPrefix(fmt.Sprint(r["comment"]), "Package repo 'deb http://deb.debian.org/debian bookworm contrib' would be configured.") {
			t.Errorf("dry repo: %q", r["comment"])
		}
	}
	if fileExists(filepath.Join(hostByID(t, "h04").Root, "etc/brine-remote/app.conf")) {
		t.Fatal("test=True changed a host")
	}

	r := c.run("-L", hosts, "state.apply", "--file-root", tree, "--out", "json", "--static")
	if r.code == 0 {
		t.Errorf("a failed state should make the exit code non-zero\n%s", r.stdout)
	}
	res := stateResults(t, r)
	mu.Lock()
	for p, n := range hits {
		if n != 1 {
			t.Errorf("%s downloaded %d times for 3 hosts, want once", p, n)
		}
	}
	mu.Unlock()
	for _, id := range strings.Split(hosts, ",") {
		for _, k := range []string{"conf", "arc", "repo", "other"} {
			if r := get(res, id, k); r["result"] != true {
				t.Errorf("%s %s: %v %q", id, k, r["result"], r["comment"])
			}
		}
		want := "Failed to cache " + u + "/missing.conf: Error: HTTP 404: Not Found reading " + u + "/missing.conf"
		if r := get(res, id, "missing"); r["result"] != false || r["comment"] != want {
			t.Errorf("%s missing: %v %q, want %q", id, r["result"], r["comment"], want)
		}
		h := hostByID(t, id)
		if b, _ := os.ReadFile(filepath.Join(h.Root, "etc/brine-remote/app.conf")); !bytes.Equal(b, conf) {
			t.Errorf("%s app.conf = %q", id, b)
		}
		if b, _ := os.ReadFile(filepath.Join(h.Root, "opt/brine-tool/tool-1.0/bin/tool")); string(b) != body {
			t.Errorf("%s extracted tool = %q", id, b)
		}
		if b, _ := os.ReadFile(filepath.Join(h.Root, "etc/apt/keyrings/deb.debian.org_debian.asc")); !bytes.Equal(b, served["/keys/repo.asc"]) {
			t.Errorf("%s repo key = %q", id, b)
		}
	}

	// A dry run after the real one predicts from the controller's cache,
	// still without a download: the file is known to be in place.
	before := total()
	dry = stateResults(t, c.run("-L", hosts, "state.apply", "test=True", "--file-root", tree, "--out", "json", "--static"))
	if total() != before {
		t.Errorf("second dry run downloaded")
	}
	if r := get(dry, "h04", "conf"); r["result"] != true || changed(r) {
		t.Errorf("dry run after apply: %v %q %v", r["result"], r["comment"], r["changes"])
	}
}
