package builtin_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/builtin"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

func TestRegistryHasSystemModules(t *testing.T) {
	r := builtin.Registry()
	funcs := []string{"pkg.installed", "pkg.latest", "pkg.removed", "pkg.purged", "pkgrepo.managed", "pkgrepo.absent",
		"service.running", "service.dead", "service.enabled", "service.disabled", "user.present", "user.absent",
		"group.present", "group.absent", "cron.present", "cron.absent", "cron.env_present", "cron.env_absent",
		"ssh_auth.present", "ssh_auth.absent", "host.present", "host.absent", "sysctl.present", "timezone.system",
		"locale.present", "locale.system", "mount.swap", "mount.mounted", "git.latest", "archive.extracted"}
	for _, f := range funcs {
		mod, fun, _ := strings.Cut(f, ".")
		if _, ok := r.Lookup(mod, fun); !ok {
			t.Errorf("%s missing from the registry", f)
		}
	}
	if r["service"].ModWatch == nil {
		t.Error("service has no mod_watch")
	}
}

// TestEngineWatchRestartsSysVService runs the real engine and host executor
// over a temp root: host.present watched by service.running restarts the
// service (new pid) only when the hosts entry changed.
func TestEngineWatchRestartsSysVService(t *testing.T) {
	if _, err := exec.LookPath("start-stop-daemon"); err != nil {
		t.Skip("start-stop-daemon not installed")
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/init.d"), 0o755)
	os.MkdirAll(filepath.Join(root, "run"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/hosts"), []byte("127.0.0.1\tlocalhost\n"), 0o644)
	script := filepath.Join(root, "etc/init.d/sleeper")
	os.WriteFile(script, []byte(statetest.SleeperInitScript(root)), 0o755)
	t.Cleanup(func() { exec.Command(script, "stop").Run() })
	pid := func() string {
		b, _ := os.ReadFile(filepath.Join(root, "run/sleeper.pid"))
		return strings.TrimSpace(string(b))
	}
	chunks := []lowstate.Chunk{
		{"state": "host", "fun": "present", "name": "api", "ip": "10.0.0.5", "__id__": "api-host", "__sls__": "base", "order": float64(1)},
		{"state": "service", "fun": "running", "name": "sleeper", "__id__": "sleeper", "__sls__": "base", "order": float64(2),
			"watch": []any{map[string]any{"host": "api-host"}}},
	}
	run := func(test bool) lowstate.Results {
		env := &state.Env{Root: root, Grains: map[string]any{"init": "sysvinit"}}
		return state.Run(context.Background(), chunks, state.Options{Test: test, Registry: builtin.Registry(), Env: env})
	}
	changed := func(rs lowstate.Results) map[string]bool {
		out := map[string]bool{}
		for tag, r := range rs {
			if r.Result != nil && !*r.Result {
				t.Fatalf("%s failed: %s", tag, r.Comment)
			}
			out[tag] = len(r.Changes) > 0
		}
		return out
	}
	pred := run(true)
	if pid() != "" {
		t.Fatal("test=True started the service")
	}
	first := run(false)
	for tag, r := range first {
		p := pred[tag]
		mod, _, _, fun := lowstate.SplitTag(tag)
		switch {
		case p == nil:
			t.Errorf("%s: no prediction", tag)
		case !statetest.PredictsChanges(mod, fun, p.Changes, r.Changes):
			t.Errorf("%s: predicted %v, got %v", tag, p.Changes, r.Changes)
		case len(r.Changes) > 0 && p.Result != nil:
			t.Errorf("%s: changed, but the dry run said %s %q", tag, statetest.Result(p), p.Comment)
		}
	}
	// Salt's dry run: the service would be started by the watch, with
	// mod_watch's comment and no changes.
	if p := pred["service_|-sleeper_|-sleeper_|-running"]; p == nil || p.Comment != "Service is set to be started" || len(p.Changes) != 0 {
		t.Errorf("dry run of the watching service: %+v", p)
	}
	pid1 := pid()
	if pid1 == "" {
		t.Fatal("service not started")
	}
	for tag, ch := range changed(run(false)) {
		if ch {
			t.Errorf("second run changed %s", tag)
		}
	}
	if pid() != pid1 {
		t.Error("second run restarted the service")
	}
	os.WriteFile(filepath.Join(root, "etc/hosts"), []byte("127.0.0.1\tlocalhost\n"), 0o644)
	third := run(false)
	changed(third)
	if pid2 := pid(); pid2 == "" || pid2 == pid1 {
		t.Errorf("watch did not restart the service: pid %s -> %s", pid1, pid2)
	}
	var comments []string
	for _, r := range third {
		comments = append(comments, r.Comment)
	}
	if !strings.Contains(strings.Join(comments, "|"), "Service restarted") {
		t.Errorf("comments %v", comments)
	}
}
