package file_test

import (
	"brine/provision/host/state/file"
	"brine/provision/host/state/statetest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestCopyAsSalt follows salt/states/file.py copy_: comments, force,
// subdir, directory trees, makedirs and the mode defaulting to the
// source's.
func TestCopyAsSalt(t *testing.T) {
	root := newRoot(t)
	put(t, root, "srv/src", "copy me")
	os.Chmod(filepath.Join(root, "srv/src"), 0o640)
	put(t, root, "srv/tree/a", "a")
	put(t, root, "srv/tree/sub/b", "b")
	os.Symlink("a", filepath.Join(root, "srv/tree/link"))
	test, real := newEnv(root, nil, true), newEnv(root, nil, false)

	r := statetest.Call(test, file.Module(), "", mk("copy", "/srv/dst", "source", "/srv/src"))
	expect(t, r, nil, `File "/srv/src" is set to be copied to "/srv/dst"`)
	if len(r.Changes) != 0 {
		t.Errorf("test mode changes = %v, Salt reports none", r.Changes)
	}
	r = statetest.Call(real, file.Module(), "", mk("copy", "/srv/dst", "source", "/srv/src"))
	expect(t, r, T, `Copied "/srv/src" to "/srv/dst"`)
	if !reflect.DeepEqual(r.Changes, map[string]any{"/srv/dst": "/srv/src"}) {
		t.Errorf("changes = %v", r.Changes)
	}
	if rd(t, root, "srv/dst") != "copy me" || mode(t, root, "srv/dst").Perm() != 0o640 {
		t.Errorf("copy = %q mode %v", rd(t, root, "srv/dst"), mode(t, root, "srv/dst"))
	}
	expect(t, statetest.Call(real, file.Module(), "", mk("copy", "/srv/dst", "source", "/srv/src")), T, `The target file "/srv/dst" exists and will not be overwritten`)
	r = statetest.Call(real, file.Module(), "", mk("copy", "/srv/dst", "source", "/srv/src", "force", true))
	expect(t, r, T, `Copied "/srv/src" to "/srv/dst" - files are identical but force flag is set`)

	r = statetest.Call(real, file.Module(), "", mk("copy", "/srv/dst", "source", "/srv/src", "force", true, "mode", "0600"))
	if r.Changes["mode"] != "0600" || mode(t, root, "srv/dst").Perm() != 0o600 {
		t.Errorf("mode: changes %v, file %v", r.Changes, mode(t, root, "srv/dst"))
	}

	expect(t, statetest.Call(real, file.Module(), "", mk("copy", "/opt/x/dst", "source", "/srv/src")), F, "The target directory /opt/x is not present")
	expect(t, statetest.Call(real, file.Module(), "", mk("copy", "/opt/x/dst", "source", "/srv/src", "makedirs", true)), T, "Copied")
	expect(t, statetest.Call(real, file.Module(), "", mk("copy", "/srv/none", "source", "/srv/missing")), F, `Source file "/srv/missing" is not present`)

	os.MkdirAll(filepath.Join(root, "srv/into"), 0o755)
	expect(t, statetest.Call(real, file.Module(), "", mk("copy", "/srv/into", "source", "/srv/src", "subdir", true)), T, `Copied "/srv/src" to "/srv/into/src"`)
	if rd(t, root, "srv/into/src") != "copy me" {
		t.Error("subdir copy missing")
	}

	expect(t, statetest.Call(real, file.Module(), "", mk("copy", "/srv/tree2", "source", "/srv/tree")), T, "Copied")
	if rd(t, root, "srv/tree2/sub/b") != "b" || mode(t, root, "srv/tree2/link")&os.ModeSymlink == 0 {
		t.Error("directory tree not copied with its symlink")
	}
}

// TestRenameAsSalt follows salt/states/file.py rename.
func TestRenameAsSalt(t *testing.T) {
	root := newRoot(t)
	put(t, root, "srv/old", "data")
	put(t, root, "srv/taken", "other")
	os.Symlink("/srv/old", filepath.Join(root, "srv/ln"))
	test, real := newEnv(root, nil, true), newEnv(root, nil, false)

	r := statetest.Call(test, file.Module(), "", mk("rename", "/srv/new", "source", "/srv/old"))
	expect(t, r, nil, `File "/srv/old" is set to be moved to "/srv/new"`)
	if len(r.Changes) != 0 {
		t.Errorf("test mode changes = %v", r.Changes)
	}
	expect(t, statetest.Call(real, file.Module(), "", mk("rename", "/srv/taken", "source", "/srv/old")), T, `The target file "/srv/taken" exists and will not be overwritten`)
	expect(t, statetest.Call(real, file.Module(), "", mk("rename", "/srv/deep/new", "source", "/srv/old")), F, "The target directory /srv/deep is not present")
	r = statetest.Call(real, file.Module(), "", mk("rename", "/srv/new", "source", "/srv/old"))
	expect(t, r, T, `Moved "/srv/old" to "/srv/new"`)
	if !reflect.DeepEqual(r.Changes, map[string]any{"/srv/new": "/srv/old"}) || rd(t, root, "srv/new") != "data" {
		t.Errorf("changes %v", r.Changes)
	}
	expect(t, statetest.Call(real, file.Module(), "", mk("rename", "/srv/new", "source", "/srv/old")), T, `Source file "/srv/old" has already been moved out of place`)
	expect(t, statetest.Call(real, file.Module(), "", mk("rename", "/srv/taken", "source", "/srv/new", "force", true)), T, "Moved")
	if rd(t, root, "srv/taken") != "data" {
		t.Error("force did not replace the target")
	}
	expect(t, statetest.Call(real, file.Module(), "", mk("rename", "/srv/ln2", "source", "/srv/ln")), T, "Moved")
	if l, _ := os.Readlink(filepath.Join(root, "srv/ln2")); l != "/srv/old" {
		t.Errorf("symlink moved as %q", l)
	}
}
