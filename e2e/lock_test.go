package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConcurrentRunsDoNotInterleave: two state runs on one host never
// interleave; the second waits for the lock, or fails clearly when its
// --lock-timeout runs out.
func TestConcurrentRunsDoNotInterleave(t *testing.T) {
	c := newClient(t)
	tree := writeTree(t, map[string]string{
		"top.sls":  "base:\n  '*':\n    - slow\n",
		"slow.sls": "slow:\n  cmd.run:\n    - name: sleep 2\n",
	})
	c.run("h06", "test.ping") // warm the executor and grains
	first := make(chan result, 1)
	start := time.Now()
	go func() { first <- c.run("h06", "state.apply", "--file-root", tree, "--out", "json", "--static") }()
	time.Sleep(700 * time.Millisecond)
	r := c.run("h06", "state.apply", "--file-root", tree, "--lock-timeout", "0.2", "--out", "json", "--static")
	if r.code != 20 || !strings.Contains(r.stdout+r.stderr, "holds the lock on this host") {
		t.Errorf("a second run that cannot get the lock must fail clearly: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The live holder is named: its pid, since when, which controller.
	for _, want := range []string{"(pid ", " since ", "(controller root@", "waited 200ms"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the lock error lacks %q:\n%s", want, r.stdout)
		}
	}
	// A run that waits long enough gets the lock after the first one.
	r = c.run("h06", "state.apply", "--file-root", tree, "--lock-timeout", "30", "--out", "json", "--static")
	if r.code != 0 {
		t.Errorf("waiting run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if f := <-first; f.code != 0 {
		t.Errorf("first run: exit %d\n%s", f.code, f.stderr)
	}
	if el := time.Since(start); el < 3500*time.Millisecond {
		t.Errorf("the runs overlapped: two 2 s runs finished in %s", el)
	}
}

// TestStaleLockTakenOverWithANote: a run killed without releasing the lock
// leaves its note; the next run takes the lock at once and says whose it was.
func TestStaleLockTakenOverWithANote(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h06")
	dir := filepath.Join(h.Root, "run/brine")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	note := "pid=99999 since=2026-01-02T03:04:05Z controller=\"carol@ci jid 1\"\n"
	if err := os.WriteFile(filepath.Join(dir, "state.lock"), []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	tree := writeTree(t, map[string]string{"top.sls": "base:\n  '*':\n    - ok\n", "ok.sls": "ok:\n  test.nop: []\n"})
	r := c.run("-L", h.ID, "state.apply", "--file-root", tree, "--lock-timeout", "1")
	if r.code != 0 || !strings.Contains(r.stderr, "brine: note: h06: took over the host lock from pid 99999") || !strings.Contains(r.stderr, "carol@ci") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "state.lock")); len(b) != 0 {
		t.Errorf("the lock file keeps a note after a clean release: %q", b)
	}
}
