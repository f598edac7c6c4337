// Package atomicfile writes a file on the controller all at once: to a temp
// file beside it, then renamed over it, so a reader (or a brine killed
// mid-write) never sees half of it; and reads and opens brine's own files
// (the cache, the job history) in a private directory without following a
// symlink planted in their place. The host side has its own writer with
// owners and fsync (package state).
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data, mode perm. The directory must exist.
func Write(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
