package e2e

import (
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
	if r.code != 20 || !strings.Contains(r.stdout+r.stderr, "lock") {
		t.Errorf("a second run that cannot get the lock must fail clearly: exit %d\n%s%s", r.code, r.stdout, r.stderr)
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
