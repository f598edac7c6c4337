package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestPingList(t *testing.T) {
	c := newClient(t)
	r := c.run("-L", "h01,h02", "test.ping")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, id := range []string{"h01", "h02"} {
		if !strings.Contains(r.stdout, id+":") {
			t.Errorf("output lacks %s:\n%s", id, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "h03") {
		t.Errorf("h03 was not targeted but appears:\n%s", r.stdout)
	}
}

func TestPingAndCmdRunTenHosts(t *testing.T) {
	c := newClient(t)
	r := c.run("h*", "test.ping", "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	m := jsonOut(t, r)
	if len(m) != fleetSize {
		t.Fatalf("want %d hosts, got %d: %v", fleetSize, len(m), m)
	}
	for _, id := range hostIDs(fleetSize) {
		if m[id] != true {
			t.Errorf("%s: want true, got %#v", id, m[id])
		}
	}
	// Each host is its own machine: its hostname (UTS namespace) is its id,
	// and a file written on one is not on another.
	r = c.run("h*", "cmd.run", "hostname; uname -s", "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	m = jsonOut(t, r)
	for _, id := range hostIDs(fleetSize) {
		if m[id] != id+"\nLinux" {
			t.Errorf("%s: cmd.run returned %#v", id, m[id])
		}
	}
}

func TestCmdRunAllAndGrains(t *testing.T) {
	c := newClient(t)
	r := c.run("h01", "cmd.run_all", "echo out; echo err >&2; exit 3", "--out", "json", "--static")
	m := jsonOut(t, r)
	ra, ok := m["h01"].(map[string]any)
	if !ok {
		t.Fatalf("cmd.run_all: %#v", m)
	}
	if ra["stdout"] != "out" || ra["stderr"] != "err" || ra["retcode"] != float64(3) {
		t.Errorf("cmd.run_all: %#v", ra)
	}
	r = c.run("h02", "grains.items", "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	g := jsonOut(t, r)["h02"].(map[string]any)
	want := map[string]any{"id": "h02", "os": "Debian", "os_family": "Debian", "osmajorrelease": float64(12),
		"oscodename": "bookworm", "kernel": "Linux", "nodename": "h02",
		// PID 1 of an e2e host is sshd, not an init: Salt's
		// _linux_init_system says "unknown" for it.
		"init": "unknown", "saltversion": "3007.1"}
	for k, v := range want {
		if g[k] != v {
			t.Errorf("grain %s = %#v, want %#v", k, g[k], v)
		}
	}
	r = c.run("h03", "grains.get", "osfinger", "--out", "json", "--static")
	if got := jsonOut(t, r)["h03"]; got != "Debian-12" {
		t.Errorf("grains.get osfinger = %#v", got)
	}
	// Roster grains override collected ones, also when grains are cached,
	// and stop applying once removed from the roster.
	h3 := hostByID(t, "h03")
	c.writeRoster(map[string]string{"h03": "  host: " + h3.Addr + "\n  grains:\n    os: Custom\n    roles: [web]"})
	r = c.run("h03", "grains.items", "--out", "json", "--static")
	g3 := jsonOut(t, r)["h03"].(map[string]any)
	if g3["os"] != "Custom" || fmt.Sprint(g3["roles"]) != "[web]" || g3["os_family"] != "Debian" {
		t.Errorf("roster grains: os=%v roles=%v os_family=%v", g3["os"], g3["roles"], g3["os_family"])
	}
	c.writeRoster(nil)
	r = c.run("h03", "grains.get", "os", "--out", "json", "--static")
	if got := jsonOut(t, r)["h03"]; got != "Debian" {
		t.Errorf("a removed roster grain lingers: os = %#v", got)
	}
}

func TestRaw(t *testing.T) {
	c := newClient(t)
	r := c.run("h04", "-r", "echo hi; echo oops >&2; exit 3", "--out", "json", "--static")
	if r.code != 20 {
		t.Errorf("a raw command that exits 3 should make brine exit 20, got %d", r.code)
	}
	// salt-ssh's keys (e2e/testdata/oracle/cli/raw-fail-json.txt).
	m := jsonOut(t, r)["h04"].(map[string]any)
	if m["stdout"] != "hi\n" || m["stderr"] != "oops" || m["retcode"] != float64(3) || m["parsed"] != nil ||
		m["_error"] != "The command resulted in a non-zero exit code" || len(m) != 5 {
		t.Errorf("raw: %#v", m)
	}
	// -r needs no executor: a fresh host thin dir stays empty.
	h := hostByID(t, "h04")
	thin := filepath.Join(h.Root, "var/tmp/.brine_root")
	before, _ := os.ReadDir(thin)
	c.run("h04", "-r", "true")
	after, _ := os.ReadDir(thin)
	if len(after) != len(before) {
		t.Errorf("-r changed the thin dir: %d -> %d entries", len(before), len(after))
	}
}

func TestTargetMatchesNothing(t *testing.T) {
	c := newClient(t)
	r := c.run("nope*", "test.ping")
	if r.code != 2 || !strings.Contains(r.stderr, "no hosts") || !strings.Contains(r.stderr, "nope*") {
		t.Errorf("want exit 2 naming the target, got %d: %s", r.code, r.stderr)
	}
	r = c.run("-E", "h0[12]", "test.ping", "--out", "json", "--static")
	if m := jsonOut(t, r); len(m) != 2 || m["h01"] != true || m["h02"] != true {
		t.Errorf("-E h0[12]: %v", m)
	}
}

func TestUnreachableHost(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h10")
	h.Stop()
	defer func() {
		if err := h.Start(); err != nil {
			t.Fatal(err)
		}
	}()
	r := c.run("h*", "test.ping", "--out", "json", "--static", "--timeout", "3")
	if r.code != 20 {
		t.Errorf("want exit 20 with one host down, got %d", r.code)
	}
	m := jsonOut(t, r)
	for _, id := range hostIDs(9) {
		if m[id] != true {
			t.Errorf("%s should still answer: %#v", id, m[id])
		}
	}
	down, _ := m["h10"].(map[string]any)
	if down == nil || down["retcode"] != float64(255) || !strings.Contains(fmt.Sprint(down["stderr"]), "refused") {
		t.Errorf("h10 should be reported unreachable with the reason: %#v", m["h10"])
	}
}

func TestHostKeys(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h09")
	// Unknown host: refused by default, recorded with accept-new.
	if err := os.WriteFile(c.known, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("h09", "test.ping")
	if r.code != 20 || !strings.Contains(r.stdout+r.stderr, "unknown") {
		t.Errorf("unknown key: want refusal, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = c.run("h09", "test.ping", "--host-key-policy", "accept-new")
	if r.code != 0 {
		t.Fatalf("accept-new: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	kh, _ := os.ReadFile(c.known)
	if !strings.Contains(string(kh), h.PublicKey().Type()) || !strings.Contains(string(kh), h.Addr) {
		t.Errorf("accept-new did not record the key: %q", kh)
	}
	if r = c.run("h09", "test.ping"); r.code != 0 {
		t.Errorf("strict after accept-new: exit %d", r.code)
	}

	// The host is rebuilt with a new key: refused, even with accept-new.
	h.Stop()
	if err := h.NewHostKey(); err != nil {
		t.Fatal(err)
	}
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		// Keep the shared known_hosts true for other tests.
		if err := suite.fleet.WriteKnownHosts(); err != nil {
			t.Fatal(err)
		}
	}()
	for _, policy := range []string{"strict", "accept-new"} {
		r = c.run("h09", "test.ping", "--host-key-policy", policy)
		if r.code != 20 || !strings.Contains(r.stdout+r.stderr, "CHANGED") {
			t.Errorf("%s: a changed host key must be refused, got %d\n%s%s", policy, r.code, r.stdout, r.stderr)
		}
	}
	if r = c.run("h09", "test.ping", "-i"); r.code != 0 {
		t.Errorf("-i skips the check: exit %d\n%s", r.code, r.stderr)
	}
}

func TestSudo(t *testing.T) {
	c := newClient(t)
	h1, h2 := hostByID(t, "h05"), hostByID(t, "h06")
	// First contact for root on both: the executor is uploaded through
	// sudo (h06: with the password on sudo's stdin first).
	for _, h := range []*Host{h1, h2} {
		os.RemoveAll(filepath.Join(h.Root, "var/tmp/.brine_root"))
	}
	c.writeRoster(map[string]string{
		"h05": "  host: " + h1.Addr + "\n  user: " + SudoNoPass + "\n  sudo: True",
		"h06": "  host: " + h2.Addr + "\n  user: " + SudoPass + "\n  sudo: True\n  passwd: " + SudoPassword,
	})
	r := c.run("-L", "h05,h06", "cmd.run", "id -un; ps -eo args", "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("sudo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	m := jsonOut(t, r)
	for _, id := range []string{"h05", "h06"} {
		out, _ := m[id].(string)
		if !strings.HasPrefix(out, "root\n") {
			t.Errorf("%s: want to run as root through sudo, got %q", id, out)
		}
		if strings.Contains(out, SudoPassword) {
			t.Errorf("%s: the sudo password is visible in the process list on the target", id)
		}
	}
	if strings.Contains(r.stdout+r.stderr, SudoPassword) {
		t.Error("the sudo password appears in brine's output")
	}
	// The executor is cached in the thin dir of the user it runs as
	// (root), never in one the login user can write.
	fi, err := os.Stat(filepath.Join(h2.Root, "var/tmp/.brine_root"))
	if err != nil || fi.Mode().Perm() != 0o700 || fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Errorf("root's thin dir: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(h2.Root, "var/tmp/.brine_"+SudoPass)); !os.IsNotExist(err) {
		t.Errorf("a thin dir of the login user %s was made: %v", SudoPass, err)
	}
	// --wipe through the executor, and -w after -r through a script, both
	// as root through sudo with the password.
	for _, args := range [][]string{{"h06", "test.ping", "--wipe"}, {"h06", "-r", "true", "-w"}} {
		if r := c.run(args...); r.code != 0 {
			t.Errorf("%q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(h2.Root, "var/tmp/.brine_root")); !os.IsNotExist(err) {
			t.Errorf("%q: root's thin dir is still there: %v", args, err)
		}
		if r := c.run("h06", "test.ping"); r.code != 0 {
			t.Errorf("after %q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}

	// Wrong or missing password: a clear per-host error, not a hang.
	c.writeRoster(map[string]string{"h06": "  host: " + h2.Addr + "\n  user: " + SudoPass + "\n  sudo: True\n  passwd: wrong"})
	r = c.run("h06", "test.ping", "--out", "json", "--static", "--refresh")
	if r.code != 20 || !strings.Contains(r.stdout, "password") {
		t.Errorf("wrong sudo password: want exit 20 and a message, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "wrong") && !strings.Contains(r.stdout+r.stderr, "password was refused") {
		t.Errorf("output may leak the password: %s", r.stdout)
	}
	r = c.run("h06", "-r", "id -un", "--out", "json", "--static")
	if r.code != 20 {
		t.Errorf("raw with a wrong sudo password: exit %d", r.code)
	}
}

func TestNoSFTP(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "nosftp")
	os.RemoveAll(filepath.Join(h.Root, "var/tmp/.brine_root"))
	r := c.run("nosftp", "cmd.run", "echo via-stream", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["nosftp"] != "via-stream" {
		t.Fatalf("no-SFTP host: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	entries, _ := os.ReadDir(filepath.Join(h.Root, "var/tmp/.brine_root"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || !strings.HasPrefix(names[1], "brine-exec-") || names[0] != "."+names[1]+".used" {
		t.Errorf("want exactly the cached executor and the record of its use, got %v", names)
	}
}

func TestExecutorCachedOnce(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h07")
	thin := filepath.Join(h.Root, "var/tmp/.brine_root")
	os.RemoveAll(thin)
	// Two runs at once on a host without the executor: both succeed and
	// there is one complete executor afterwards, no temp file.
	done := make(chan result, 2)
	for i := 0; i < 2; i++ {
		go func() { done <- c.run("h07", "test.ping") }()
	}
	for i := 0; i < 2; i++ {
		if r := <-done; r.code != 0 {
			t.Errorf("concurrent first runs: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	}
	entries, _ := filepath.Glob(filepath.Join(thin, "*brine-exec-*"))
	if len(entries) != 2 {
		t.Fatalf("want one cached executor and its record, no temp file, got %v", entries)
	}
	entries, _ = filepath.Glob(filepath.Join(thin, "brine-exec-*"))
	fi1, _ := os.Stat(entries[0])
	if r := c.run("h07", "test.ping"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	// An upload writes a new file and renames it in place: a new inode.
	// (The mtime is no witness: the executor marks itself used each run.)
	fi2, err := os.Stat(entries[0])
	if err != nil || !os.SameFile(fi1, fi2) {
		t.Errorf("the executor was uploaded again: %v", err)
	}
	dfi, _ := os.Stat(thin)
	if dfi.Mode().Perm() != 0o700 {
		t.Errorf("thin dir mode %v", dfi.Mode().Perm())
	}
}
