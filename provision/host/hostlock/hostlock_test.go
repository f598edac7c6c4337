package hostlock

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWaitNameAndRelease(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run", "brine")
	ctx := context.Background()
	l, err := Acquire(ctx, dir, time.Second, "alice@laptop jid 1")
	if err != nil {
		t.Fatal(err)
	}
	if l.Note != "" {
		t.Errorf("a fresh lock has no note: %q", l.Note)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("lock dir must be 0700: %v %v", fi.Mode(), err)
	}
	_, err = Acquire(ctx, dir, 200*time.Millisecond, "bob")
	if err == nil {
		t.Fatal("second lock must fail while the first is held")
	}
	for _, s := range []string{"holds the lock on this host", "pid ", "controller alice@laptop jid 1", "waited 200ms"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q should contain %q", err, s)
		}
	}
	done := make(chan error)
	go func() {
		l2, err := Acquire(ctx, dir, 5*time.Second, "bob")
		if err == nil {
			l2.Release()
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	l.Release()
	if err := <-done; err != nil {
		t.Errorf("a waiting lock must succeed once released: %v", err)
	}
	cctx, cancel := context.WithCancelCause(ctx)
	l3, _ := Acquire(ctx, dir, time.Second, "")
	cancel(context.Canceled)
	if _, err := Acquire(cctx, dir, 5*time.Second, ""); err == nil {
		t.Error("a cancelled context must stop waiting")
	}
	l3.Release()
}

// A holder that died without releasing leaves its note; the next run takes
// the lock (the kernel freed the flock) and says whose it was.
func TestTakeOverNote(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	stale := Holder{PID: 999999, Since: time.Now().Add(-time.Hour), Controller: "carol@ci"}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(stale.encode()), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(context.Background(), dir, time.Second, "me")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if !strings.Contains(l.Note, "took over the host lock from pid 999999") || !strings.Contains(l.Note, "carol@ci") {
		t.Errorf("note: %q", l.Note)
	}
}

// A planted symlink or hard link is refused and its target left untouched.
func TestPlantedLinksAreRefused(t *testing.T) {
	for _, kind := range []string{"symlink", "hardlink"} {
		dir := t.TempDir()
		os.Chmod(dir, 0o700)
		victim := filepath.Join(t.TempDir(), "important.conf")
		os.WriteFile(victim, []byte("keep me\n"), 0o644)
		lp := filepath.Join(dir, FileName)
		if kind == "symlink" {
			os.Symlink(victim, lp)
		} else if err := os.Link(victim, lp); err != nil {
			t.Fatal(err)
		}
		_, err := Acquire(context.Background(), dir, time.Second, "me")
		if err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("%s: want a refusal, got %v", kind, err)
		}
		if b, _ := os.ReadFile(victim); string(b) != "keep me\n" {
			t.Errorf("%s: the link's target was changed: %q", kind, b)
		}
	}
}

// A lock dir others can write is made private before use; a symlinked one
// is refused.
func TestLockDirIsPrivate(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o777)
	l, err := Acquire(context.Background(), dir, time.Second, "")
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	link := filepath.Join(t.TempDir(), "brine")
	os.Symlink(dir, link)
	if _, err := Acquire(context.Background(), link, time.Second, ""); err == nil {
		t.Error("a symlinked lock dir must be refused")
	}
}
