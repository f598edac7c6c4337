package builtin_test

import (
	"testing"

	"brine/provision/host/state/builtin"
)

func TestRegistryHasEngineModules(t *testing.T) {
	r := builtin.Registry()
	for _, f := range []string{"file.managed", "file.directory", "file.recurse", "file.serialize", "cmd.run", "cmd.script",
		"cmd.wait", "test.nop", "test.configurable_test_state", "module.run", "module.wait"} {
		mod, fun, _ := cut(f)
		if _, ok := r.Lookup(mod, fun); !ok {
			t.Errorf("%s missing from the registry", f)
		}
	}
	for _, m := range []string{"cmd", "test", "module"} {
		if r[m].ModWatch == nil {
			t.Errorf("%s has no mod_watch", m)
		}
	}
	if builtin.Registry()["file"] == r["file"] {
		t.Error("Registry must build fresh modules each call")
	}
}

func cut(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
