package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// PrivateDir makes dir the private directory of this user: created 0700
// (with its missing parents) when missing, made 0700 when it is open to
// others, and refused, with the reason, when it is not a directory this
// user owns (a symlink to one is followed: a cache moved elsewhere).
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cache dir %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cache dir %s: %w", dir, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("cache dir %s is not a directory", dir)
	case !ok || st.Uid != uint32(os.Geteuid()):
		return fmt.Errorf("cache dir %s belongs to uid %d, not to you (uid %d): refusing to use it (give --cache-dir a directory of your own)", dir, st.Uid, os.Geteuid())
	case fi.Mode().Perm() != 0o700:
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("cache dir %s has mode %04o and cannot be made private: %w", dir, fi.Mode().Perm(), err)
		}
	}
	return nil
}

// Read reads a file brine keeps for itself (a cache entry), refusing a
// symlink planted in its place and anything but a plain file.
func Read(path string) ([]byte, error) {
	f, err := OpenPlain(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// OpenPlain opens path with flag (os.O_CREATE to create it with perm)
// without following a symlink, and checks that it is a plain file of this
// user's with one link before anything uses it: a symlink or hard link
// planted as one of brine's files never turns a write or chmod onto
// another file.
func OpenPlain(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, perm)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symlink: refusing to follow it (remove it; someone may have planted it)", path)
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.Mode().IsRegular() || !ok || st.Uid != uint32(os.Geteuid()) || st.Nlink != 1 {
		f.Close()
		n := uint64(0)
		if ok {
			n = uint64(st.Nlink)
		}
		return nil, fmt.Errorf("%s is not a plain file of yours with one link (%s, %d links): refusing to use it", path, fi.Mode(), n)
	}
	return f, nil
}
