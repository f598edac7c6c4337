package timezone

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// TestSystem follows salt/states/timezone.py system over
// salt/modules/timezone.py for Debian: the zone is compared by content,
// the hardware clock read from /etc/adjtime.
func TestSystem(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/share/zoneinfo/Europe"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/share/zoneinfo/Europe/Berlin"), []byte("TZif2 berlin"), 0o644)
	os.WriteFile(filepath.Join(root, "usr/share/zoneinfo/UTC"), []byte("TZif2 utc"), 0o644)
	os.MkdirAll(filepath.Join(root, "usr/share/zoneinfo/Etc"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/share/zoneinfo/Etc/UTC"), []byte("TZif2 utc"), 0o644)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/timezone"), []byte("Etc/UTC\n"), 0o644)
	os.Symlink("/usr/share/zoneinfo/Etc/UTC", filepath.Join(root, "etc/localtime"))
	os.WriteFile(filepath.Join(root, "etc/adjtime"), []byte("0.0 0 0.0\n0\nLOCAL\n"), 0o644)
	env := &state.Env{Root: root, Test: true}
	c := lowstate.Chunk{"name": "Europe/Berlin"}
	pred := statetest.Call(env, Module(), "timezone.system", c)
	if pred.Result != nil || pred.Comment != "Timezone Europe/Berlin needs to be set, UTC needs to be set to True" || len(pred.Changes) != 0 {
		t.Fatalf("test: %v %q %v", pred.Result, pred.Comment, pred.Changes)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/timezone")); string(b) != "Etc/UTC\n" {
		t.Fatal("test mode changed /etc/timezone")
	}
	env.Test = false
	r := statetest.Call(env, Module(), "timezone.system", c)
	want := map[string]any{"timezone": "Europe/Berlin", "utc": true}
	if *r.Result != true || !reflect.DeepEqual(r.Changes, want) || r.Comment != "Set timezone Europe/Berlin, Set UTC to True" {
		t.Fatalf("%v %q", r.Changes, r.Comment)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/timezone")); string(b) != "Europe/Berlin\n" {
		t.Errorf("/etc/timezone %q", b)
	}
	if l, _ := os.Readlink(filepath.Join(root, "etc/localtime")); l != "/usr/share/zoneinfo/Europe/Berlin" {
		t.Errorf("localtime -> %q", l)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/adjtime")); !strings.HasSuffix(string(b), "\nUTC\n") {
		t.Errorf("adjtime %q", b)
	}
	if r := statetest.Call(env, Module(), "timezone.system", c); *r.Result != true || len(r.Changes) != 0 || r.Comment != "Timezone Europe/Berlin already set, UTC already set to Europe/Berlin" {
		t.Errorf("second %v %q", r.Changes, r.Comment)
	}
	// the same zone data under another name is already set (filecmp)
	os.Remove(filepath.Join(root, "etc/localtime"))
	os.Symlink("/usr/share/zoneinfo/Etc/UTC", filepath.Join(root, "etc/localtime"))
	if r := statetest.Call(env, Module(), "timezone.system", lowstate.Chunk{"name": "UTC", "utc": false}); *r.Result != true || r.Comment != "Timezone UTC already set" {
		t.Errorf("UTC vs Etc/UTC: %q", r.Comment)
	}
	r = statetest.Call(env, Module(), "timezone.system", lowstate.Chunk{"name": "Mars/Olympus"})
	if *r.Result != false || r.Comment != "Unable to compare desired timezone 'Mars/Olympus' to system timezone: Can't find a local timezone \"Mars/Olympus\"" {
		t.Errorf("invalid: %q", r.Comment)
	}
	if r := statetest.Call(env, Module(), "timezone.system", lowstate.Chunk{"name": "../../etc/passwd"}); *r.Result != false {
		t.Error("path escape accepted")
	}
	os.Remove(filepath.Join(root, "etc/localtime"))
	if r := statetest.Call(env, Module(), "timezone.system", c); *r.Result != false || !strings.Contains(r.Comment, "Failed to read /etc/localtime to determine current timezone") {
		t.Errorf("no localtime: %q", r.Comment)
	}
}
