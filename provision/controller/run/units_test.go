package run

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/inventory/roster"
)

func TestHostFiltersKeepRosterOrder(t *testing.T) {
	ids := []string{"a", "b", "c", "d"}
	if got := keepListed(ids, []string{"d", "b", "x"}); fmt.Sprint(got) != "[b d]" {
		t.Errorf("keepListed = %v", got)
	}
	if got := dropProvisioned(ids, map[string]bool{"a": true, "c": true, "z": true}); fmt.Sprint(got) != "[b d]" {
		t.Errorf("dropProvisioned = %v", got)
	}
	// Composable with any other selection: both are plain list filters.
	if got := dropProvisioned(keepListed(ids, []string{"a", "b"}), map[string]bool{"a": true}); fmt.Sprint(got) != "[b]" {
		t.Errorf("composed = %v", got)
	}
}

func TestProvisions(t *testing.T) {
	cases := []struct {
		fun  string
		pos  []string
		test bool
		want bool
	}{
		{"state.apply", nil, false, true},
		{"state.highstate", nil, false, true},
		{"state.apply", nil, true, false},
		{"state.apply", []string{"motd"}, false, false},
		{"state.sls", []string{"motd"}, false, false},
		{"state.test", nil, false, false},
	}
	for _, c := range cases {
		if got := provisions(c.fun, c.pos, c.test); got != c.want {
			t.Errorf("provisions(%s %v test=%v) = %v", c.fun, c.pos, c.test, got)
		}
	}
}

func TestKeepOf(t *testing.T) {
	if k := (&Config{}).Keep(); k.Jobs != 1000 || k.Age != 0 {
		t.Errorf("default keep: %+v", k)
	}
	zero := 0
	if k := (&Config{KeepJobs: &zero, KeepJobsSeconds: 86400}).Keep(); k.Jobs != 0 || k.Age.Hours() != 24 {
		t.Errorf("keep_jobs 0, keep_jobs_seconds 86400: %+v", k)
	}
	cfg := filepath.Join(t.TempDir(), "brine.yaml")
	for _, bad := range []string{"keep_jobs: -1\n", "keep_jobs_seconds: -5\n"} {
		os.WriteFile(cfg, []byte(bad), 0o600)
		if _, err := LoadConfig(cfg, true); err == nil || !strings.Contains(err.Error(), cfg) {
			t.Errorf("%q: %v (want an error naming the file)", bad, err)
		}
	}
}

func TestSplitKwargs(t *testing.T) {
	pos, kw := SplitArgs([]string{"web,db", "test=True", `pillar={"k": "v"}`, "saltenv=prod", "echo a=b", "n=3"})
	if !reflect.DeepEqual(pos, []string{"web,db", "echo a=b"}) {
		t.Errorf("positional: %q", pos)
	}
	if kw["test"] != true || kw["saltenv"] != "prod" || kw["n"] != 3 {
		t.Errorf("kwargs: %#v", kw)
	}
	if m, ok := kw["pillar"].(map[string]any); !ok || m["k"] != "v" {
		t.Errorf("pillar: %#v", kw["pillar"])
	}
}

func TestSaltVersionConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "brine.yaml")
	os.WriteFile(p, []byte("salt_version: '3006.9'\n"), 0o644)
	cfg, err := LoadConfig(p, true)
	if err != nil {
		t.Fatal(err)
	}
	hosts := []*roster.Host{{ID: "a"}, {ID: "b", Grains: map[string]any{"saltversion": "3005", "roles": []any{"web"}}}}
	if err := cfg.applySaltVersion(hosts); err != nil {
		t.Fatal(err)
	}
	if hosts[0].Grains["saltversion"] != "3006.9" || !reflect.DeepEqual(hosts[0].Grains["saltversioninfo"], []any{3006, 9}) {
		t.Errorf("configured version not applied: %v", hosts[0].Grains)
	}
	if hosts[1].Grains["saltversion"] != "3005" {
		t.Errorf("a roster grain must win over salt_version: %v", hosts[1].Grains)
	}
	os.WriteFile(p, []byte("salt_version: latest\n"), 0o644)
	if _, err := LoadConfig(p, true); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "salt_version") {
		t.Errorf("bad salt_version: %v", err)
	}
	// Unset: hosts are left alone (the executor reports 3007.1 itself).
	none := []*roster.Host{{ID: "c"}}
	if err := (&Config{}).applySaltVersion(none); err != nil || none[0].Grains != nil {
		t.Errorf("unset: %v %v", none[0].Grains, err)
	}
	// A missing config is empty unless it was named.
	if c, err := LoadConfig(filepath.Join(dir, "none.yaml"), false); err != nil || c.SaltVersion != "" {
		t.Errorf("missing, implicit: %v %v", c, err)
	}
	if _, err := LoadConfig(filepath.Join(dir, "none.yaml"), true); err == nil {
		t.Error("missing, explicit: no error")
	}
}

func TestCatalogReturn(t *testing.T) {
	ret, ok := catalogReturn("sys.list_state_functions", []string{"alternatives"})
	want := []any{"alternatives.auto", "alternatives.install", "alternatives.remove", "alternatives.set"}
	if !ok || !reflect.DeepEqual(ret, want) {
		t.Errorf("list = %v; want %v", ret, want)
	}
	ret, ok = catalogReturn("sys.state_doc", []string{"file.rename"})
	docs, _ := ret.(map[string]any)
	if !ok || len(docs) != 2 || docs["file"] == nil || !strings.Contains(docs["file.rename"].(string), "Moved") {
		t.Errorf("state_doc = %v", ret)
	}
	if _, ok := catalogReturn("sys.doc", nil); ok {
		t.Error("sys.doc should not be handled")
	}
	for _, f := range []string{"sys.list_state_functions", "sys.state_doc"} {
		if fn, ok := LookupFunction(f); !ok || fn.Kind != CatalogFun {
			t.Errorf("%s is not a catalog function in the table", f)
		}
	}
}
