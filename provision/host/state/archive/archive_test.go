package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

type entry struct {
	name, body, link string
	typ              byte
	mode             int64
}

func tgz(t *testing.T, es []entry) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Size: int64(len(e.body)), Linkname: e.link}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func zipped(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for n, b := range files {
		w, _ := zw.Create(n)
		w.Write([]byte(b))
	}
	zw.Close()
	return buf.Bytes()
}

func envWith(t *testing.T, bundle map[string][]byte) *state.Env {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte(fmt.Sprintf("app:x:%d:%d::/srv:/bin/sh\n", os.Getuid(), os.Getgid())), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte(fmt.Sprintf("app:x:%d:\n", os.Getgid())), 0o644)
	return &state.Env{Root: root, File: func(h string) ([]byte, error) {
		if b, ok := bundle[h]; ok {
			return b, nil
		}
		return nil, os.ErrNotExist
	}}
}

func TestExtractTarGzFromBundle(t *testing.T) {
	arc := tgz(t, []entry{
		{name: "app-1.0/", typ: tar.TypeDir, mode: 0o755},
		{name: "app-1.0/bin/run", body: "#!/bin/sh\necho hi\n", mode: 0o755},
		{name: "app-1.0/README", body: "readme\n"},
		{name: "app-1.0/current", typ: tar.TypeSymlink, link: "bin/run"},
		{name: "app-1.0/README.link", typ: tar.TypeLink, link: "app-1.0/README"},
	})
	env := envWith(t, map[string][]byte{"h1": arc})
	c := lowstate.Chunk{"name": "/opt/app", "source": "salt://app.tar.gz", lowstate.KeyFile: "h1", "user": "app", "group": "app", "enforce_toplevel": true}
	env.Test = true
	pred := statetest.Call(env, Module(), "archive.extracted", c)
	if pred.Result != nil {
		t.Fatalf("test: %q", pred.Comment)
	}
	if _, err := os.Stat(filepath.Join(env.Root, "opt/app")); !os.IsNotExist(err) {
		t.Fatal("test mode extracted")
	}
	env.Test = false
	r := statetest.Call(env, Module(), "archive.extracted", c)
	// Salt's dry run predicts before caching the archive: no changes
	want := map[string]any{"extracted_files": []any{"app-1.0", "app-1.0/README", "app-1.0/README.link", "app-1.0/bin/run", "app-1.0/current"}, "updated ownership": true,
		"directories_created": []any{"/opt/app/"}}
	if *r.Result != true || !reflect.DeepEqual(r.Changes, want) || len(pred.Changes) != 0 {
		t.Fatalf("%v (pred %v) %q", r.Changes, pred.Changes, r.Comment)
	}
	base := filepath.Join(env.Root, "opt/app/app-1.0")
	if fi, err := os.Stat(filepath.Join(base, "bin/run")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("bin/run %v %v", fi, err)
	}
	if l, _ := os.Readlink(filepath.Join(base, "current")); l != "bin/run" {
		t.Errorf("symlink %q", l)
	}
	if b, _ := os.ReadFile(filepath.Join(base, "README.link")); string(b) != "readme\n" {
		t.Errorf("hardlink %q", b)
	}
	if r := statetest.Call(env, Module(), "archive.extracted", c); *r.Result != true || len(r.Changes) != 0 {
		t.Errorf("second: %v %q", r.Changes, r.Comment)
	}
	// a locally modified file is restored, and only it is reported
	os.WriteFile(filepath.Join(base, "README"), []byte("changed"), 0o644)
	if r := statetest.Call(env, Module(), "archive.extracted", c); !reflect.DeepEqual(r.Changes["extracted_files"], []any{"app-1.0/README"}) {
		t.Errorf("restore %v", r.Changes)
	}
}

// An https source reaches the host in the bundle (downloaded and checked by
// the controller, provision/controller/download); the host never opens a connection.
func TestRemoteSourceFromBundle(t *testing.T) {
	arc := zipped(t, map[string]string{"a.txt": "A", "dir/b.txt": "B"})
	sum := sha256.Sum256(arc)
	h := hex.EncodeToString(sum[:])
	env := envWith(t, map[string][]byte{h: arc})
	c := lowstate.Chunk{"name": "/srv/site", "source": "https://example.invalid/site.zip", "source_hash": "sha256=" + h, lowstate.KeyFile: h}
	// Salt's dry run for a remote source (salt/states/archive.py).
	env.Test = true
	for _, ch := range []lowstate.Chunk{c, {"name": "/srv/site", "source": "https://example.invalid/site.zip", lowstate.KeyUnfetched: "https://example.invalid/site.zip"}} {
		r := statetest.Call(env, Module(), "archive.extracted", ch)
		if r.Result != nil || len(r.Changes) != 0 || r.Comment != "Archive https://example.invalid/site.zip would be cached (if necessary) and checked to discover if extraction is needed" {
			t.Errorf("test=True: %v %v %q", r.Result, r.Changes, r.Comment)
		}
	}
	env.Test = false
	r := statetest.Call(env, Module(), "archive.extracted", c)
	if *r.Result != true || !reflect.DeepEqual(r.Changes, map[string]any{"extracted_files": []any{"a.txt", "dir/b.txt"}, "directories_created": []any{"/srv/site/"}}) {
		t.Fatalf("%v %q", r.Changes, r.Comment)
	}
	if b, _ := os.ReadFile(filepath.Join(env.Root, "srv/site/dir/b.txt")); string(b) != "B" {
		t.Errorf("b.txt %q", b)
	}
	c["if_missing"] = "/srv/site/a.txt"
	os.Remove(filepath.Join(env.Root, "srv/site/dir/b.txt"))
	if r := statetest.Call(env, Module(), "archive.extracted", c); len(r.Changes) != 0 || r.Comment != "Path /srv/site/a.txt exists" {
		t.Errorf("if_missing: %v %q", r.Changes, r.Comment)
	}
	// Without the controller's download the host cannot get it.
	delete(c, "if_missing")
	delete(c, lowstate.KeyFile)
	if r := statetest.Call(env, Module(), "archive.extracted", c); *r.Result != false || !strings.Contains(r.Comment, "not downloaded by the controller") {
		t.Errorf("unbundled: %q", r.Comment)
	}
}

// A file on the host is checked against source_hash on the host.
func TestLocalSourceHash(t *testing.T) {
	arc := zipped(t, map[string]string{"a.txt": "A"})
	env := envWith(t, nil)
	os.WriteFile(filepath.Join(env.Root, "site.zip"), arc, 0o644)
	c := lowstate.Chunk{"name": "/srv/site", "source": "/site.zip", "source_hash": "sha256=" + strings.Repeat("0", 64)}
	if r := statetest.Call(env, Module(), "archive.extracted", c); *r.Result != false || !strings.HasPrefix(r.Comment, "Specified sha256 checksum for /site.zip (") {
		t.Errorf("bad hash: %q", r.Comment)
	}
	sum := sha256.Sum256(arc)
	c["source_hash"] = hex.EncodeToString(sum[:])
	if r := statetest.Call(env, Module(), "archive.extracted", c); *r.Result != true {
		t.Errorf("good hash: %q", r.Comment)
	}
}

func TestEscapes(t *testing.T) {
	cases := map[string][]entry{
		"escapes the destination": {{name: "../evil", body: "x"}},
		"absolute path":           {{name: "/etc/evil", body: "x"}},
		"points to the absolute":  {{name: "l", typ: tar.TypeSymlink, link: "/etc"}},
		"-> \"../../x\" escapes":  {{name: "a/l", typ: tar.TypeSymlink, link: "../../x"}},
		"hardlink":                {{name: "h", typ: tar.TypeLink, link: "../../etc/shadow"}},
		"single top-level":        {{name: "a", body: "x"}, {name: "b", body: "y"}},
		"through the symlink":     {{name: "l", typ: tar.TypeSymlink, link: "sub"}, {name: "l/x", body: "x"}},
		"unsupported type":        {{name: "dev", typ: tar.TypeChar}},
	}
	for want, es := range cases {
		env := envWith(t, map[string][]byte{"h": tgz(t, es)})
		c := lowstate.Chunk{"name": "/opt/x", "source": "salt://x.tgz", lowstate.KeyFile: "h"}
		if want == "single top-level" {
			c["enforce_toplevel"] = true
		}
		if want == "through the symlink" {
			os.MkdirAll(filepath.Join(env.Root, "opt/x"), 0o755)
			os.Symlink("/etc", filepath.Join(env.Root, "opt/x/l"))
		}
		r := statetest.Call(env, Module(), "archive.extracted", c)
		if *r.Result != false || !strings.Contains(r.Comment, want) {
			t.Errorf("%s: %v %q", want, *r.Result, r.Comment)
		}
	}
}
