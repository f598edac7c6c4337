package compile

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"brine/provision/wire/lowstate"
)

// TestKeepMode: mode: keep (file.managed) and file_mode: keep
// (file.recurse) give the target the source file's mode, which Salt reads
// from the master with cp.stat_file(octal=True): the compiler packs them.
func TestKeepMode(t *testing.T) {
	root := t.TempDir()
	write := func(rel, body string, mode os.FileMode) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("files/run.sh", "#!/bin/sh\n", 0o750)
	write("tree/bin/tool", "x", 0o755)
	write("tree/etc/conf", "y", 0o640)
	write("k.sls", `/usr/local/bin/run.sh:
  file.managed:
    - source: salt://files/run.sh
    - mode: keep
/opt/tree:
  file.recurse:
    - source: salt://tree
    - file_mode: keep
/opt/plain:
  file.recurse:
    - source: salt://tree
`, 0o644)
	c := New(Tree{FileRoots: map[string][]string{"base": {root}}})
	res, err := c.SLS(context.Background(), Host{ID: "h", Grains: map[string]any{}}, "base", []string{"k"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, ch := range res.Low {
		got[ch.Name()] = ch[lowstate.KeyModes]
	}
	want := map[string]any{
		"/usr/local/bin/run.sh": map[string]any{"": "0750"},
		"/opt/tree":             map[string]any{"bin/tool": "0755", "etc/conf": "0640"},
		"/opt/plain":            nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("modes %v\nwant %v", got, want)
	}
}
