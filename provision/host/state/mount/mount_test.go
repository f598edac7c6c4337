package mount

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

func setup(t *testing.T) (*state.Env, *hostcmd.Fake) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "proc"), 0o755)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "proc/swaps"), []byte("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"), 0o444)
	os.WriteFile(filepath.Join(root, "proc/mounts"), []byte("/dev/sda1 / ext4 rw,relatime 0 0\n"), 0o444)
	os.WriteFile(filepath.Join(root, "etc/fstab"), []byte("# <file system> <mount point> <type> <options> <dump> <pass>\nUUID=abc / ext4 errors=remount-ro 0 1\n"), 0o644)
	fx := &hostcmd.Fake{}
	fx.Handler = func(c state.Cmd, line string) (state.CmdResult, bool) {
		switch c.Argv[0] {
		case "swapon":
			f, _ := os.OpenFile(filepath.Join(root, "proc/swaps"), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString(c.Argv[1] + "\t\t\t\tfile\t\t1048572\t\t0\t\t-2\n")
			f.Close()
		case "mount":
			f, _ := os.OpenFile(filepath.Join(root, "proc/mounts"), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString(c.Argv[5] + " " + c.Argv[6] + " " + c.Argv[2] + " rw 0 0\n")
			f.Close()
		}
		return state.CmdResult{}, true
	}
	return &state.Env{Root: root, Exec: fx}, fx
}

// TestSwap follows salt/states/mount.py swap (3007.1): test mode predicts
// the activation without looking at the file (an earlier state may create
// it), the real run reports /proc/swaps' entry and the fstab line.
func TestSwap(t *testing.T) {
	env, fx := setup(t)
	env.Test = true
	pred := statetest.Call(env, Module(), "mount.swap", lowstate.Chunk{"name": "/swapfile"})
	if statetest.Result(pred) != "None" || pred.Comment != "Swap /swapfile is set to be activated" || len(pred.Changes) != 0 || len(fx.Lines()) != 0 {
		t.Fatalf("test, swap file not created yet: %s %q %v %v", statetest.Result(pred), pred.Comment, pred.Changes, fx.Lines())
	}
	os.WriteFile(filepath.Join(env.Root, "swapfile"), make([]byte, 16), 0o600)
	env.Test = false
	r := statetest.Call(env, Module(), "mount.swap", lowstate.Chunk{"name": "/swapfile"})
	want := map[string]any{"type": "file", "size": "1048572", "used": "0", "priority": "-2", "persist": "new"}
	if statetest.Result(r) != "true" || !reflect.DeepEqual(r.Changes, want) || r.Comment != "Swap /swapfile activated. Added new entry to the fstab." {
		t.Fatalf("%s %v %q", statetest.Result(r), r.Changes, r.Comment)
	}
	if got := fx.Lines(); !reflect.DeepEqual(got, []string{"swapon /swapfile"}) {
		t.Errorf("commands %v", got)
	}
	b, _ := os.ReadFile(filepath.Join(env.Root, "etc/fstab"))
	if !strings.HasSuffix(string(b), "UUID=abc / ext4 errors=remount-ro 0 1\n/swapfile\t\tnone\tswap\tdefaults\t0 0\n") {
		t.Errorf("fstab %q", b)
	}
	if r := statetest.Call(env, Module(), "mount.swap", lowstate.Chunk{"name": "/swapfile"}); len(r.Changes) != 0 || r.Comment != "Swap /swapfile already active" {
		t.Errorf("second %v %q", r.Changes, r.Comment)
	}
	env.Test = true
	if r := statetest.Call(env, Module(), "mount.swap", lowstate.Chunk{"name": "/swapfile"}); statetest.Result(r) != "true" || r.Comment != "Swap /swapfile already active" {
		t.Errorf("test after: %s %q", statetest.Result(r), r.Comment)
	}
	// Active, but not in fstab: Salt's own wording.
	os.WriteFile(filepath.Join(env.Root, "etc/fstab"), []byte("UUID=abc / ext4 errors=remount-ro 0 1\n"), 0o644)
	if r := statetest.Call(env, Module(), "mount.swap", lowstate.Chunk{"name": "/swapfile"}); statetest.Result(r) != "None" || r.Comment != "Swap /swapfile is set to be added to the fstab and to be activated" {
		t.Errorf("test, not persisted: %s %q", statetest.Result(r), r.Comment)
	}
	env.Test = false
	os.WriteFile(filepath.Join(env.Root, "etc/fstab"), []byte("/swapfile none swap sw 0 0\n"), 0o644)
	if r := statetest.Call(env, Module(), "mount.swap", lowstate.Chunk{"name": "/swapfile"}); !reflect.DeepEqual(r.Changes, map[string]any{"persist": "update"}) || r.Comment != "Swap /swapfile already active. Updated the entry in the fstab." {
		t.Errorf("update: %v %q", r.Changes, r.Comment)
	}
}

func TestMounted(t *testing.T) {
	env, fx := setup(t)
	c := lowstate.Chunk{"name": "/mnt/data", "device": "/dev/sdb1", "fstype": "ext4", "opts": []any{"noatime", "nofail"}}
	// salt/states/mount.py mounted: its words, and no changes in test mode.
	env.Test = true
	if r := statetest.Call(env, Module(), "mount.mounted", c); r.Result != nil || r.Comment != "/mnt/data does not exist and would not be created" || len(r.Changes) != 0 {
		t.Errorf("test, no mount point: %q %v", r.Comment, r.Changes)
	}
	env.Test = false
	if r := statetest.Call(env, Module(), "mount.mounted", c); *r.Result != false || r.Comment != "Mount directory is not present" {
		t.Fatalf("no mount point: %q", r.Comment)
	}
	c["mkmnt"] = true
	env.Test = true
	if r := statetest.Call(env, Module(), "mount.mounted", c); r.Result != nil || r.Comment != "/mnt/data would be created and mounted" || len(r.Changes) != 0 {
		t.Errorf("test, mkmnt: %q %v", r.Comment, r.Changes)
	}
	env.Test = false
	r := statetest.Call(env, Module(), "mount.mounted", c)
	if *r.Result != true || !reflect.DeepEqual(r.Changes, map[string]any{"mount": true, "persist": "new"}) {
		t.Fatalf("%v %q", r.Changes, r.Comment)
	}
	if got := fx.Lines(); !reflect.DeepEqual(got, []string{"mount -t ext4 -o noatime,nofail /dev/sdb1 /mnt/data"}) {
		t.Errorf("commands %v", got)
	}
	if fi, err := os.Stat(filepath.Join(env.Root, "mnt/data")); err != nil || !fi.IsDir() {
		t.Error("mount point not created")
	}
	if r := statetest.Call(env, Module(), "mount.mounted", c); len(r.Changes) != 0 {
		t.Errorf("second %v", r.Changes)
	}
	c["opts"] = "defaults"
	env.Test = true
	if r := statetest.Call(env, Module(), "mount.mounted", c); r.Result != nil || r.Comment != "Target was already mounted. /mnt/data is mounted, but its fstab entry must be updated." {
		t.Errorf("test, fstab: %q", r.Comment)
	}
	env.Test = false
	if r := statetest.Call(env, Module(), "mount.mounted", c); !reflect.DeepEqual(r.Changes, map[string]any{"persist": "change"}) {
		t.Errorf("opts change %v", r.Changes)
	}
	b, _ := os.ReadFile(filepath.Join(env.Root, "etc/fstab"))
	if strings.Count(string(b), "/mnt/data") != 1 || !strings.Contains(string(b), "/dev/sdb1\t/mnt/data\text4\tdefaults\t0\t0\n") {
		t.Errorf("fstab %q", b)
	}
}
