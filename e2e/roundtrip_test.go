package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// steps returns the traced network steps of one host, without timings.
func steps(stderr, id string) []string {
	re := regexp.MustCompile(`^brine: trace: ` + regexp.QuoteMeta(id) + `: (\S+ \S+)`)
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if m := re.FindStringSubmatch(l); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// TestRoundTrips pins the cost of a run: one connection per host, one exec
// once the executor is cached, and the bundle never sent twice.
func TestRoundTrips(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h02")
	tree, _ := filepath.Abs("../states")
	os.RemoveAll(filepath.Join(h.Root, "var/tmp/.brine_root"))

	// First contact, executor missing: the ping request goes with the exec
	// that finds the executor missing, then upload, then the real exec.
	r := c.run("h02", "test.ping", "--trace")
	want := []string{"dial " + HostAddr(12) + ":22", "exec test.ping", "upload executor", "exec test.ping"}
	if got := steps(r.stderr, "h02"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("first contact: got %q, want %q", got, want)
	}
	// Warm: one dial, one exec.
	r = c.run("h02", "test.ping", "--trace")
	if got := steps(r.stderr, "h02"); strings.Join(got, "|") != "dial "+HostAddr(12)+":22|exec test.ping" {
		t.Errorf("warm ping: %q", got)
	}
	// A state run with cached grains: compile on the controller, one exec
	// carrying the bundle.
	r = c.run("h02", "state.apply", "test=True", "--file-root", tree, "--trace")
	if got := steps(r.stderr, "h02"); strings.Join(got, "|") != "dial "+HostAddr(12)+":22|exec state.apply" {
		t.Errorf("warm state.apply: %q\n%s", got, r.stderr)
	}
	// Thin dir wiped behind our back while the cache says the executor is
	// there: brine sent the request optimistically, learns it is missing,
	// uploads and sends again (the one case where the bundle travels twice;
	// /var/tmp survives reboots, so this is rare).
	os.RemoveAll(filepath.Join(h.Root, "var/tmp/.brine_root"))
	r = c.run("h02", "state.apply", "test=True", "--file-root", tree, "--trace")
	want = []string{"dial " + HostAddr(12) + ":22", "exec state.apply", "upload executor", "exec state.apply"}
	if got := steps(r.stderr, "h02"); strings.Join(got, "|") != strings.Join(want, "|") || r.code != 0 {
		t.Errorf("state.apply after wipe: exit %d, got %q, want %q", r.code, got, want)
	}
	// The cache names another executor (brine was upgraded): a cheap probe
	// runs before the bundle is sent, so the bundle travels once.
	cacheFile := filepath.Join(c.cache, "hosts", "h02.json")
	b, err := os.ReadFile(cacheFile)
	if err != nil {
		t.Fatal(err)
	}
	b = regexp.MustCompile(`"exec_sha256":"[0-9a-f]+"`).ReplaceAll(b, []byte(`"exec_sha256":"0000"`))
	if err := os.WriteFile(cacheFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.run("h02", "state.apply", "test=True", "--file-root", tree, "--trace")
	want = []string{"dial " + HostAddr(12) + ":22", "exec probe", "exec state.apply"}
	if got := steps(r.stderr, "h02"); strings.Join(got, "|") != strings.Join(want, "|") || r.code != 0 {
		t.Errorf("state.apply after an upgrade: exit %d, got %q, want %q", r.code, got, want)
	}
	// Raw needs no executor: dial and one exec.
	r = c.run("h02", "-r", "true", "--trace")
	if got := steps(r.stderr, "h02"); strings.Join(got, "|") != "dial "+HostAddr(12)+":22|exec raw" {
		t.Errorf("raw: %q", got)
	}
}

// TestProxyJump reaches a host through another one (roster ssh_options).
func TestProxyJump(t *testing.T) {
	c := newClient(t)
	jump, dst := hostByID(t, "h01"), hostByID(t, "h03")
	c.writeRoster(map[string]string{
		"h03": "  host: " + dst.Addr + "\n  ssh_options:\n    - ProxyJump=root@" + jump.Addr + ":22",
	})
	r := c.run("h03", "cmd.run", "hostname", "--out", "json", "--static", "--trace")
	if r.code != 0 || jsonOut(t, r)["h03"] != "h03" {
		t.Fatalf("through the jump host: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestSSHConfig: the roster names an alias; ~/.ssh/config (here --ssh-config)
// gives the real address, user and key, as ssh(1) would use them.
func TestSSHConfig(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h05")
	cfg := filepath.Join(c.home, "ssh_config")
	body := "Host web-alias\n  HostName " + h.Addr + "\n  User root\n  IdentityFile " + suite.fleet.ClientKey + "\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	roster := filepath.Join(c.home, "alias-roster.yaml")
	if err := os.WriteFile(roster, []byte("web:\n  host: web-alias\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.runRaw("--roster-file", roster, "--known-hosts", c.known, "--cache-dir", c.cache, "--no-agent",
		"--ssh-config", cfg, "web", "cmd.run", "hostname", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["web"] != "h05" {
		t.Fatalf("through ssh_config: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestCorruptExecutorIsReplaced: a cached executor whose bytes no longer
// match its name (appended garbage still runs) or that cannot start at all
// is removed and uploaded again, and the run succeeds: whether the
// controller knows the host (one candidate executor, and its cache says
// the host has it) or meets it for the first time with executors for more
// than one architecture to choose from (as a release build with embedded
// executors does; forced here with a second, fake one, so the test holds
// in any build). The start script checks the hash itself, every time.
func TestCorruptExecutorIsReplaced(t *testing.T) {
	h := hostByID(t, "h08")
	thin := filepath.Join(h.Root, "var/tmp/.brine_root")
	// Executors for two architectures: the real amd64 one, and a stand-in
	// for arm64 that the host never gets.
	two := t.TempDir()
	b, err := os.ReadFile(filepath.Join(filepath.Dir(suite.bin), "brine-exec-linux-amd64"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(two, "brine-exec-linux-amd64"), b, 0o755)
	os.WriteFile(filepath.Join(two, "brine-exec-linux-arm64"), []byte("not for this host"), 0o755)
	for _, ctl := range []string{"warm controller", "first contact, two architectures"} {
		for _, damage := range []string{"append", "truncate"} {
			what := ctl + ", " + damage
			c := newClient(t)
			if r := c.run("h08", "test.ping"); r.code != 0 {
				t.Fatal(r.stderr)
			}
			ents, _ := filepath.Glob(filepath.Join(thin, "brine-exec-*"))
			if len(ents) != 1 {
				t.Fatalf("want one cached executor, got %v", ents)
			}
			p := ents[0]
			good, _ := os.ReadFile(p)
			if string(good) != string(b) {
				t.Fatalf("%s: the cached executor is not the one brine ships", what)
			}
			bad := append(append([]byte(nil), good...), "garbage"...)
			if damage == "truncate" {
				bad = []byte("#!/nonexistent/interpreter\n")
			}
			if err := os.WriteFile(p, bad, 0o700); err != nil {
				t.Fatal(err)
			}
			if ctl != "warm controller" {
				c = newClient(t) // a controller that has never seen the host
				c.execDir = two
			}
			r := c.run("h08", "cmd.run", "echo fine", "--out", "json", "--static", "--trace")
			if r.code != 0 || jsonOut(t, r)["h08"] != "fine" {
				t.Errorf("%s: exit %d\n%s\n%s", what, r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "upload executor") || !strings.Contains(r.stderr, "did not match its sha256: removed it") {
				t.Errorf("%s: the executor was not found corrupt and uploaded again:\n%s", what, r.stderr)
			}
			now, _ := os.ReadFile(p)
			if string(now) != string(good) {
				t.Errorf("%s: the cached executor was not restored", what)
				os.WriteFile(p, good, 0o700)
			}
		}
	}
}
