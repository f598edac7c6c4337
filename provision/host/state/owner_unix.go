package state

import (
	"os"
	"syscall"
)

// fileOwner returns the uid and gid of fi (-1, -1 when unknown).
func fileOwner(fi os.FileInfo) (int, int) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid)
	}
	return -1, -1
}

// FileOwner returns the uid and gid of fi (-1, -1 when unknown).
func FileOwner(fi os.FileInfo) (uid, gid int) { return fileOwner(fi) }
