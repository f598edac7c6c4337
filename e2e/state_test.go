package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// stateReturn is one host's state results keyed by Salt's state tag.
type stateReturn map[string]map[string]any

func stateResults(t *testing.T, r result) map[string]stateReturn {
	t.Helper()
	out := map[string]stateReturn{}
	for id, v := range jsonOut(t, r) {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: not a state return: %#v\n%s", id, v, r.stderr)
		}
		sr := stateReturn{}
		for tag, res := range m {
			rm, ok := res.(map[string]any)
			if !ok {
				t.Fatalf("%s: %s is not a state result: %#v", id, tag, res)
			}
			sr[tag] = rm
		}
		out[id] = sr
	}
	return out
}

func changed(res map[string]any) bool {
	c, _ := res["changes"].(map[string]any)
	return len(c) > 0
}

// writeTree writes SLS files into a fresh state tree.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestExampleTreeOnTenHosts applies the repository's example tree (the
// README's state tree) to ten hosts: a dry run on fresh hosts predicts
// exactly the changes the real run then makes, and a second run changes
// nothing.
func TestExampleTreeOnTenHosts(t *testing.T) {
	c := newClient(t)
	tree, _ := filepath.Abs("../states")
	target := "h*"
	dry := c.run(target, "state.apply", "test=True", "--file-root", tree, "--out", "json", "--static")
	if dry.code != 0 {
		t.Fatalf("dry run: exit %d\n%s\n%s", dry.code, dry.stdout, dry.stderr)
	}
	predicted := stateResults(t, dry)
	if h := hostByID(t, "h01"); fileExists(filepath.Join(h.Root, "etc/cron.d/brine-standalone")) {
		t.Fatal("test=True changed a host")
	}
	first := c.run(target, "state.apply", "--file-root", tree, "--out", "json", "--static")
	if first.code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", first.code, first.stdout, first.stderr)
	}
	applied := stateResults(t, first)
	if len(applied) != fleetSize {
		t.Fatalf("want %d hosts, got %d", fleetSize, len(applied))
	}
	for id, states := range applied {
		nChanged := 0
		for tag, res := range states {
			if res["result"] != true {
				t.Errorf("%s: %s failed: %v", id, tag, res["comment"])
			}
			pred, ok := predicted[id][tag]
			if !ok {
				t.Errorf("%s: %s ran but the dry run did not list it", id, tag)
				continue
			}
			if changed(res) {
				nChanged++
				if pred["result"] != nil {
					t.Errorf("%s: %s changed but the dry run said result=%v", id, tag, pred["result"])
				}
				// Salt's test mode shapes changes its own way for some
				// functions (user, group, timezone: none); there the
				// None result is the prediction.
				mod, _, _, fun := lowstate.SplitTag(tag)
				pc, _ := pred["changes"].(map[string]any)
				rc, _ := res["changes"].(map[string]any)
				if !statetest.PredictsChanges(mod, fun, pc, rc) {
					t.Errorf("%s: %s: dry run predicted changes %v, real run made %v", id, tag, pred["changes"], res["changes"])
				}
			} else if pred["result"] != true {
				t.Errorf("%s: %s: dry run predicted result=%v changes=%v, real run changed nothing", id, tag, pred["result"], pred["changes"])
			}
		}
		if nChanged == 0 {
			t.Errorf("%s: the first run changed nothing", id)
		}
	}
	for _, id := range hostIDs(fleetSize) {
		h := hostByID(t, id)
		b, err := os.ReadFile(filepath.Join(h.Root, "etc/motd"))
		if err != nil || !strings.Contains(string(b), "brine") {
			t.Errorf("%s: /etc/motd not managed: %q %v", id, b, err)
		}
	}
	second := c.run(target, "state.apply", "--file-root", tree, "--out", "json", "--static")
	if second.code != 0 {
		t.Fatalf("second run: exit %d\n%s", second.code, second.stderr)
	}
	for id, states := range stateResults(t, second) {
		for tag, res := range states {
			if res["result"] != true || changed(res) {
				t.Errorf("%s: second run: %s result=%v changes=%v", id, tag, res["result"], res["changes"])
			}
		}
	}
	// The human summary says the same.
	human := c.run(target, "state.apply", "--file-root", tree)
	// Salt prints "(changed=N)" only when something changed.
	if human.code != 0 || strings.Count(human.stdout, "Summary for h") != fleetSize || strings.Contains(human.stdout, "changed=") ||
		strings.Count(human.stdout, "Failed:    0") != fleetSize {
		t.Errorf("highstate summary should show no changes and no failures for each of %d hosts:\n%s", fleetSize, human.stdout)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestFailuresAndRequisites: a failed state fails its require chain while
// independent states still run, and brine exits 20.
func TestFailuresAndRequisites(t *testing.T) {
	c := newClient(t)
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - chain\n",
		"chain.sls": `broken:
  cmd.run:
    - name: exit 3
needs-broken:
  file.managed:
    - name: /tmp/needs-broken
    - contents: never
    - require:
      - cmd: broken
needs-needs:
  cmd.run:
    - name: touch /tmp/needs-needs
    - require:
      - file: needs-broken
independent:
  file.managed:
    - name: /tmp/independent
    - contents: still runs
`,
	})
	r := c.run("h08", "state.apply", "--file-root", tree, "--out", "json", "--static")
	if r.code != 20 {
		t.Errorf("a failed state must exit 20, got %d", r.code)
	}
	res := stateResults(t, r)["h08"]
	get := func(prefix string) map[string]any {
		for tag, v := range res {
			if strings.HasPrefix(tag, prefix) {
				return v
			}
		}
		t.Fatalf("no result for %s in %v", prefix, res)
		return nil
	}
	if b := get("cmd_|-broken_|-"); b["result"] != false {
		t.Errorf("broken: %v", b)
	}
	nb := get("file_|-needs-broken_|-")
	if nb["result"] != false || !strings.Contains(fmt.Sprint(nb["comment"]), "One or more requisite failed: chain.broken") {
		t.Errorf("needs-broken: %v", nb)
	}
	if nn := get("cmd_|-needs-needs_|-"); nn["result"] != false || !strings.Contains(fmt.Sprint(nn["comment"]), "requisite failed") {
		t.Errorf("needs-needs: %v", nn)
	}
	if in := get("file_|-independent_|-"); in["result"] != true {
		t.Errorf("independent: %v", in)
	}
	h := hostByID(t, "h08")
	if fileExists(filepath.Join(h.Root, "tmp/needs-broken")) || fileExists(filepath.Join(h.Root, "tmp/needs-needs")) {
		t.Error("a state whose requisite failed ran anyway")
	}
	if b, _ := os.ReadFile(filepath.Join(h.Root, "tmp/independent")); strings.TrimSpace(string(b)) != "still runs" {
		t.Errorf("independent state did not run: %q", b)
	}
	human := c.run("h08", "state.apply", "--file-root", tree)
	if !strings.Contains(human.stdout, "Failed:    3") {
		t.Errorf("summary should count 3 failures:\n%s", human.stdout)
	}
}

const initScript = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          brinedemo
# Required-Start:    $local_fs
# Required-Stop:     $local_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: brine e2e demo daemon
### END INIT INFO
PIDFILE=/run/brinedemo.pid
case "$1" in
start) start-stop-daemon --start --quiet --background --make-pidfile --pidfile $PIDFILE --exec /bin/sleep -- 100000 ;;
stop) start-stop-daemon --stop --quiet --oknodo --remove-pidfile --pidfile $PIDFILE ;;
restart) $0 stop; $0 start ;;
status) start-stop-daemon --status --pidfile $PIDFILE ;;
*) exit 2 ;;
esac
`

// TestWatchRestartsSysvinitService: a changed config file restarts the
// service that watches it (the e2e hosts run no systemd: sysvinit path).
func TestWatchRestartsSysvinitService(t *testing.T) {
	c := newClient(t)
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - demo\n",
		"demo.sls": `/etc/init.d/brinedemo:
  file.managed:
    - source: salt://brinedemo.init
    - mode: 755
/etc/brinedemo.conf:
  file.managed:
    - contents: version {{ pillar.get('ver', 1) }}
brinedemo:
  service.running:
    - enable: True
    - require:
      - file: /etc/init.d/brinedemo
    - watch:
      - file: /etc/brinedemo.conf
`,
		"brinedemo.init": initScript,
	})
	pid := func() string {
		r := c.run("h07", "cmd.run", "cat /run/brinedemo.pid && kill -0 $(cat /run/brinedemo.pid) && echo alive", "--out", "json", "--static")
		return fmt.Sprint(jsonOut(t, r)["h07"])
	}
	r := c.run("h07", "state.apply", "--file-root", tree, "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	p1 := pid()
	if !strings.HasSuffix(p1, "alive") {
		t.Fatalf("service not running after the first apply: %q", p1)
	}
	h := hostByID(t, "h07")
	if links, _ := filepath.Glob(filepath.Join(h.Root, "etc/rc2.d/S*brinedemo")); len(links) != 1 {
		t.Errorf("enable: True should create the rc2.d link: %v", links)
	}
	// Unchanged config: no restart.
	c.run("h07", "state.apply", "--file-root", tree, "--out", "json", "--static")
	if p := pid(); p != p1 {
		t.Errorf("restarted without a change: %q -> %q", p1, p)
	}
	r = c.run("h07", "state.apply", "--file-root", tree, "pillar={\"ver\": 2}", "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	p2 := pid()
	if !strings.HasSuffix(p2, "alive") || p2 == p1 {
		t.Errorf("watch should restart the service with a new pid: %q -> %q\n%s", p1, p2, r.stdout)
	}
	svc := stateResults(t, r)["h07"]["service_|-brinedemo_|-brinedemo_|-running"]
	if svc == nil || !changed(svc) {
		t.Errorf("service result should report the restart: %v", svc)
	}
}

// TestSystemStates: a user, a group, a cron entry, an apt package from the
// Debian mirror and a pkgrepo file, really made on one host; then no changes.
func TestSystemStates(t *testing.T) {
	c := newClient(t)
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - system\n",
		"system.sls": `brinegrp:
  group.present:
    - gid: 3100
brineusr:
  user.present:
    - uid: 3100
    - gid: 3100
    - home: /home/brineusr
    - shell: /bin/sh
    - groups: [brinegrp]
    - require:
      - group: brinegrp
nightly:
  cron.present:
    - name: /bin/true
    - user: root
    - minute: 5
    - hour: 3
tree:
  pkg.installed:
    - refresh: True
contrib:
  pkgrepo.managed:
    - name: deb http://deb.debian.org/debian bookworm contrib
    - file: /etc/apt/sources.list.d/brine-e2e.list
    - refresh: False
`,
	})
	r := c.run("h03", "state.apply", "--file-root", tree, "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	h := hostByID(t, "h03")
	read := func(p string) string {
		b, _ := os.ReadFile(filepath.Join(h.Root, p))
		return string(b)
	}
	if !strings.Contains(read("etc/passwd"), "brineusr:x:3100:3100:") {
		t.Error("user brineusr not created")
	}
	if !strings.Contains(read("etc/group"), "brinegrp:x:3100:brineusr") {
		t.Errorf("group brinegrp with member brineusr missing:\n%s", read("etc/group"))
	}
	if ct := read("var/spool/cron/crontabs/root"); !strings.Contains(ct, "5 3 * * * /bin/true") || !strings.Contains(ct, "SALT_CRON_IDENTIFIER") {
		t.Errorf("crontab: %q", ct)
	}
	if !fileExists(filepath.Join(h.Root, "usr/bin/tree")) {
		t.Error("package tree not installed")
	}
	if !strings.Contains(read("etc/apt/sources.list.d/brine-e2e.list"), "deb http://deb.debian.org/debian bookworm contrib") {
		t.Errorf("pkgrepo file: %q", read("etc/apt/sources.list.d/brine-e2e.list"))
	}
	again := c.run("h03", "state.apply", "--file-root", tree, "--out", "json", "--static")
	for tag, res := range stateResults(t, again)["h03"] {
		if res["result"] != true || changed(res) {
			t.Errorf("second run: %s result=%v changes=%v comment=%v", tag, res["result"], res["changes"], res["comment"])
		}
	}
}

// TestCompileErrorIsAHostResult: a broken SLS is reported per host and
// exits 20; it never crashes the run.
func TestCompileErrorIsAHostResult(t *testing.T) {
	c := newClient(t)
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - bad\n",
		"bad.sls": "x:\n  file.managed:\n    - name: /tmp/x\n    - contents: {{ 1 + }}\n",
	})
	r := c.run("-L", "h01,h02", "state.apply", "--file-root", tree)
	if r.code != 20 {
		t.Errorf("compile error: want exit 20, got %d", r.code)
	}
	if !strings.Contains(r.stdout+r.stderr, "bad.sls") || strings.Contains(r.stdout+r.stderr, "panic") {
		t.Errorf("the error should name the file:\n%s\n%s", r.stdout, r.stderr)
	}
}

// TestLocalDryRunOfExampleTree is the README's first command.
func TestLocalDryRunOfExampleTree(t *testing.T) {
	c := newClient(t)
	tree, _ := filepath.Abs("../states")
	r := c.runRaw("--local", "--cache-dir", c.cache, "--file-root", tree, "--id", "ci", "state.apply", "test=True", "--out", "json")
	if strings.Contains(r.stderr, "config") {
		t.Logf("stderr: %s", r.stderr)
	}
	res := stateResults(t, r)["ci"]
	if len(res) == 0 {
		t.Fatalf("no states ran:\n%s\n%s", r.stdout, r.stderr)
	}
	for tag, v := range res {
		if v["result"] == false {
			t.Errorf("%s failed in a dry run: %v", tag, v["comment"])
		}
	}
}

// TestSecretPillarNeverPrinted: a pillar value marked secret reaches the
// host's file but never brine's output, old values included.
func TestSecretPillarNeverPrinted(t *testing.T) {
	c := newClient(t)
	const secret, newer = "Sup3r-s3cret-pw", "An0ther-s3cret"
	tree := writeTree(t, map[string]string{
		"top.sls":        "base:\n  '*':\n    - db\n",
		"db.sls":         "/etc/brine-db.conf:\n  file.managed:\n    - contents: password={{ pillar['db']['password'] }}\n    - mode: 600\n",
		"pillar/top.sls": "base:\n  '*':\n    - db\n",
		"pillar/db.sls":  "db:\n  password: " + secret + "\n",
	})
	args := []string{"h04", "state.apply", "--file-root", tree, "--pillar-root", filepath.Join(tree, "pillar"), "--secret-pillar", "db:password"}
	for _, out := range [][]string{{"--out", "json"}, {}} {
		r := c.run(append(args, out...)...)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("the secret is in brine's output:\n%s", r.stdout)
		}
	}
	h := hostByID(t, "h04")
	if b, _ := os.ReadFile(filepath.Join(h.Root, "etc/brine-db.conf")); string(b) != "password="+secret+"\n" && string(b) != "password="+secret {
		t.Errorf("file on the host: %q", b)
	}
	// Rotate the secret: neither the old nor the new value is printed (the
	// diff is hidden, not just masked).
	r := c.run(append(args, "pillar={\"db\": {\"password\": \""+newer+"\"}}", "--out", "json")...)
	if r.code != 0 || strings.Contains(r.stdout+r.stderr, secret) || strings.Contains(r.stdout+r.stderr, newer) {
		t.Errorf("rotation leaked a secret (exit %d):\n%s", r.code, r.stdout)
	}
	if !strings.Contains(r.stdout, "show_changes=False") {
		t.Errorf("the changed file should report a hidden diff:\n%s", r.stdout)
	}
}
