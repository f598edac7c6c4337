package state

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Lock takes an exclusive per-host lock (flock on the file at path), waiting
// up to timeout. It returns the unlock function, or a clear error naming the
// holder: "another brine run holds the lock on this host since <time> (pid
// N); waited 30s". The lock file records the holder's pid and start time.
func Lock(ctx context.Context, path string, timeout time.Duration) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if err != syscall.EWOULDBLOCK && err != syscall.EINTR {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !time.Now().Before(deadline) {
			holder := holderInfo(path)
			f.Close()
			return nil, fmt.Errorf("another brine run holds the lock on this host%s; waited %s (lock file %s)", holder, timeout, path)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprintf("pid=%d since=%s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))), 0)
	_ = f.Sync()
	return func() {
		_ = f.Truncate(0)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// holderInfo reads " since <time> (pid N)" from the lock file.
func holderInfo(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var pid, since string
	for _, f := range strings.Fields(string(b)) {
		if v, ok := strings.CutPrefix(f, "pid="); ok {
			pid = v
		}
		if v, ok := strings.CutPrefix(f, "since="); ok {
			since = v
		}
	}
	if pid == "" {
		return ""
	}
	return fmt.Sprintf(" since %s (pid %s)", since, pid)
}
