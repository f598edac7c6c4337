package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	for _, data := range []string{"one", "two, longer"} {
		if err := Write(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != data {
			t.Errorf("got %q", b)
		}
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temp files left: %v", ents)
	}
	if err := Write(filepath.Join(dir, "missing", "f"), nil, 0o600); err == nil {
		t.Error("a missing directory must fail")
	}
}

func TestPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	if err := PrivateDir(dir); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	if err := PrivateDir(dir); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("a cache dir open to others stays %v", fi.Mode().Perm())
	}
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("keep"), 0o644)
	link := filepath.Join(dir, "planted")
	os.Symlink(victim, link)
	if _, err := Read(link); err == nil {
		t.Error("a symlink was followed")
	}
	if f, err := OpenPlain(link, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		f.Close()
		t.Error("a symlink was opened for writing")
	}
	hard := filepath.Join(dir, "hard")
	os.Link(victim, hard)
	if _, err := Read(hard); err == nil {
		t.Error("a hard link to another file was accepted")
	}
	p := filepath.Join(dir, "mine")
	Write(p, []byte("ok"), 0o600)
	if b, err := Read(p); err != nil || string(b) != "ok" {
		t.Errorf("%q %v", b, err)
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(t.TempDir(), "other")
		os.Mkdir(other, 0o700)
		os.Chown(other, 65534, 65534)
		if err := PrivateDir(other); err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Errorf("a cache dir of another user: %v", err)
		}
	}
}
