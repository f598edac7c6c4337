package run

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/inventory/roster"
	"brine/provision/controller/result"
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

// TestExecAnswer: the calls the controller answers for every host without
// contacting one (sys.* from the catalogs, a refused call in Salt's words)
// and the guard of functions that take hosts down.
func TestExecAnswer(t *testing.T) {
	answer := func(fun string, args ...string) (result.HostReturn, bool, error) {
		o := Options{Fun: fun, Args: args}.withDefaults()
		fn, _, _, err := o.function()
		if err != nil {
			return result.HostReturn{}, false, err
		}
		ans, ok := o.execAnswer(fn)
		return ans, ok, nil
	}
	ans, ok, err := answer("sys.list_state_functions", "alternatives")
	want := []any{"alternatives.auto", "alternatives.install", "alternatives.remove", "alternatives.set"}
	if err != nil || !ok || !reflect.DeepEqual(ans.Return, want) {
		t.Errorf("list = %v %v; want %v", ans.Return, err, want)
	}
	ans, ok, _ = answer("sys.state_doc", "file.rename")
	docs, _ := ans.Return.(map[string]any)
	if !ok || len(docs) != 2 || docs["file"] == nil || !strings.Contains(docs["file.rename"].(string), "Moved") {
		t.Errorf("state_doc = %v", ans.Return)
	}
	if _, ok, _ := answer("test.ping"); ok {
		t.Error("test.ping answered by the controller")
	}
	ans, ok, _ = answer("test.pnig")
	if !ok || ans.Error != "'test.pnig' is not available." || ans.Retcode != 255 || !ans.Failed() {
		t.Errorf("unknown function: %+v", ans)
	}
	if _, _, err := answer("system.reboot"); !IsUsage(err) || !strings.Contains(err.Error(), "--yes") {
		t.Errorf("system.reboot without Yes: %v", err)
	}
	if _, ok := LookupFunction("nosuch"); ok {
		t.Error("a name that is no mod.fun is a function")
	}
}

func TestRetcodePassthrough(t *testing.T) {
	hosts := []result.HostReturn{{ID: "a", Fun: "cmd.retcode"}, {ID: "b", Retcode: 3, Error: "x"}, {ID: "c", Failure: result.NotRun}}
	if c := (Outcome{Hosts: hosts}).ExitCode(); c != ExitFailure {
		t.Errorf("exit %d; want %d", c, ExitFailure)
	}
	if c := (Outcome{Hosts: hosts, RetcodePassthrough: true}).ExitCode(); c != 3 {
		t.Errorf("passthrough: exit %d; want 3", c)
	}
	if c := (Outcome{Hosts: hosts[:1], RetcodePassthrough: true}).ExitCode(); c != 0 {
		t.Errorf("passthrough, all fine: exit %d", c)
	}
}
