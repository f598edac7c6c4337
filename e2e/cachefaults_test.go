package e2e

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// The controller's own files under attack or under strain (issue 13): a
// busy, immutable, planted or full job history and cache.

// TestBusyHistoryRunsUnrecorded: another process holds jobs.db locked;
// the run waits a few seconds, says so, then runs unrecorded, saying so.
func TestBusyHistoryRunsUnrecorded(t *testing.T) {
	c := newClient(t)
	if r := c.run("h01", "test.ping"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	db, err := sql.Open("sqlite", filepath.Join(c.cache, "jobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")
	r, m := c.measure("h01", "test.ping", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["h01"] != true {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"is busy (another brine process is writing it): waiting up to 3s", "this run is not recorded"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if m.wall > 15*time.Second {
		t.Errorf("the run took %s with a busy history", m.wall)
	}
}

// TestImmutableHistoryReads: jobs.list_jobs and jobs.lookup_jid read a
// jobs.db nobody may write (chattr +i).
func TestImmutableHistoryReads(t *testing.T) {
	c := newClient(t)
	r := c.run("h02", "test.ping", "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	jid := jidOf(t, r)
	path := filepath.Join(c.cache, "jobs.db")
	// Everything in the main file, then frozen.
	if db, err := sql.Open("sqlite", path); err == nil {
		db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		db.Close()
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
	l := c.run("jobs.list_jobs", "--out", "json", "--static")
	if l.code != 0 || !strings.Contains(l.stdout, jid) {
		t.Errorf("list_jobs on an immutable jobs.db: exit %d\n%s%s", l.code, l.stdout, l.stderr)
	}
	if l := c.run("jobs.lookup_jid", jid, "--out", "json", "--static"); l.code != 0 || l.stdout != r.stdout {
		t.Errorf("lookup_jid on an immutable jobs.db: exit %d\n%s%s", l.code, l.stdout, l.stderr)
	}
}

// TestPlantedHistoryAndCache: a symlink planted as jobs.db, and as a host's
// cache entry, in a cache directory left open to others: the run refuses
// to follow them (the targets keep their mode and content), makes the
// directory private, and says what it did not record.
func TestPlantedHistoryAndCache(t *testing.T) {
	c := newClient(t)
	os.MkdirAll(filepath.Join(c.cache, "hosts"), 0o777)
	os.Chmod(c.cache, 0o777)
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("keep me\n"), 0o644)
	os.Symlink(victim, filepath.Join(c.cache, "jobs.db"))
	os.Symlink(victim, filepath.Join(c.cache, "hosts", "h03.json"))
	r := c.run("h03", "test.ping", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["h03"] != true {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "jobs.db is a symlink: refusing to follow it") || !strings.Contains(r.stderr, "this run is not recorded") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me\n" {
		t.Errorf("the target was written: %q", b)
	}
	if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o644 {
		t.Errorf("the target's mode changed to %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(c.cache); fi.Mode().Perm() != 0o700 {
		t.Errorf("the cache dir stays %v", fi.Mode().Perm())
	}
	// A cache directory of another user's is refused, with the reason.
	other := t.TempDir()
	os.Chown(other, 65534, 65534)
	r = c.runRaw("--roster-file", c.roster, "--known-hosts", c.known, "--cache-dir", other, "--priv", c.key, "--no-agent", "--ssh-config", "none",
		"h03", "test.ping", "--out", "json", "--static")
	if r.code != 0 || !strings.Contains(r.stderr, "belongs to uid 65534, not to you (uid 0): refusing to use it") {
		t.Errorf("another user's cache dir: exit %d\n%s", r.code, r.stderr)
	}
}

// TestFullCacheDisk: a cache directory on a full file system: the run
// goes on, and says its history and the host's grains were not saved.
func TestFullCacheDisk(t *testing.T) {
	c := newClient(t)
	if err := os.MkdirAll(c.cache, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", c.cache).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", c.cache).Run() })
	if out, err := exec.Command("sh", "-c", "cat /dev/zero > "+filepath.Join(c.cache, "filler")).CombinedOutput(); !strings.Contains(string(out), "No space left") {
		t.Fatalf("filling the cache: %v %s", err, out)
	}
	r := c.run("h04", "grains.get", "os", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["h04"] != "Debian" {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"this run is not recorded", "brine: note: h04: the controller's cache of this host (its grains, and which executor it has) was not saved", "no space left on device"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}
