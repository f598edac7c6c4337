// Package hostlock is the lock that keeps two state runs of the same
// effective user from interleaving on one host.
//
// It lives where only its owner can write: for root a root-only directory
// (/run/brine, 0700), for any other user the executor's own thin dir
// (checked private before the executor runs). The lock file is opened with
// O_NOFOLLOW and checked to be a plain file of ours before anything is
// written to it, and it is never truncated before the flock is held: a
// local user cannot turn it into a way to empty or create another file.
// The holder writes its pid, start time and controller into it, so a waiting
// run can name the holder, and a run that finds a note left behind (its
// holder was killed without cleaning up; the kernel released the flock)
// takes over and says so.
package hostlock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// FileName is the lock file's name inside its directory.
const FileName = "state.lock"

// RootDir is where root's lock lives (under the test root, if any).
func RootDir(root string) string {
	if fi, err := os.Stat(filepath.Join(root, "/run")); err == nil && fi.IsDir() {
		return filepath.Join(root, "/run/brine")
	}
	return filepath.Join(root, "/var/lib/brine")
}

// Lock is a held host lock.
type Lock struct {
	f *os.File
	// Note says the lock was taken over from a holder that is gone.
	Note string
}

// Holder describes who holds a lock.
type Holder struct {
	PID        int
	Since      time.Time
	Controller string
}

func (h Holder) String() string {
	s := fmt.Sprintf("pid %d since %s", h.PID, h.Since.Format(time.RFC3339))
	if h.Controller != "" {
		s += " (controller " + h.Controller + ")"
	}
	return s
}

func (h Holder) encode() string {
	return fmt.Sprintf("pid=%d since=%s controller=%s\n", h.PID, h.Since.UTC().Format(time.RFC3339), strconv.Quote(h.Controller))
}

func parseHolder(b []byte) (Holder, bool) {
	var h Holder
	s := strings.TrimSpace(string(b))
	if s == "" {
		return h, false
	}
	if i := strings.Index(s, "controller="); i >= 0 {
		if c, err := strconv.Unquote(s[i+len("controller="):]); err == nil {
			h.Controller = c
		}
		s = s[:i]
	}
	for _, f := range strings.Fields(s) {
		if v, ok := strings.CutPrefix(f, "pid="); ok {
			h.PID, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(f, "since="); ok {
			h.Since, _ = time.Parse(time.RFC3339, v)
		}
	}
	return h, h.PID > 0
}

// Acquire takes the lock in dir, waiting up to timeout (and no longer than
// ctx). dir is created 0700 when missing and must be a real directory owned
// by this user with no access for others; controller names this run.
func Acquire(ctx context.Context, dir string, timeout time.Duration, controller string) (*Lock, error) {
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	p := filepath.Join(dir, FileName)
	fd, err := syscall.Open(p, syscall.O_RDWR|syscall.O_CREAT|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("lock %s is a symlink: refusing to use it (remove it; someone may have planted it)", p)
		}
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Uid != uint32(os.Geteuid()) || st.Nlink != 1 {
		f.Close()
		return nil, fmt.Errorf("lock %s is not a private plain file of uid %d (uid %d, %d links): refusing to use it", p, os.Geteuid(), st.Uid, st.Nlink)
	}
	deadline := time.Now().Add(timeout)
	for {
		err = syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if err != syscall.EWOULDBLOCK && err != syscall.EINTR {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", p, err)
		}
		if !time.Now().Before(deadline) {
			who := "another brine run"
			if h, ok := readHolder(f); ok {
				who += " (" + h.String() + ")"
			}
			f.Close()
			return nil, fmt.Errorf("%s holds the lock on this host; waited %s (lock file %s)", who, timeout, p)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for lock %s: %w", p, context.Cause(ctx))
		case <-time.After(50 * time.Millisecond):
		}
	}
	l := &Lock{f: f}
	if h, ok := readHolder(f); ok {
		l.Note = fmt.Sprintf("took over the host lock from %s: that run ended without releasing it", h)
	}
	// Ours now, and checked: only now is it safe to rewrite it.
	me := Holder{PID: os.Getpid(), Since: time.Now(), Controller: controller}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(me.encode()), 0)
	return l, nil
}

// Release empties the holder note and releases the lock.
func (l *Lock) Release() {
	_ = l.f.Truncate(0)
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}

func readHolder(f *os.File) (Holder, bool) {
	b := make([]byte, 512)
	n, _ := f.ReadAt(b, 0)
	return parseHolder(b[:n])
}

// privateDir makes sure dir is a directory of this user that no one else
// can write (or read), creating it when missing.
func privateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return fmt.Errorf("lock dir %s: %w", dir, err)
		}
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("lock dir %s: %w", dir, err)
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return fmt.Errorf("lock dir %s: %w", dir, err)
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || fi.Mode()&os.ModeSymlink != 0 || st == nil || st.Uid != uint32(os.Geteuid()) {
		return fmt.Errorf("lock dir %s is not a directory owned by uid %d: refusing to use it", dir, os.Geteuid())
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("lock dir %s has mode %04o and cannot be made private: %w", dir, fi.Mode().Perm(), err)
		}
	}
	return nil
}
