// Package runtest runs brine's pipeline in a test, without root or an
// sshd: each roster host is an in-process SSH server (connect/sshtest)
// whose commands run with this machine's /bin/sh, so the real runner,
// scripts and executor do the work, in the test's temporary directories.
package runtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"brine/provision/controller/connect/sshtest"
	"brine/provision/controller/result"
	"brine/provision/controller/run"
)

// Main builds the executor for this machine once, into a temporary
// directory named by $BRINE_EXEC_DIR, then runs the package's tests: call
// it from TestMain.
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "brine-runtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "runtest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "brine-exec-linux-"+runtime.GOARCH)
	cmd := exec.Command("go", "build", "-o", out, "brine/cmd/brine-exec")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "runtest: building the executor: %v\n%s", err, b)
		return 1
	}
	os.Setenv("BRINE_EXEC_DIR", dir)
	return m.Run()
}

// Fleet is a roster of hosts served in this process.
type Fleet struct {
	t testing.TB
	// Dir holds the roster, the controller's cache and each host's thin
	// dir; Roster and Cache are the files Options name.
	Dir, Roster, Cache string
	addr               string

	mu    sync.Mutex
	execs map[string]int // commands run, by first word
	hosts []string       // roster entries, in order
}

// NewFleet serves hosts ids (all on one SSH server: the roster tells them
// apart) and writes their roster.
func NewFleet(t testing.TB, ids ...string) *Fleet {
	t.Helper()
	dir := t.TempDir()
	f := &Fleet{t: t, Dir: dir, Roster: filepath.Join(dir, "roster.yaml"), Cache: filepath.Join(dir, "cache"), execs: map[string]int{}}
	cfg := &ssh.ServerConfig{PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) { return nil, nil }}
	srv := sshtest.Start(t, cfg, func(line string, ch ssh.Channel) int {
		f.mu.Lock()
		f.execs[strings.Fields(line + " x")[0]]++
		f.mu.Unlock()
		return sshtest.Shell(line, ch)
	})
	f.addr = srv.Addr
	for _, id := range ids {
		f.Add(id, "")
	}
	return f
}

// Add adds host id to the roster, with extra roster YAML lines for it
// ("  grains: {roles: [web]}").
func (f *Fleet) Add(id, extra string) {
	f.t.Helper()
	host, port, _ := net.SplitHostPort(f.addr)
	f.add(id, host, port, extra)
}

// AddDown adds host id at an address where nothing listens: it is
// unreachable (connection refused).
func (f *Fleet) AddDown(id string) {
	f.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	f.add(id, host, port, "")
}

func (f *Fleet) add(id, host, port, extra string) {
	p, _ := strconv.Atoi(port)
	entry := fmt.Sprintf("%s:\n  host: %s\n  port: %d\n  passwd: x\n  timeout: 5\n  thin_dir: %s\n", id, host, p, filepath.Join(f.Dir, "thin", id))
	if extra != "" {
		entry += strings.TrimRight(extra, "\n") + "\n"
	}
	f.mu.Lock()
	f.hosts = append(f.hosts, entry)
	body := strings.Join(f.hosts, "")
	f.mu.Unlock()
	if err := os.WriteFile(f.Roster, []byte(body), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// Options are a run of fun with args on target over the fleet: its roster
// and cache, password login without host key checks, no ssh-agent or
// ~/.ssh/config.
func (f *Fleet) Options(target, fun string, args ...string) run.Options {
	return run.Options{
		Target: target, Fun: fun, Args: args,
		RosterFile: f.Roster, CacheDir: f.Cache, Config: filepath.Join(f.Dir, "brine.yaml"),
		IgnoreHostKeys: true, NoAgent: true, SSHConfig: "none", KnownHosts: filepath.Join(f.Dir, "known_hosts"),
		LockTimeout: 10 * time.Second,
	}
}

// Execs counts the commands the hosts ran, by their first word.
func (f *Fleet) Execs() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.execs))
	for k, v := range f.execs {
		out[k] = v
	}
	return out
}

// Tree writes files (path: content) into a fresh directory under the
// fleet's and returns it: a state tree for Options.FileRoot.
func (f *Fleet) Tree(files map[string]string) string {
	f.t.Helper()
	dir, err := os.MkdirTemp(f.Dir, "tree-")
	if err != nil {
		f.t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[n]), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
	return dir
}

// Watcher is an observer that keeps what it is told, for checking that
// every host is reported exactly once and in what order.
type Watcher struct {
	mu       sync.Mutex
	Plans    []run.Plan
	Starts   []string
	Finishes []result.HostReturn
	Ends     []run.Outcome
	// OnStarted, when set, is called as a host starts (to interrupt the
	// run at a known point).
	OnStarted func(id string)
	// EndErr is what End returns.
	EndErr error
}

func (w *Watcher) Begin(p run.Plan) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.Plans = append(w.Plans, p)
}

func (w *Watcher) Started(id string, _ time.Time) {
	w.mu.Lock()
	w.Starts = append(w.Starts, id)
	f := w.OnStarted
	w.mu.Unlock()
	if f != nil {
		f(id)
	}
}

func (w *Watcher) Finished(r result.HostReturn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.Finishes = append(w.Finishes, r)
}

func (w *Watcher) End(o run.Outcome) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.Ends = append(w.Ends, o)
	return w.EndErr
}

// FinishedIDs are the ids of the hosts Finished was told about, in order.
func (w *Watcher) FinishedIDs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := make([]string, len(w.Finishes))
	for i, r := range w.Finishes {
		ids[i] = r.ID
	}
	return ids
}
