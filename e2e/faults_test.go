package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The fault matrix: each test injects one fault on real hosts and checks
// what the operator sees (exit code, the host's heading and message) and
// what is left on the host (no half-written file, no leftover process, the
// lock free).

// running is a brine process started in the background.
type running struct {
	cmd    *exec.Cmd
	so, se bytes.Buffer
	done   chan struct{}
	start  time.Time
	code   int
}

// start starts brine with the client's settings without waiting for it.
func (c *client) start(args ...string) *running {
	c.t.Helper()
	full := append([]string{"--roster-file", c.roster, "--known-hosts", c.known, "--cache-dir", c.cache,
		"--priv", suite.fleet.ClientKey, "--no-agent", "--ssh-config", "none"}, args...)
	r := &running{cmd: exec.Command(suite.bin, full...), done: make(chan struct{}), start: time.Now()}
	r.cmd.Env = c.env()
	r.cmd.Stdout, r.cmd.Stderr = &r.so, &r.se
	if err := r.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() {
		err := r.cmd.Wait()
		r.code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		}
		close(r.done)
	}()
	c.t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

// wait waits up to d for brine to end; it fails the test when it does not.
func (r *running) wait(t *testing.T, d time.Duration) (result, time.Duration) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(d):
		_ = r.cmd.Process.Kill()
		<-r.done
		t.Fatalf("brine still running after %s: it must be bounded\nstdout:\n%s\nstderr:\n%s", d, r.so.String(), r.se.String())
	}
	return result{stdout: r.so.String(), stderr: r.se.String(), code: r.code}, time.Since(r.start)
}

func (r *running) signal(sig os.Signal) { _ = r.cmd.Process.Signal(sig) }

// slowTree is a state tree: a marker, a long command, and a state that must
// not run when the run is stopped during the long one.
func slowTree(t *testing.T, sleep int) string {
	return writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - slow\n",
		"slow.sls": fmt.Sprintf("first:\n  cmd.run:\n    - name: touch /root/first-ran\n"+
			"slow:\n  cmd.run:\n    - name: sleep %d\n"+
			"third:\n  cmd.run:\n    - name: touch /root/third-ran\n", sleep),
	})
}

func cleanMarkers(h *Host) {
	for _, m := range []string{"root/first-ran", "root/third-ran"} {
		os.Remove(filepath.Join(h.Root, m))
	}
}

// leftovers are the processes a stopped run must not leave on a host.
func leftovers(p Proc) bool {
	return strings.HasPrefix(p.Comm, "brine-exec") || p.Comm == "sleep"
}

func sessionSSHD(p Proc) bool { return p.Comm == "sshd" && !strings.Contains(p.Cmdline, "-D") }

// waitStarted waits until the host runs the long state.
func waitStarted(t *testing.T, h *Host, r *running) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, p := range h.Procs() {
			if p.Comm == "sleep" {
				return
			}
		}
		select {
		case <-r.done:
			t.Fatalf("brine ended before the long state started:\n%s\n%s", r.so.String(), r.se.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("the long state never started")
}

// checkHostClean asserts no leftover process, the third state never ran,
// and the lock is free (an immediate state run does not wait).
func checkHostClean(t *testing.T, c *client, h *Host) {
	t.Helper()
	t0 := time.Now()
	defer func() { t.Logf("%s: host clean after %s", h.ID, time.Since(t0)) }()
	if left := h.WaitProcs(8*time.Second, leftovers); len(left) > 0 {
		t.Errorf("processes left on %s: %+v", h.ID, left)
	}
	if fileExists(filepath.Join(h.Root, "root/third-ran")) {
		t.Errorf("%s: a state after the stop ran", h.ID)
	}
	tree := writeTree(t, map[string]string{"top.sls": "base:\n  '*':\n    - ok\n", "ok.sls": "ok:\n  test.nop: []\n"})
	t1 := time.Now()
	r := c.run("-L", h.ID, "state.apply", "--file-root", tree, "--lock-timeout", "2", "--out", "json", "--static")
	if r.code != 0 {
		t.Errorf("%s: a run right after: exit %d\n%s%s", h.ID, r.code, r.stdout, r.stderr)
	}
	if d := time.Since(t1); d > 5*time.Second {
		t.Errorf("%s: the run right after took %s: the lock was not free", h.ID, d)
	}
}

func TestFaultSSHDKilledMidRun(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h01")
	cleanMarkers(h)
	r := c.start("-L", h.ID, "state.apply", "--file-root", slowTree(t, 30))
	waitStarted(t, h, r)
	if n := h.Signal(syscall.SIGKILL, sessionSSHD); n == 0 {
		t.Fatal("no session sshd to kill")
	}
	res, took := r.wait(t, 30*time.Second)
	if res.code != 20 || !strings.Contains(res.stdout, "Connection lost") {
		t.Errorf("exit %d after %s, want 20 and a Connection lost heading:\n%s%s", res.code, took, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout, "Data failed to compile") {
		t.Errorf("a lost connection shown as a compile failure:\n%s", res.stdout)
	}
	checkHostClean(t, c, h)
}

func TestFaultFrozenHost(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h02")
	cleanMarkers(h)
	r := c.start("-L", h.ID, "state.apply", "--file-root", slowTree(t, 30), "--keepalive", "1")
	waitStarted(t, h, r)
	all := func(Proc) bool { return true }
	h.Signal(syscall.SIGSTOP, all)
	res, took := r.wait(t, 20*time.Second)
	h.Signal(syscall.SIGCONT, all)
	if res.code != 20 || !strings.Contains(res.stdout, "Connection lost") || !strings.Contains(res.stdout, "no answer to keepalives for 3s") {
		t.Errorf("exit %d after %s, want 20 and connection lost by keepalives:\n%s%s", res.code, took, res.stdout, res.stderr)
	}
	// Thawed, the host finds its controller gone and stops.
	checkHostClean(t, c, h)
}

func TestFaultSFTPNeverAnswers(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h03")
	// A host without gzip gets the executor by SFTP; its sftp subsystem
	// hangs without a word.
	gz := filepath.Join(h.Root, "bin/gzip")
	orig, err := os.ReadFile(gz)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(gz)
	stall := filepath.Join(h.Root, "usr/local/bin/sftp-stall")
	os.WriteFile(stall, []byte("#!/bin/sh\nexec sleep 3600\n"), 0o755)
	if err := h.SetSFTP("/usr/local/bin/sftp-stall"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.WriteFile(gz, orig, 0o755)
		if err := h.SetSFTP(""); err != nil {
			t.Error(err)
		}
	})
	thin := filepath.Join(h.Root, "var/tmp/.brine_root")
	os.RemoveAll(thin)
	r := c.start("-L", h.ID, "test.ping", "--timeout", "3", "--trace")
	res, took := r.wait(t, 30*time.Second)
	if res.code != 0 || !strings.Contains(res.stderr, "upload executor") || !strings.Contains(res.stderr, "stream") {
		t.Errorf("a stalled sftp subsystem must fall back to the exec stream within --timeout: exit %d after %s\n%s%s", res.code, took, res.stdout, res.stderr)
	}
	// Ctrl-C while the subsystem stalls: out within seconds, exit 130.
	os.RemoveAll(thin)
	r = c.start("-L", h.ID, "test.ping", "--timeout", "60")
	time.Sleep(1500 * time.Millisecond)
	r.signal(os.Interrupt)
	res, took = r.wait(t, 15*time.Second)
	if res.code != 130 || took > 10*time.Second {
		t.Errorf("Ctrl-C during a stalled upload: exit %d after %s\n%s%s", res.code, took, res.stdout, res.stderr)
	}
	if left := h.WaitProcs(5*time.Second, func(p Proc) bool { return p.Comm == "sleep" && !strings.Contains(p.Cmdline, "3600") }); len(left) > 0 {
		t.Errorf("left: %+v", left)
	}
}

func TestFaultRunTimeout(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h04")
	cleanMarkers(h)
	// Warm up (executor cached, grains known), so the timeout falls in
	// the state run.
	if r := c.run("-L", h.ID, "test.ping"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := c.start("-L", h.ID, "state.apply", "--file-root", slowTree(t, 30), "--run-timeout", "5", "--out", "json", "--static")
	res, took := r.wait(t, 30*time.Second)
	if res.code != 20 || took > 15*time.Second {
		t.Errorf("exit %d after %s, want 20 soon after the 3 s run timeout\n%s%s", res.code, took, res.stdout, res.stderr)
	}
	states := stateResults(t, res)[h.ID]
	for tag, s := range states {
		switch {
		case strings.Contains(tag, "first"):
			if s["result"] != true {
				t.Errorf("the state before the timeout: %v", s)
			}
		case strings.Contains(tag, "third"):
			if s["result"] != false || !strings.Contains(fmt.Sprint(s["comment"]), "run timeout") {
				t.Errorf("the state after the timeout must be reported not run: %v", s)
			}
		}
	}
	if len(states) != 3 {
		t.Errorf("want the three states reported, got %d", len(states))
	}
	checkHostClean(t, c, h)
	// The human output names it.
	cleanMarkers(h)
	r = c.start("-L", h.ID, "state.apply", "--file-root", slowTree(t, 30), "--run-timeout", "5")
	res, _ = r.wait(t, 30*time.Second)
	if !strings.Contains(res.stdout, "Timed out: run timeout: 5s passed") {
		t.Errorf("human output:\n%s", res.stdout)
	}
	checkHostClean(t, c, h)
}

func TestFaultInterrupt(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h05")
	cleanMarkers(h)
	r := c.start("-L", h.ID, "state.apply", "--file-root", slowTree(t, 30))
	waitStarted(t, h, r)
	r.signal(os.Interrupt)
	res, took := r.wait(t, 20*time.Second)
	if res.code != 130 || took > 15*time.Second {
		t.Errorf("exit %d after %s, want 130 within seconds\n%s%s", res.code, took, res.stdout, res.stderr)
	}
	for _, want := range []string{"Interrupted: interrupted on the controller (SIGINT)", "State was not run: the run stopped early"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout, "Data failed to compile") {
		t.Errorf("an interruption shown as a compile failure:\n%s", res.stdout)
	}
	if !fileExists(filepath.Join(h.Root, "root/first-ran")) {
		t.Error("the state before the interruption did not run")
	}
	checkHostClean(t, c, h)
	// A second Ctrl-C quits at once.
	r = c.start("-L", h.ID, "state.apply", "--file-root", slowTree(t, 30))
	waitStarted(t, h, r)
	r.signal(os.Interrupt)
	time.Sleep(100 * time.Millisecond)
	r.signal(os.Interrupt)
	res, took = r.wait(t, 5*time.Second)
	if res.code != 130 || took > 4*time.Second {
		t.Errorf("second Ctrl-C: exit %d after %s", res.code, took)
	}
	checkHostClean(t, c, h)
}

func TestFaultExecutorKilled(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h06")
	cleanMarkers(h)
	tree := writeTree(t, map[string]string{
		"top.sls":  "base:\n  '*':\n    - slow\n",
		"slow.sls": "slow:\n  cmd.run:\n    - name: 'sleep 30; echo done; sleep 30'\n",
	})
	r := c.start("-L", h.ID, "state.apply", "--file-root", tree)
	waitStarted(t, h, r)
	if n := h.Signal(syscall.SIGKILL, func(p Proc) bool {
		return strings.HasPrefix(p.Comm, "brine-exec") && !strings.Contains(p.Cmdline, "-guard")
	}); n == 0 {
		t.Fatal("no executor to kill")
	}
	res, took := r.wait(t, 20*time.Second)
	if res.code != 20 || !strings.Contains(res.stdout, "killed by signal KILL") {
		t.Errorf("exit %d after %s, want 20 naming the signal\n%s%s", res.code, took, res.stdout, res.stderr)
	}
	// The guardian ends what the executor left: the shell and its sleep.
	if left := h.WaitProcs(8*time.Second, func(p Proc) bool { return p.Comm == "sleep" || p.Comm == "sh" }); len(left) > 0 {
		t.Errorf("orphans of the killed executor: %+v", left)
	}
}

func TestFaultLockCannotBeTurnedAgainstTheHost(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h07")
	victim := filepath.Join(h.Root, "etc/important.conf")
	os.WriteFile(victim, []byte("keep me\n"), 0o644)
	chroot := func(script string) {
		t.Helper()
		if out, err := exec.Command("chroot", h.Root, "/bin/sh", "-c", script).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v %s", script, err, out)
		}
	}
	// An unprivileged user plants the old attack: a symlink where a
	// world-writable lock used to live, and a thin dir of its own for a
	// root run to step into.
	chroot("mkdir -p /run/lock && chmod 1777 /run/lock && su -s /bin/sh " + SudoNoPass + " -c 'ln -sf /etc/important.conf /run/lock/brine-state.lock; " +
		"mkdir -p /var/tmp/.brine_trap && chmod 777 /var/tmp/.brine_trap && ln -sf /etc/important.conf /var/tmp/.brine_trap/state.lock'")
	tree := writeTree(t, map[string]string{"top.sls": "base:\n  '*':\n    - ok\n", "ok.sls": "ok:\n  test.nop: []\n"})
	r := c.run("-L", h.ID, "state.apply", "--file-root", tree)
	if r.code != 0 {
		t.Errorf("root run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	c.writeRoster(map[string]string{h.ID: fmt.Sprintf("  host: %s\n  user: root\n  thin_dir: /var/tmp/.brine_trap", h.Addr)})
	r = c.run("-L", h.ID, "state.apply", "--file-root", tree)
	if r.code != 0 || !strings.Contains(r.stderr, "thin_dir /var/tmp/.brine_trap (mode drwxrwxrwx, owner uid 1000) was not a private directory of uid 0: moved it aside") {
		t.Errorf("a thin dir another user owns must be moved aside (and the operator told): exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me\n" {
		t.Errorf("the symlink's target was changed: %q", b)
	}
	fi, err := os.Stat(filepath.Join(h.Root, "run/brine/state.lock"))
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Errorf("root's lock: %v %v", fi, err)
	}
}

func TestFaultRootThenUser(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h08")
	tree := writeTree(t, map[string]string{"top.sls": "base:\n  '*':\n    - ok\n", "ok.sls": "ok:\n  test.nop: []\n"})
	root := fmt.Sprintf("  host: %s\n  user: root", h.Addr)
	user := fmt.Sprintf("  host: %s\n  user: %s", h.Addr, SudoNoPass)
	for i, body := range []string{root, user, root, user} {
		c.writeRoster(map[string]string{h.ID: body})
		if r := c.run("-L", h.ID, "state.apply", "--file-root", tree, "--lock-timeout", "2"); r.code != 0 {
			t.Errorf("run %d (%s): exit %d\n%s%s", i, strings.Fields(body)[3], r.code, r.stdout, r.stderr)
		}
	}
	fi, err := os.Stat(filepath.Join(h.Root, "var/tmp/.brine_"+SudoNoPass+"/state.lock"))
	if err != nil || fi.Sys().(*syscall.Stat_t).Uid == 0 {
		t.Errorf("the user's own lock: %v %v", fi, err)
	}
}

func TestFaultThinDirWithQuotes(t *testing.T) {
	c := newClient(t)
	evil := `/var/tmp/z"; fi; touch /tmp/pwned; if false; then echo "`
	for _, id := range []string{"h09", "nosftp"} {
		h := hostByID(t, id)
		c.writeRoster(map[string]string{id: fmt.Sprintf("  host: %s\n  user: root\n  thin_dir: '%s'", h.Addr, evil)})
		r := c.run("-L", id, "test.ping")
		if r.code != 0 {
			t.Errorf("%s: exit %d\n%s%s", id, r.code, r.stdout, r.stderr)
		}
		if fileExists(filepath.Join(h.Root, "tmp/pwned")) {
			t.Fatalf("%s: a roster value reached a shell unquoted", id)
		}
		if ents, _ := os.ReadDir(filepath.Join(h.Root, evil)); len(ents) == 0 {
			t.Errorf("%s: the executor is not in the thin dir as named", id)
		}
	}
}

func TestFaultUnknownFlag(t *testing.T) {
	c := newClient(t)
	r := c.runRaw("--local", "cmd.run", "echo hi", "--outt", "json")
	if r.code != 2 || !strings.Contains(r.stderr, "--outt") || strings.Contains(r.stdout, "hi") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = c.runRaw("--help")
	if r.code != 0 || !strings.Contains(r.stdout, "state.apply") {
		t.Errorf("--help: exit %d", r.code)
	}
}

// TestFault200HostsWith20PercentDown grows the fleet to 200 hosts, stops 40
// of them, and checks exactly those are reported unreachable.
func TestFault200HostsWith20PercentDown(t *testing.T) {
	c := newClient(t)
	ids := make([]string, 200)
	down := map[string]bool{}
	for i := range ids {
		ids[i] = fmt.Sprintf("x%03d", i)
		if i%5 == 2 {
			down[ids[i]] = true
		}
	}
	extra := growFleet(t, c, ids, 300)
	for _, h := range extra {
		if down[h.ID] {
			h.Stop()
		}
	}
	r := c.run("*", "test.ping", "--out", "json", "--static", "--max-procs", "50")
	if r.code != 20 {
		t.Errorf("exit %d, want 20", r.code)
	}
	got := jsonOut(t, r)
	if len(got) != 200 {
		t.Fatalf("want 200 hosts reported, got %d", len(got))
	}
	for id, v := range got {
		m, isErr := v.(map[string]any)
		switch {
		case down[id] && (!isErr || m["_error"] != "Host unreachable"):
			t.Errorf("%s is down but reported %v", id, v)
		case !down[id] && v != true:
			t.Errorf("%s is up but reported %v", id, v)
		}
	}
}

// TestFaultThinDirFull fills the thin dir's file system: the upload fails
// with a message that says so, and nothing half-written stays behind.
func TestFaultThinDirFull(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h10")
	var pid int
	for _, p := range h.Procs() {
		if p.Comm == "sshd" {
			pid = p.PID
			break
		}
	}
	if pid == 0 {
		t.Fatal("no sshd in the host")
	}
	dir := filepath.Join(h.Root, "var/tmp/.brine_full")
	os.MkdirAll(dir, 0o700)
	// A small file system, mounted in the host's own mount namespace.
	ns := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("nsenter", append([]string{"-t", fmt.Sprint(pid), "-m", "--"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", args, err, out)
		}
	}
	ns("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", dir)
	t.Cleanup(func() { ns("umount", dir) })
	c.writeRoster(map[string]string{h.ID: fmt.Sprintf("  host: %s\n  user: root\n  thin_dir: /var/tmp/.brine_full", h.Addr)})
	r := c.run("-L", h.ID, "test.ping")
	if r.code != 20 || !strings.Contains(r.stdout, "Upload failed") || !strings.Contains(r.stdout, "/var/tmp/.brine_full is full") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Read through the host's namespace: the tmpfs is not visible here.
	out, _ := exec.Command("nsenter", "-t", fmt.Sprint(pid), "-m", "--", "ls", "-A", dir).Output()
	if strings.TrimSpace(string(out)) != "" {
		t.Errorf("left in the full thin dir: %q", out)
	}
}
