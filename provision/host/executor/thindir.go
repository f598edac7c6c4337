package executor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The thin dir's housekeeping never removes what a run is using. Every
// executor holds a shared flock on its own file for its whole run (and its
// guardian, which inherits the descriptor, for as long as it lives);
// pruning and --wipe take the flock exclusively, without waiting, and leave
// alone whatever they cannot take. Each run also records its last use
// beside the executor (.brine-exec-<sha>.used), which pruning goes by.

const (
	// pruneAfter is how long an executor version may go unused before a
	// run of another version removes it.
	pruneAfter = 24 * time.Hour
	// tempAfter is how long an upload's temp file may go without a write
	// before it counts as dead (a live upload writes all the time).
	tempAfter = 2 * time.Minute
	// lockWait bounds the wait for the shared lock on our own file (a
	// pruner holds it exclusively only for an unlink).
	lockWait   = 2 * time.Second
	usedSuffix = ".used"
)

// lockSelf takes the shared lock on the executor's own file, through
// /proc/self/exe: that names the file this process runs even when its path
// was removed or replaced. The lock lasts until the file is closed (and
// while the guardian, which inherits it, lives).
func lockSelf() (*os.File, error) {
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("shared lock on the executor: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// usedPath is where the last use of executor exe is recorded.
func usedPath(exe string) string {
	return filepath.Join(filepath.Dir(exe), "."+filepath.Base(exe)+usedSuffix)
}

// recordUse records that exe runs now: in its record, and its mtime (what
// older releases prune by).
func recordUse(exe string, now time.Time) {
	_ = os.Chtimes(exe, now, now)
	fd, err := syscall.Open(usedPath(exe), syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), usedPath(exe))
	_, _ = f.WriteString(now.UTC().Format(time.RFC3339Nano) + "\n")
	f.Close()
}

// lastUse is when executor p was last used: the latest of its recorded
// use, the record's mtime and the executor's mtime.
func lastUse(p string) time.Time {
	var t time.Time
	if fi, err := os.Lstat(p); err == nil {
		t = fi.ModTime()
	}
	if fi, err := os.Lstat(usedPath(p)); err == nil {
		if fi.ModTime().After(t) {
			t = fi.ModTime()
		}
		if b, err := os.ReadFile(usedPath(p)); err == nil {
			if r, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b))); err == nil && r.After(t) {
				t = r
			}
		}
	}
	return t
}

// stale reports whether executor p has gone unused for pruneAfter; a last
// use in the future (a clock that went back) is not stale.
func stale(p string, now time.Time) bool {
	d := now.Sub(lastUse(p))
	return d > pruneAfter
}

// removeUnused removes executor p (and its record) when it can take p's
// lock exclusively at once, and keep (when set) still says so once the
// lock is held; it reports whether p is gone.
func removeUnused(p string, keep func() bool) bool {
	fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return errors.Is(err, syscall.ENOENT)
	}
	defer syscall.Close(fd)
	if syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return false // a run is using it
	}
	if keep != nil && !keep() {
		return false
	}
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return false
	}
	_ = os.Remove(usedPath(p))
	return true
}

// housekeeping removes what earlier runs left in the thin dir: temp files
// of uploads that died, executor versions no run has used for pruneAfter
// (and none is using now), and records of executors that are gone. Cheap:
// one directory read.
func housekeeping(exe string, now time.Time) {
	dir := filepath.Dir(exe)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	names := map[string]bool{}
	for _, e := range ents {
		names[e.Name()] = true
	}
	for _, e := range ents {
		name := e.Name()
		p := filepath.Join(dir, name)
		switch {
		case strings.HasPrefix(name, ".brine-exec-") && strings.Contains(name, ".tmp"):
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && now.Sub(fi.ModTime()) > tempAfter {
				_ = os.Remove(p)
			}
		case strings.HasPrefix(name, ".brine-exec-") && strings.HasSuffix(name, usedSuffix):
			if !names[strings.TrimSuffix(strings.TrimPrefix(name, "."), usedSuffix)] {
				_ = os.Remove(p)
			}
		case strings.HasPrefix(name, "brine-exec-") && name != filepath.Base(exe):
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && stale(p, now) {
				removeUnused(p, func() bool { return stale(p, now) })
			}
		}
	}
}

// wipe removes the thin dir exe runs from (--wipe), unless another run is
// using one of its executors: then it removes what it can and leaves those,
// and says so. self is exe's own lock (converted to exclusive: it fails
// while another run shares the same executor).
func wipe(exe string, self *os.File) error {
	dir := filepath.Dir(exe)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var busy []string
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "brine-exec-") {
			continue
		}
		p := filepath.Join(dir, name)
		if name == filepath.Base(exe) && self != nil {
			if syscall.Flock(int(self.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
				busy = append(busy, name)
			}
			continue
		}
		if !removeUnused(p, nil) {
			busy = append(busy, name)
		}
	}
	if len(busy) > 0 {
		return fmt.Errorf("left %s in %s: in use by another run", strings.Join(busy, ", "), dir)
	}
	return os.RemoveAll(dir)
}
