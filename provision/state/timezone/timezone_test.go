package timezone

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/lowstate"
	"brine/provision/state"
)

func call(env *state.Env, c lowstate.Chunk) *lowstate.Result {
	return Module().Funcs["system"](context.Background(), env, c)
}

func TestSystem(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/share/zoneinfo/Europe"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/share/zoneinfo/Europe/Berlin"), []byte("TZif2"), 0o644)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/timezone"), []byte("Etc/UTC\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/localtime"), []byte("TZif2 copy"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/adjtime"), []byte("0.0 0 0.0\n0\nLOCAL\n"), 0o644)
	env := &state.Env{Root: root}
	c := lowstate.Chunk{"name": "Europe/Berlin", "utc": true}
	env.Test = true
	pred := call(env, c)
	if b, _ := os.ReadFile(filepath.Join(root, "etc/timezone")); string(b) != "Etc/UTC\n" || pred.Result != nil {
		t.Fatal("test mode changed /etc/timezone")
	}
	env.Test = false
	r := call(env, c)
	want := map[string]any{"timezone": "Europe/Berlin", "utc": true}
	if *r.Result != true || !reflect.DeepEqual(r.Changes, want) || !reflect.DeepEqual(pred.Changes, want) {
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
	if r := call(env, c); *r.Result != true || len(r.Changes) != 0 || r.Comment != "Timezone Europe/Berlin already set" {
		t.Errorf("second %v %q", r.Changes, r.Comment)
	}
	r = call(env, lowstate.Chunk{"name": "Mars/Olympus"})
	if *r.Result != false || !strings.Contains(r.Comment, "tzdata") {
		t.Errorf("invalid: %q", r.Comment)
	}
	if r := call(env, lowstate.Chunk{"name": "../../etc/passwd"}); *r.Result != false {
		t.Error("path escape accepted")
	}
}
