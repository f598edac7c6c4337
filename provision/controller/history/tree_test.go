package history

import (
	"os"
	"path/filepath"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, body := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTreeHash(t *testing.T) {
	tree := map[string]string{"top.sls": "base:\n  '*': [motd]\n", "motd/init.sls": "motd: {}\n", "motd/files/motd": "hi\n"}
	a, b := t.TempDir(), t.TempDir()
	writeFiles(t, a, tree)
	writeFiles(t, b, tree)
	writeFiles(t, b, map[string]string{".git/HEAD": "ref: refs/heads/main\n"})
	hash := func(dir string, extra ...string) string {
		t.Helper()
		h, err := TreeHash([]Root{{Kind: "file", Env: "base", Dir: dir}, {Kind: "pillar", Env: "base", Dir: filepath.Join(dir, "nopillar")}}, extra...)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	ha := hash(a)
	if hb := hash(b); ha != hb {
		t.Error("the same tree in another place (with a .git dir) hashes differently")
	}
	if ha != hash(a) {
		t.Error("not stable")
	}
	if hash(a, `{"k": 1}`) == ha {
		t.Error("the pillar override is not in the hash")
	}
	writeFiles(t, b, map[string]string{"motd/files/motd": "ho\n"})
	if hash(b) == ha {
		t.Error("a changed file is not in the hash")
	}
	// Renaming a file changes the hash; a symlink loop ends.
	if err := os.Rename(filepath.Join(a, "motd/files/motd"), filepath.Join(a, "motd/files/motd2")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", filepath.Join(a, "motd/loop")); err != nil {
		t.Fatal(err)
	}
	if hash(a) == ha {
		t.Error("a renamed file is not in the hash")
	}
	if _, err := TreeHash([]Root{{Kind: "file", Env: "base", Dir: filepath.Join(a, "missing")}}); err == nil {
		t.Error("a missing file root hashed")
	}
}
