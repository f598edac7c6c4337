package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"brine/provision/controller/executorbin"
)

// env is the fleet and binaries shared by every test in the package.
type env struct {
	fleet *Fleet
	bin   string // the brine binary
	work  string
}

// suite is set up once in TestMain; tests only read it.
var suite *env

const fleetSize = 10

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	ci := os.Getenv("CI") == "true"
	if os.Geteuid() != 0 {
		if ci {
			fmt.Fprintln(os.Stderr, "e2e: CI=true but not root: the e2e hosts need root (overlayfs, namespaces, chroot)")
			return 1
		}
		fmt.Println("e2e: SKIPPING end-to-end tests: they need root (overlayfs, namespaces, chroot); run as root or in CI")
		return 0
	}
	for _, tool := range []string{"debootstrap", "unshare", "chroot"} {
		if _, err := exec.LookPath(tool); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %s is missing (apt-get install -y debootstrap util-linux coreutils)\n", tool)
			return 1
		}
	}
	CleanStale(filepath.Join(os.TempDir(), "brine-e2e-*"), func(f string, a ...any) { fmt.Printf(f+"\n", a...) })
	work, err := os.MkdirTemp("", "brine-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(work)
	if err := MarkOwner(work); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	bin, err := buildBinaries(filepath.Join(work, "bin"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	cache := os.Getenv("BRINE_E2E_CACHE")
	if cache == "" {
		cache = "/var/cache/brine-e2e"
	}
	t0 := time.Now()
	base, err := EnsureBase(cache, func(f string, a ...any) { fmt.Printf(f+"\n", a...) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	fleet, err := NewFleet(base, filepath.Join(work, "fleet"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer func() {
		if err := fleet.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: cleanup:", err)
		}
	}()
	// A recording session (-oracle) starts only the hosts it records on,
	// in address slots of its own, so it can run beside an e2e run of the
	// same BRINE_E2E_NET.
	if *oracleBin == "" {
		if err := fleet.AddMany(hostIDs(fleetSize), 11, 4, false); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		if _, err := fleet.Add("nosftp", 30, true); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
	}
	if err := fleet.WriteKnownHosts(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	fmt.Printf("e2e: %d hosts up in %s\n", len(fleet.Hosts), time.Since(t0).Round(time.Millisecond))
	suite = &env{fleet: fleet, bin: bin, work: work}
	return m.Run()
}

// buildBinaries builds brine and the amd64 executor beside it (where brine
// looks for executors when none is embedded).
func buildBinaries(dir string) (string, error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "brine")
	builds := []struct {
		out, pkg string
		env      []string
		flags    []string
	}{
		{bin, "./cmd/brine", nil, []string{"-trimpath", "-ldflags=-s -w"}},
		{filepath.Join(dir, "brine-exec-linux-amd64"), "./cmd/brine-exec", []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}, executorbin.BuildFlags()},
	}
	for _, b := range builds {
		cmd := exec.Command("go", append(append([]string{"build"}, b.flags...), "-o", b.out, b.pkg)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), b.env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	return bin, nil
}

// client is one user's view: a home, a cache, a roster and known_hosts.
type client struct {
	t       testing.TB
	home    string
	roster  string
	known   string
	cache   string
	key     string        // the private key brine logs in with
	timeout time.Duration // bound of one brine run
	// execDir is where brine finds its executors (BRINE_EXEC_DIR): the
	// e2e build's, unless a test gives it others.
	execDir string
}

// newClient makes a fresh controller environment (empty caches).
func newClient(t testing.TB) *client {
	t.Helper()
	if suite == nil {
		t.Skip("no fleet")
	}
	home := t.TempDir()
	c := &client{t: t, home: home, roster: filepath.Join(home, "roster.yaml"), known: filepath.Join(home, "known_hosts"), cache: filepath.Join(home, "cache"),
		key: suite.fleet.ClientKey, timeout: 5 * time.Minute, execDir: filepath.Dir(suite.bin)}
	b, err := os.ReadFile(suite.fleet.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.known, b, 0o600); err != nil {
		t.Fatal(err)
	}
	c.writeRoster(nil)
	return c
}

// writeRoster writes a roster with every fleet host; extra adds or replaces
// per-host YAML bodies.
func (c *client) writeRoster(extra map[string]string) {
	var b strings.Builder
	for _, h := range suite.fleet.Hosts {
		if body, ok := extra[h.ID]; ok {
			fmt.Fprintf(&b, "%s:\n%s\n", h.ID, body)
			continue
		}
		fmt.Fprintf(&b, "%s:\n  host: %s\n  user: root\n", h.ID, h.Addr)
	}
	for id, body := range extra {
		if !strings.HasPrefix(id, "h") && id != "nosftp" {
			fmt.Fprintf(&b, "%s:\n%s\n", id, body)
		}
	}
	if err := os.WriteFile(c.roster, []byte(b.String()), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

type result struct {
	stdout, stderr string
	code           int
	// c is the client that ran it (jidOf asks its history).
	c *client
}

// measures of one brine run: wall time, the brine process's CPU (user+sys)
// and peak RSS from its rusage, and the whole machine's busy CPU.
type measures struct {
	wall, cpu, machine time.Duration
	maxRSS             int64 // bytes
}

// run runs brine with the client's roster, key, known_hosts and cache.
func (c *client) run(args ...string) result {
	c.t.Helper()
	r, _ := c.measure(args...)
	return r
}

// measure is run, with the run's measures.
func (c *client) measure(args ...string) (result, measures) {
	c.t.Helper()
	full := append([]string{"--roster-file", c.roster, "--known-hosts", c.known, "--cache-dir", c.cache,
		"--priv", c.key, "--no-agent", "--ssh-config", "none"}, args...)
	return c.runMeasured(full...)
}

func (c *client) runRaw(args ...string) result {
	c.t.Helper()
	r, _ := c.runMeasured(args...)
	return r
}

func (c *client) runMeasured(args ...string) (result, measures) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, suite.bin, args...)
	cmd.Env = c.env()
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	t0, busy0 := time.Now(), machineBusy()
	err := cmd.Run()
	m := measures{wall: time.Since(t0), machine: machineBusy() - busy0}
	r := result{stdout: so.String(), stderr: se.String(), c: c}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("brine %v: %v", args, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		m.maxRSS = ru.Maxrss * 1024
	}
	return r, m
}

// env is the environment brine runs in.
func (c *client) env() []string {
	return append(os.Environ(), "HOME="+c.home, "SSH_AUTH_SOCK=", "NO_COLOR=1", "BRINE_EXEC_DIR="+c.execDir)
}

// jsonOut parses `--out json --static` output: {host_id: return}, less
// the run's metadata entry "__brine__".
func jsonOut(t testing.TB, r result) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("output is not one JSON object: %v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	delete(m, "__brine__")
	return m
}

func hostIDs(n int) []string {
	var ids []string
	for i := 1; i <= n; i++ {
		ids = append(ids, fmt.Sprintf("h%02d", i))
	}
	return ids
}

func hostByID(t testing.TB, id string) *Host {
	for _, h := range suite.fleet.Hosts {
		if h.ID == id {
			return h
		}
	}
	t.Fatalf("no host %s", id)
	return nil
}
