package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// want checks one state result of a host against Salt's (result "true",
// "false" or "none"; the comment exactly; changes "{}" for none at all).
func wantState(t *testing.T, states stateReturn, tag, result, comment string, noChanges bool) map[string]any {
	t.Helper()
	res, ok := states[tag]
	if !ok {
		t.Errorf("%s missing; states: %v", tag, keysOf(states))
		return nil
	}
	got := "none"
	if b, isBool := res["result"].(bool); isBool {
		got = map[bool]string{true: "true", false: "false"}[b]
	}
	if got != result || (comment != "" && res["comment"] != comment) {
		t.Errorf("%s: result %s %q, want %s %q", tag, got, res["comment"], result, comment)
	}
	if noChanges && changed(res) {
		t.Errorf("%s: changes %v, Salt predicts none", tag, res["changes"])
	}
	return res
}

func keysOf(m stateReturn) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestDryRunPredictsWhatEarlierStatesCreate: a dry run on a fresh host
// predicts (None) what depends on things earlier states would create, in
// Salt's words, and touches no network but the package lists: a service
// whose package is not installed yet, its watch, a swap file. A git state on
// a host without git fails as Salt's does (its git module's __virtual__ is
// False, so the state function is not found, even in a dry run; recorded
// from salt-ssh 3007.1 in the fn-misc tree), and nothing else fails.
func TestDryRunPredictsWhatEarlierStatesCreate(t *testing.T) {
	c := newClient(t)
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - dry\n",
		"dry.sls": `rsync:
  pkg.installed: []
rsync-service:
  service.running:
    - name: rsync
    - enable: True
    - require:
      - pkg: rsync
after-service:
  test.nop:
    - require:
      - service: rsync-service
rsync-watch:
  service.running:
    - name: rsync
    - watch:
      - pkg: rsync
rsync-dead:
  service.dead:
    - name: rsync
    - require:
      - pkg: rsync
rsync-enabled:
  service.enabled:
    - name: rsync
    - require:
      - pkg: rsync
create-swap:
  cmd.run:
    - name: dd if=/dev/zero of=/brine.swap bs=1M count=1 && mkswap /brine.swap
    - creates: /brine.swap
/brine.swap:
  mount.swap:
    - require:
      - cmd: create-swap
repo:
  git.latest:
    - name: https://git.example.invalid/nothing.git
    - target: /srv/brine-git
`,
	})
	r := c.run("h05", "state.apply", "test=True", "--file-root", tree, "--out", "json", "--static")
	if r.code != 20 {
		t.Fatalf("a dry run with only the git state failing: exit %d, want 20\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	st := stateResults(t, r)["h05"]
	for tag, res := range st {
		if res["result"] == false && tag != "git_|-repo_|-https://git.example.invalid/nothing.git_|-latest" {
			t.Errorf("%s failed in the dry run: %v", tag, res["comment"])
		}
	}
	pkg := wantState(t, st, "pkg_|-rsync_|-rsync_|-installed", "none", "The following packages would be installed/updated: rsync", false)
	if ch, _ := pkg["changes"].(map[string]any); ch == nil || ch["rsync"] == nil || ch["rsync"].(map[string]any)["old"] != "" {
		t.Errorf("pkg.installed test changes, Salt's {name: {new, old: ''}}: %v", pkg["changes"])
	}
	wantState(t, st, "service_|-rsync-service_|-rsync_|-running", "none",
		"Service rsync not present; if created in this state run, it would have been started", true)
	wantState(t, st, "test_|-after-service_|-after-service_|-nop", "true", "Success!", true)
	wantState(t, st, "service_|-rsync-watch_|-rsync_|-running", "none", "Service is set to be started", true)
	wantState(t, st, "service_|-rsync-dead_|-rsync_|-dead", "none",
		"Service rsync not present; if created in this state run, it would have been stopped", true)
	wantState(t, st, "service_|-rsync-enabled_|-rsync_|-enabled", "none",
		"Service rsync not present; if created in this state run, it would have been enabled", true)
	// Salt's cmd.run predicts {cmd: NAME} (recorded in testdata/trees/fn-cmd).
	swap := wantState(t, st, "cmd_|-create-swap_|-dd if=/dev/zero of=/brine.swap bs=1M count=1 && mkswap /brine.swap_|-run", "none",
		`Command "dd if=/dev/zero of=/brine.swap bs=1M count=1 && mkswap /brine.swap" would have been executed`, false)
	if ch, _ := swap["changes"].(map[string]any); len(ch) != 1 || ch["cmd"] != "dd if=/dev/zero of=/brine.swap bs=1M count=1 && mkswap /brine.swap" {
		t.Errorf("cmd.run test changes, Salt's {cmd: NAME}: %v", swap["changes"])
	}
	wantState(t, st, "mount_|-/brine.swap_|-/brine.swap_|-swap", "none", "Swap /brine.swap is set to be activated", true)
	wantState(t, st, "git_|-repo_|-https://git.example.invalid/nothing.git_|-latest", "false",
		"State 'git.latest' was not found in SLS 'dry'\nReason: 'git' __virtual__ returned False: git module could not be loaded\n", true)
	h := hostByID(t, "h05")
	for _, p := range []string{"usr/bin/rsync", "brine.swap", "srv/brine-git"} {
		if fileExists(filepath.Join(h.Root, p)) {
			t.Errorf("the dry run created %s", p)
		}
	}
}

// TestPkgVersionLatest: version: latest installs the candidate, then is
// satisfied by it, with Salt's comments; never "apt-get install x=latest".
func TestPkgVersionLatest(t *testing.T) {
	c := newClient(t)
	tree := writeTree(t, map[string]string{
		"top.sls":    "base:\n  '*':\n    - latest\n",
		"latest.sls": "tree:\n  pkg.installed:\n    - version: latest\n",
	})
	const tag = "pkg_|-tree_|-tree_|-installed"
	dry := c.run("h06", "state.apply", "test=True", "--file-root", tree, "--out", "json", "--static")
	p := wantState(t, stateResults(t, dry)["h06"], tag, "none", "The following packages would be installed/updated: tree", false)
	ch, _ := p["changes"].(map[string]any)
	tr, _ := ch["tree"].(map[string]any)
	cand, _ := tr["new"].(string)
	if cand == "" || cand == "installed" || tr["old"] != "" {
		t.Fatalf("the dry run should name the candidate version: %v", p["changes"])
	}
	r := c.run("h06", "state.apply", "--file-root", tree, "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	res := wantState(t, stateResults(t, r)["h06"], tag, "true", "The following packages were installed/updated: tree="+cand, false)
	if ch, _ := res["changes"].(map[string]any); ch["tree"] == nil || ch["tree"].(map[string]any)["new"] != cand {
		t.Errorf("changes %v", res["changes"])
	}
	for _, test := range []string{"test=False", "test=True"} {
		again := c.run("h06", "state.apply", test, "--file-root", tree, "--out", "json", "--static")
		wantState(t, stateResults(t, again)["h06"], tag, "true", "All specified packages are already installed and are at the desired version", true)
	}
}

// TestGrainsAsSalt: the version grains a formula gates on, no grains Salt
// does not report, num_cpus printed as an int, config.get falling through
// to the pillar, and brine.yaml's salt_version.
func TestGrainsAsSalt(t *testing.T) {
	c := newClient(t)
	r := c.run("h08", "grains.items", "--out", "json", "--static")
	g := jsonOut(t, r)["h08"].(map[string]any)
	if g["saltversion"] != "3007.1" || !reflect.DeepEqual(g["saltversioninfo"], []any{3007.0, 1.0}) {
		t.Errorf("saltversion %v saltversioninfo %v", g["saltversion"], g["saltversioninfo"])
	}
	for _, k := range []string{"timezone", "osminorrelease", "selinux", "lsb_distrib_description", "virtual_subtype"} {
		if v, ok := g[k]; ok {
			t.Errorf("grain %s = %v: Salt reports none on this host", k, v)
		}
	}
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - g\n",
		"g.sls": `/etc/brine-grains:
  file.managed:
    - contents: |
        cpus={{ grains['num_cpus'] }}
        tz={{ salt['config.get']('timezone')['name'] }}
        {% if grains['saltversioninfo'] >= [2016, 3] %}modern {{ grains['saltversion'] }}{% endif %}
`,
		"pillar/top.sls":     "base:\n  '*':\n    - tz\n",
		"pillar/tz.sls":      "timezone:\n  name: Europe/Berlin\n",
		"brine.yaml":         "salt_version: '3006.9'\n",
		"brine-default.yaml": "{}\n",
	})
	for _, tc := range []struct{ config, version string }{{"brine-default.yaml", "3007.1"}, {"brine.yaml", "3006.9"}} {
		r = c.run("h08", "state.apply", "--file-root", tree, "--pillar-root", filepath.Join(tree, "pillar"),
			"--config", filepath.Join(tree, tc.config), "--out", "json", "--static")
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		b, _ := os.ReadFile(filepath.Join(hostByID(t, "h08").Root, "etc/brine-grains"))
		lines := strings.Split(string(b), "\n")
		if len(lines) < 3 || !strings.HasPrefix(lines[0], "cpus=") || strings.Contains(lines[0], ".") ||
			lines[1] != "tz=Europe/Berlin" || lines[2] != "modern "+tc.version {
			t.Errorf("%s: rendered %q", tc.config, b)
		}
	}
}

// TestFailhardReturnsOnlyWhatRan: with --failhard, Salt returns the states
// up to the failed one; the summary counts only those.
func TestFailhardReturnsOnlyWhatRan(t *testing.T) {
	c := newClient(t)
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - fh\n",
		"fh.sls": `first:
  test.succeed_without_changes: []
bad:
  test.fail_without_changes: []
never:
  test.succeed_without_changes: []
`,
	})
	r := c.run("h09", "state.apply", "--file-root", tree, "--failhard", "--out", "json", "--static")
	st := stateResults(t, r)["h09"]
	if len(st) != 2 || st["test_|-never_|-never_|-succeed_without_changes"] != nil {
		t.Errorf("failhard returned %v", keysOf(st))
	}
	r = c.run("h09", "state.apply", "--file-root", tree, "--failhard")
	if r.code != 20 || !strings.Contains(r.stdout, "Failed:    1") || !strings.Contains(r.stdout, "Total states run:     2") || strings.Contains(r.stdout, "never") {
		t.Errorf("highstate output (exit %d):\n%s", r.code, r.stdout)
	}
}
