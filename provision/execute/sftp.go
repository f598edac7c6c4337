package execute

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"

	"brine/provision/connect"
)

// errNoSFTP means the server offers no sftp subsystem; the caller streams.
var errNoSFTP = errors.New("no sftp subsystem")

// uploadSFTP writes the executor to thinDir/brine-exec-<sha> through a temp
// file and a rename, creating thinDir with mode 0700 and refusing a thin dir
// that is a symlink or open to others.
func uploadSFTP(c *connect.Client, thinDir, sha string, data []byte) error {
	sc, err := c.SFTP()
	if err != nil {
		return errNoSFTP
	}
	defer sc.Close()
	fi, err := sc.Lstat(thinDir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := sc.MkdirAll(thinDir); err != nil {
			return fmt.Errorf("create %s: %w", thinDir, err)
		}
		if err := sc.Chmod(thinDir, 0o700); err != nil {
			return fmt.Errorf("chmod %s: %w", thinDir, err)
		}
	case err != nil:
		return fmt.Errorf("stat %s: %w", thinDir, err)
	case fi.Mode()&os.ModeSymlink != 0 || !fi.IsDir():
		return fmt.Errorf("%s is not a directory (or is a symlink): refusing to use it as thin_dir", thinDir)
	case fi.Mode().Perm() != 0o700:
		if err := sc.Chmod(thinDir, 0o700); err != nil {
			return fmt.Errorf("%s has mode %04o and cannot be made private: %w", thinDir, fi.Mode().Perm(), err)
		}
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	final := path.Join(thinDir, "brine-exec-"+sha)
	tmp := path.Join(thinDir, ".brine-exec-"+sha+".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := sc.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		sc.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Chmod(0o700); err != nil {
		f.Close()
		sc.Remove(tmp)
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		sc.Remove(tmp)
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := sc.PosixRename(tmp, final); err != nil {
		if err2 := sc.Rename(tmp, final); err2 != nil {
			sc.Remove(tmp)
			return fmt.Errorf("rename %s: %w", final, err)
		}
	}
	return nil
}
