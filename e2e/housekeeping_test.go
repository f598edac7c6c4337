package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// executorProc matches a running executor (not its guardian).
func executorProc(p Proc) bool {
	return strings.HasPrefix(p.Comm, "brine-exec") && !strings.Contains(p.Cmdline, "-guard")
}

// ageExecutor makes executor p look unused for two days: its mtime and its
// record of last use.
func ageExecutor(t *testing.T, p string) {
	t.Helper()
	old := time.Now().Add(-48 * time.Hour)
	rec := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".used")
	if err := os.WriteFile(rec, []byte(old.UTC().Format(time.RFC3339Nano)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{p, rec} {
		if err := os.Chtimes(f, old, old); err != nil {
			t.Fatal(err)
		}
	}
}

// otherVersion is an executor directory holding another version of the
// executor (the real one with bytes appended: it runs the same, under
// another sha256), as a newer brine would ship.
func otherVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(filepath.Dir(suite.bin), "brine-exec-linux-amd64"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "brine-exec-linux-amd64"), append(b, "\nanother version\n"...), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestExecutorPrunedDuringItsRun: an executor that looks unused for days
// (clock skew, a long-lived version) while a run uses it is left alone by
// another version's pruning and by a concurrent --wipe; its guardian still
// ends its commands when it is killed. An executor whose file is removed
// anyway before its first command still starts its guardian.
func TestExecutorPrunedDuringItsRun(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h09")
	thin := filepath.Join(h.Root, "var/tmp/.brine_root")
	os.RemoveAll(thin)
	if r := c.run("h09", "test.ping"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	a := filepath.Join(thin, "brine-exec-"+executorSHA(t))
	sleepTree := func(secs string) string {
		return writeTree(t, map[string]string{
			"top.sls":  "base:\n  '*':\n    - slow\n",
			"slow.sls": "slow:\n  cmd.run:\n    - name: sleep " + secs + "\n",
		})
	}

	run := c.start("-L", "h09", "state.apply", "--file-root", sleepTree("30"))
	waitStarted(t, h, run)
	ageExecutor(t, a)
	newer := newClient(t)
	newer.execDir = otherVersion(t)
	if r := newer.run("h09", "test.ping"); r.code != 0 {
		t.Fatalf("another version: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(a); err != nil {
		t.Fatalf("another version's pruning removed the executor a run is using: %v", err)
	}
	r := newer.run("h09", "test.ping", "--wipe")
	if r.code != 0 || !strings.Contains(r.stderr, "wipe: left "+filepath.Base(a)+" in /var/tmp/.brine_root: in use by another run") {
		t.Errorf("--wipe beside a running executor: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(a); err != nil {
		t.Fatalf("--wipe removed the executor a run is using: %v", err)
	}
	if n := h.Signal(syscall.SIGKILL, executorProc); n != 1 {
		t.Fatalf("want one executor to kill, found %d", n)
	}
	res, _ := run.wait(t, 30*time.Second)
	if res.code != 20 || !strings.Contains(res.stdout, "killed by signal KILL") {
		t.Errorf("killed executor: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if left := h.WaitProcs(10*time.Second, func(p Proc) bool { return p.Comm == "sleep" }); len(left) > 0 {
		t.Errorf("the killed executor's command outlived it (no guardian?): %+v", left)
	}
	// Unused now, and old by its record: the next run of the other
	// version prunes it.
	ageExecutor(t, a)
	if r := newer.run("h09", "test.ping"); r.code != 0 {
		t.Fatalf("another version: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(a); !os.IsNotExist(err) {
		t.Errorf("an unused executor, old by its record, was not pruned: %v", err)
	}

	// The executor's file goes while a run waits for the host lock, before
	// its first command: the command still gets its guardian.
	if r := c.run("h09", "test.ping"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	holder := c.start("-L", "h09", "state.apply", "--file-root", sleepTree("8"))
	waitStarted(t, h, holder)
	waiter := c.start("-L", "h09", "state.apply", "--file-root", sleepTree("30"), "--lock-timeout", "60")
	deadline := time.Now().Add(20 * time.Second)
	for len(h.WaitProcs(0, executorProc)) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the second run's executor never started")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	if res, _ := holder.wait(t, 30*time.Second); res.code != 0 {
		t.Fatalf("the lock holder: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	long := func(p Proc) bool { return p.Comm == "sleep" && strings.Contains(p.Cmdline, "30") }
	for deadline = time.Now().Add(20 * time.Second); len(h.WaitProcs(0, long)) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			res, _ := waiter.wait(t, time.Second)
			t.Fatalf("the waiting run's command never started: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	}
	if n := h.Signal(syscall.SIGKILL, executorProc); n != 1 {
		t.Fatalf("want one executor to kill, found %d", n)
	}
	if res, _ := waiter.wait(t, 30*time.Second); res.code != 20 {
		t.Errorf("killed executor: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if left := h.WaitProcs(10*time.Second, long); len(left) > 0 {
		t.Errorf("the command of an executor whose file was removed outlived it (no guardian): %+v", left)
	}
}
