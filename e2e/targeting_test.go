package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// keys lists a JSON object's keys, sorted and comma-joined.
func keys(m map[string]any) string {
	var k []string
	for id := range m {
		k = append(k, id)
	}
	sort.Strings(k)
	return strings.Join(k, ",")
}

// allIDs is every fleet host's id, sorted.
func allIDs() string {
	var ids []string
	for _, h := range suite.fleet.Hosts {
		ids = append(ids, h.ID)
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// entry is a roster body for a fleet host, with extra YAML lines.
func entry(t *testing.T, id, extra string) string {
	return fmt.Sprintf("  host: %s\n  user: root\n%s", hostByID(t, id).Addr, extra)
}

// traced lists, sorted, the hosts whose trace has step (e.g. "exec
// grains.items"), and how often it was seen in all.
func traced(stderr, step string) (string, int) {
	seen := map[string]bool{}
	n := 0
	for _, l := range strings.Split(stderr, "\n") {
		rest, ok := strings.CutPrefix(l, "brine: trace: ")
		if !ok {
			continue
		}
		id, s, _ := strings.Cut(rest, ": ")
		if strings.HasPrefix(s, step+" ") || s == step {
			seen[id] = true
			n++
		}
	}
	var ids []string
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return strings.Join(ids, ","), n
}

// runWith runs brine with the client's known_hosts and cache but the
// roster (and key) the test gives.
func (c *client) runWith(args ...string) result {
	c.t.Helper()
	return c.runRaw(append([]string{"--known-hosts", c.known, "--cache-dir", c.cache, "--no-agent"}, args...)...)
}

// TestGrainTarget: -G on a fresh controller asks every host for its grains
// once, targets on them, and a second run uses the cache; a host that
// cannot answer is reported unreachable, never dropped.
func TestGrainTarget(t *testing.T) {
	c := newClient(t)
	c.writeRoster(map[string]string{
		"h01": entry(t, "h01", "  grains: {roles: [web, cache]}"),
		"h02": entry(t, "h02", "  grains: {roles: [web]}"),
		"h03": entry(t, "h03", "  grains: {roles: [db, web]}"),
		"h04": entry(t, "h04", "  grains: {roles: [db]}"),
	})
	r := c.run("-G", "roles:web", "test.ping", "--out", "json", "--static", "--trace")
	if r.code != 0 || keys(jsonOut(t, r)) != "h01,h02,h03" {
		t.Fatalf("-G roles:web: exit %d, hosts %s\n%s", r.code, keys(jsonOut(t, r)), r.stderr)
	}
	// Every host is asked for its grains over one connection of its own;
	// the targeted ones are then dialled for the run.
	if asked, _ := traced(r.stderr, "exec grains.items"); asked != allIDs() {
		t.Errorf("first run: every host is asked for its grains: %s", asked)
	}
	for _, h := range suite.fleet.Hosts {
		want := 1
		if h.ID <= "h03" {
			want = 2
		}
		n := 0
		for _, s := range steps(r.stderr, h.ID) {
			if strings.HasPrefix(s, "dial ") {
				n++
			}
		}
		if n != want {
			t.Errorf("%s dialled %d times, want %d", h.ID, n, want)
		}
	}
	if pinged, _ := traced(r.stderr, "exec test.ping"); pinged != "h01,h02,h03" {
		t.Errorf("only the targeted hosts run the function: %s", pinged)
	}
	r = c.run("-G", "roles:web", "test.ping", "--out", "json", "--static", "--trace")
	if asked, _ := traced(r.stderr, "exec grains.items"); r.code != 0 || asked != "" || keys(jsonOut(t, r)) != "h01,h02,h03" {
		t.Errorf("second run: cached grains, nobody asked (%q), exit %d", asked, r.code)
	}
	// Collected grains, matched case-insensitively as Salt does.
	r = c.run("-G", "os_family:debian", "test.ping", "--out", "json", "--static")
	if r.code != 0 || keys(jsonOut(t, r)) != allIDs() {
		t.Errorf("-G os_family:debian: exit %d, %s", r.code, keys(jsonOut(t, r)))
	}
	r = c.run("-G", "os_family:RedHat", "test.ping")
	if r.code != 2 || !strings.Contains(r.stderr, `no hosts in `+c.roster+` match target "os_family:RedHat"`) {
		t.Errorf("no match is a usage error: exit %d\n%s", r.code, r.stderr)
	}

	// A host nobody answers for: unreachable, in the output and the code.
	c.writeRoster(map[string]string{"down": fmt.Sprintf("  host: %s\n  user: root", HostAddr(251))})
	r = c.run("-G", "os_family:Debian", "test.ping", "--out", "json", "--static")
	out := jsonOut(t, r)
	if r.code != 20 || keys(out) != "down,"+allIDs() {
		t.Fatalf("exit %d, hosts %s\n%s", r.code, keys(out), r.stdout)
	}
	down, _ := out["down"].(map[string]any)
	if msg, _ := down["stderr"].(string); !strings.Contains(msg, "the target needs this host's grains and it could not give them") {
		t.Errorf("down: %v", out["down"])
	}
	if out["h05"] != true {
		t.Errorf("the reachable hosts still run: h05 = %v", out["h05"])
	}
}

// TestCompoundAndNodegroupTargets: -C and -N, nodegroups from brine.yaml
// (nested, lists), and a host without cached grains asked first; hosts the
// id decides are not asked at all; top files see the nodegroups too.
func TestCompoundAndNodegroupTargets(t *testing.T) {
	c := newClient(t)
	extra := map[string]string{"h05": entry(t, "h05", "  grains: {roles: [db]}")}
	for _, id := range []string{"h01", "h02", "h03", "h04"} {
		extra[id] = entry(t, id, "  grains: {roles: [web]}")
	}
	c.writeRoster(extra)
	cfg := filepath.Join(c.home, "brine.yaml")
	if err := os.WriteFile(cfg, []byte(`nodegroups:
  web: 'G@roles:web'
  webnot34: 'N@web and not E@h0[34]'
  front: 'N@webnot34 or L@h09'
  listed: [h06, h07]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	// Grains are cached for h01-h05 only.
	if r := c.run("-L", "h01,h02,h03,h04,h05", "test.ping"); r.code != 0 {
		t.Fatalf("warm up: exit %d\n%s", r.code, r.stderr)
	}
	r := c.run("--config", cfg, "-N", "front", "test.ping", "--out", "json", "--static", "--trace")
	if r.code != 0 || keys(jsonOut(t, r)) != "h01,h02,h09" {
		t.Fatalf("-N front: exit %d, %s\n%s", r.code, keys(jsonOut(t, r)), r.stderr)
	}
	// h03 and h04 are out by their ids, h09 in; h01, h02 and h05 have
	// cached grains: the rest are asked, once.
	if asked, n := traced(r.stderr, "exec grains.items"); asked != "h06,h07,h08,h10,nosftp" || n != 5 {
		t.Errorf("asked for grains: %s (%d times)", asked, n)
	}
	r = c.run("--config", cfg, "-N", "listed", "test.ping", "--out", "json", "--static", "--trace")
	if asked, _ := traced(r.stderr, "exec grains.items"); r.code != 0 || keys(jsonOut(t, r)) != "h06,h07" || asked != "" {
		t.Errorf("-N listed: exit %d, %s, asked %q", r.code, keys(jsonOut(t, r)), asked)
	}
	for expr, want := range map[string]string{
		"N@web and G@os_family:Debian":                   "h01,h02,h03,h04",
		"h0[12] or G@roles:db":                           "h01,h02,h05",
		"( h01 or h02 ) and not G@roles:web or L@nosftp": "nosftp",
	} {
		r = c.run("--config", cfg, "-C", expr, "test.ping", "--out", "json", "--static")
		if r.code != 0 || keys(jsonOut(t, r)) != want {
			t.Errorf("-C %q: exit %d, %s, want %s\n%s", expr, r.code, keys(jsonOut(t, r)), want, r.stderr)
		}
	}
	r = c.run("--config", cfg, "-N", "nope", "test.ping")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown nodegroup "nope" (nodegroups: front, listed, web, webnot34)`) {
		t.Errorf("unknown nodegroup: exit %d\n%s", r.code, r.stderr)
	}
	r = c.run("--config", cfg, "-C", "G@roles:web and", "test.ping")
	if r.code != 2 || !strings.Contains(r.stderr, "compound target") {
		t.Errorf("bad compound: exit %d\n%s", r.code, r.stderr)
	}

	// A top file matching on nodegroups.
	states := filepath.Join(c.home, "states")
	os.MkdirAll(states, 0o755)
	os.WriteFile(filepath.Join(states, "top.sls"), []byte("base:\n  web:\n    - match: nodegroup\n    - webstuff\n  listed:\n    - match: nodegroup\n    - listedstuff\n"), 0o644)
	r = c.run("--config", cfg, "--file-root", states, "-L", "h01,h06", "state.show_top", "--out", "json", "--static")
	out := jsonOut(t, r)
	if r.code != 0 || fmt.Sprint(out["h01"]) != "map[base:[webstuff]]" || fmt.Sprint(out["h06"]) != "map[base:[listedstuff]]" {
		t.Errorf("show_top: exit %d, %v\n%s", r.code, out, r.stderr)
	}
}

// TestAnsibleRoster: an Ansible INI inventory as the roster, with a host
// range, groups as nodegroups and connection variables (the key comes from
// ansible_ssh_private_key_file).
func TestAnsibleRoster(t *testing.T) {
	c := newClient(t)
	a13, a14 := hostByID(t, "h03").Addr, hostByID(t, "h04").Addr
	prefix := a13[:strings.LastIndexByte(a13, '.')+1]
	inv := fmt.Sprintf(`# an Ansible inventory
[web]
h01 ansible_host=%s ansible_user=root
h02 ansible_host=%s

[db]
%s[%s:%s]

[app:children]
web
db

[app:vars]
ansible_user=root

[all:vars]
ansible_port=22
ansible_ssh_private_key_file=%s
`, hostByID(t, "h01").Addr, hostByID(t, "h02").Addr, prefix, a13[len(prefix):], a14[len(prefix):], suite.fleet.ClientKey)
	file := filepath.Join(c.home, "hosts.ini")
	if err := os.WriteFile(file, []byte(inv), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"--roster", "ansible", "--roster-file", file, "--ssh-config", "none"}
	for _, c2 := range []struct {
		args []string
		want string
	}{
		{[]string{"-N", "app"}, fmt.Sprintf("%s,%s,h01,h02", a13, a14)},
		{[]string{"-N", "db"}, a13 + "," + a14},
		{[]string{"h*"}, "h01,h02"},
		{[]string{"all"}, ""}, // a glob: "all" is a nodegroup (-N all), as in Salt's ansible roster
		{[]string{"-N", "all"}, fmt.Sprintf("%s,%s,h01,h02", a13, a14)},
	} {
		args := append(append(append([]string{}, base...), c2.args...), "test.ping", "--out", "json", "--static")
		r := c.runWith(args...)
		if c2.want == "" {
			if r.code != 2 || !strings.Contains(r.stderr, `"all" is a nodegroup: -N all`) {
				t.Errorf("%v: exit %d, want a usage error with a hint\n%s", c2.args, r.code, r.stderr)
			}
			continue
		}
		if r.code != 0 || keys(jsonOut(t, r)) != c2.want {
			t.Errorf("%v: exit %d, %s, want %s\n%s", c2.args, r.code, keys(jsonOut(t, r)), c2.want, r.stderr)
		}
	}
	r := c.runWith(append(base, "--roster-file", filepath.Join(c.home, "missing.ini"), "*", "test.ping")...)
	if r.code != 2 || !strings.Contains(r.stderr, "missing.ini") {
		t.Errorf("missing inventory: exit %d\n%s", r.code, r.stderr)
	}
}

// TestExecutableRoster: an executable --roster-file is run and its output
// is the roster; a script that fails or prints garbage is a usage error
// naming it.
func TestExecutableRoster(t *testing.T) {
	c := newClient(t)
	script := func(name, body string) string {
		p := filepath.Join(c.home, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := script("cmdb.sh", fmt.Sprintf(`echo 'asking the CMDB' >&2
cat <<'EOF'
{"h03": {"host": "%s", "user": "root"}, "h04": {"host": "%s", "user": "root"}}
EOF
`, hostByID(t, "h03").Addr, hostByID(t, "h04").Addr))
	r := c.run("--roster-file", good, "*", "test.ping", "--out", "json", "--static")
	if r.code != 0 || keys(jsonOut(t, r)) != "h03,h04" || !strings.Contains(r.stderr, "roster script "+good+": asking the CMDB") {
		t.Errorf("script roster: exit %d, %s\n%s", r.code, keys(jsonOut(t, r)), r.stderr)
	}
	for name, c2 := range map[string]struct{ body, want string }{
		"fails.sh":   {"echo 'CMDB: connection refused' >&2; exit 3\n", "roster script %s failed (exit status 3): CMDB: connection refused"},
		"garbage.sh": {"echo '<html>502 Bad Gateway</html>'\n", "roster script %s printed no usable flat roster"},
	} {
		p := script(name, c2.body)
		r := c.run("--roster-file", p, "*", "test.ping")
		if want := fmt.Sprintf(c2.want, p); r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, want %q in\n%s", name, r.code, want, r.stderr)
		}
	}
}

// TestSSHConfigRoster: the hosts of an OpenSSH config, connected with the
// config's HostName, User and IdentityFile.
func TestSSHConfigRoster(t *testing.T) {
	c := newClient(t)
	cfg := filepath.Join(c.home, "ssh_config")
	body := fmt.Sprintf("Host *\n  User root\n  IdentityFile %s\nHost h05\n  HostName %s\nHost h06 !h07\n  HostName %s\nHost h0?\n  Port 22\n",
		suite.fleet.ClientKey, hostByID(t, "h05").Addr, hostByID(t, "h06").Addr)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.runWith("--roster", "sshconfig", "--ssh-config", cfg, "*", "test.ping", "--out", "json", "--static")
	if r.code != 0 || keys(jsonOut(t, r)) != "h05,h06" {
		t.Errorf("sshconfig roster: exit %d, %s\n%s", r.code, keys(jsonOut(t, r)), r.stderr)
	}
}

// TestShardProcesses: three brine processes with --shard 1/3, 2/3 and 3/3
// run at once cover every host exactly once; a host keeps its shard when
// another host leaves the roster.
func TestShardProcesses(t *testing.T) {
	c := newClient(t)
	var wg sync.WaitGroup
	res := make([]result, 3)
	for k := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[k] = c.run("--shard", fmt.Sprintf("%d/3", k+1), "*", "test.ping", "--out", "json", "--static")
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	shardOf := map[string]int{}
	for k, r := range res {
		if r.code != 0 {
			t.Fatalf("shard %d/3: exit %d\n%s", k+1, r.code, r.stderr)
		}
		for id, v := range jsonOut(t, r) {
			if v != true {
				t.Errorf("shard %d/3: %s = %v", k+1, id, v)
			}
			seen[id]++
			shardOf[id] = k + 1
		}
	}
	covered := map[string]any{}
	for id := range seen {
		covered[id] = nil
	}
	if keys(covered) != allIDs() {
		t.Errorf("shards cover %s, want %s", keys(covered), allIDs())
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s ran in %d shards", id, n)
		}
	}
	// Without h10 in the roster, h10's shard loses it and nothing else
	// moves.
	var roster strings.Builder
	for _, h := range suite.fleet.Hosts {
		if h.ID != "h10" {
			fmt.Fprintf(&roster, "%s:\n%s\n", h.ID, entry(t, h.ID, ""))
		}
	}
	if err := os.WriteFile(c.roster, []byte(roster.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for k := 1; k <= 3; k++ {
		r := c.run("--shard", fmt.Sprintf("%d/3", k), "*", "test.ping", "--out", "json", "--static")
		var want []string
		for id, s := range shardOf {
			if s == k && id != "h10" {
				want = append(want, id)
			}
		}
		sort.Strings(want)
		if got := keys(jsonOut(t, r)); got != strings.Join(want, ",") {
			t.Errorf("shard %d/3 without h10: %s, want %s", k, got, strings.Join(want, ","))
		}
	}
	if r := c.run("--shard", "0/3", "*", "test.ping"); r.code != 2 || !strings.Contains(r.stderr, "K must be from 1 to N") {
		t.Errorf("--shard 0/3: exit %d\n%s", r.code, r.stderr)
	}
}

// TestRosterMergeKeysAndUnsafeValues: a roster with a YAML merge key runs
// (salt-ssh honours it); a thin_dir that can never be safe is refused with
// exit 2 naming the roster line, before any host is contacted.
func TestRosterMergeKeysAndUnsafeValues(t *testing.T) {
	c := newClient(t)
	roster := fmt.Sprintf("h01: &base\n  host: %s\n  user: root\n  thin_dir: /var/tmp/.brine_merge\nh02:\n  <<: *base\n  host: %s\n",
		hostByID(t, "h01").Addr, hostByID(t, "h02").Addr)
	if err := os.WriteFile(c.roster, []byte(roster), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("*", "test.ping", "--out", "json", "--static")
	if r.code != 0 || keys(jsonOut(t, r)) != "h01,h02" || strings.Contains(r.stderr, "unknown key") {
		t.Errorf("merge key: exit %d, %s\n%s", r.code, keys(jsonOut(t, r)), r.stderr)
	}
	if _, err := os.Stat(filepath.Join(hostByID(t, "h02").Root, "var/tmp/.brine_merge")); err != nil {
		t.Errorf("h02's thin_dir comes from the merged entry: %v", err)
	}
	roster = fmt.Sprintf("h03:\n  host: %s\n  user: root\n  thin_dir: \"/var/tmp/x\\ntouch /tmp/pwned\"\n", hostByID(t, "h03").Addr)
	if err := os.WriteFile(c.roster, []byte(roster), 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.run("*", "test.ping", "--trace")
	if r.code != 2 || !strings.Contains(r.stderr, c.roster+`:4: host "h03": thin_dir`) || strings.Contains(r.stderr, "dial") {
		t.Errorf("unsafe thin_dir: exit %d\n%s", r.code, r.stderr)
	}
}
