package history

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPlantedSymlinkIsRefused: a symlink planted as jobs.db (or its -wal)
// is refused, never followed: its target keeps its mode and content.
func TestPlantedSymlinkIsRefused(t *testing.T) {
	for _, planted := range []string{FileName, FileName + "-wal"} {
		dir := t.TempDir()
		victim := filepath.Join(t.TempDir(), "victim")
		os.WriteFile(victim, []byte("keep me"), 0o644)
		os.Symlink(victim, filepath.Join(dir, planted))
		if d, err := Open(context.Background(), Path(dir)); err == nil {
			d.Close()
			t.Errorf("%s: a planted symlink was used", planted)
		} else if !strings.Contains(err.Error(), "symlink") {
			t.Errorf("%s: %v", planted, err)
		}
		if d, err := OpenReadOnly(context.Background(), Path(dir)); err == nil && planted == FileName {
			d.Close()
			t.Errorf("%s: a planted symlink was read", planted)
		}
		fi, _ := os.Stat(victim)
		if b, _ := os.ReadFile(victim); string(b) != "keep me" || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: the symlink's target was changed: %q %v", planted, b, fi.Mode())
		}
	}
}

// TestCacheDirIsMadePrivate: a cache directory open to others is made
// 0700 when the history opens.
func TestCacheDirIsMadePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	os.Mkdir(dir, 0o777)
	os.Chmod(dir, 0o777)
	open(t, Path(dir))
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("cache dir mode %v", fi.Mode().Perm())
	}
}

// TestReadOnly: the read-only history reads what was written, writes
// nothing, reads an immutable database, and reads a missing one as empty.
func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d := open(t, Path(dir))
	j := &Job{Start: time.Now(), Fun: "test.ping", Hosts: []string{"a"}}
	if err := d.Begin(ctx, j); err != nil {
		t.Fatal(err)
	}
	d.Close()
	ro, err := OpenReadOnly(ctx, Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := ro.Jobs(ctx)
	if err != nil || len(jobs) != 1 || jobs[0].JID != j.JID {
		t.Errorf("jobs: %v %v", jobs, err)
	}
	if err := ro.Begin(ctx, &Job{Start: time.Now(), Fun: "x"}); err == nil {
		t.Error("a read-only history was written")
	}
	ro.Close()

	if err := exec.Command("chattr", "+i", Path(dir)).Run(); err != nil {
		t.Logf("chattr +i: %v: immutable case not tested here", err)
	} else {
		t.Cleanup(func() { exec.Command("chattr", "-i", Path(dir)).Run() })
		ro, err := OpenReadOnly(ctx, Path(dir))
		if err != nil {
			t.Fatalf("immutable jobs.db: %v", err)
		}
		if jobs, err := ro.Jobs(ctx); err != nil || len(jobs) != 1 {
			t.Errorf("immutable jobs.db: %v %v", jobs, err)
		}
		ro.Close()
	}

	missing := filepath.Join(t.TempDir(), "none")
	ro, err = OpenReadOnly(ctx, Path(missing))
	if err != nil {
		t.Fatal(err)
	}
	if jobs, err := ro.Jobs(ctx); err != nil || len(jobs) != 0 {
		t.Errorf("missing history: %v %v", jobs, err)
	}
	ro.Close()
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("reading a missing history created %s", missing)
	}
}

// TestBusyHistoryGivesUp: with Options.Wait, a database another process
// holds makes Open give up after the wait, having said it waits.
func TestBusyHistoryGivesUp(t *testing.T) {
	path := Path(t.TempDir())
	a := open(t, path)
	tx, err := a.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`INSERT INTO provisioned VALUES ('x', 'j', 0)`); err != nil {
		t.Fatal(err)
	}
	told := 0
	t0 := time.Now()
	b, err := OpenWith(context.Background(), path, Options{Wait: 500 * time.Millisecond, Waiting: func() { told++ }})
	if err == nil {
		// The schema is there: opening needs no write; the first write
		// gives up.
		err = b.Begin(context.Background(), &Job{Start: time.Now(), Fun: "test.ping"})
		b.Close()
	}
	took := time.Since(t0)
	if !errors.Is(err, ErrBusy) || told != 1 {
		t.Errorf("err %v, told %d times", err, told)
	}
	if took > 3*time.Second {
		t.Errorf("gave up after %s, want about the 500ms wait", took)
	}
}
