package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Proc is a process running inside a test host.
type Proc struct {
	PID     int
	Comm    string
	Cmdline string
}

// Procs lists the processes of host h: those whose root directory is the
// host's root (every process in a host is chrooted there). Only processes
// the fleet started can match.
func (h *Host) Procs() []Proc {
	var out []Proc
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		root, err := os.Readlink(fmt.Sprintf("/proc/%d/root", pid))
		if err != nil || filepath.Clean(root) != filepath.Clean(h.Root) {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		out = append(out, Proc{PID: pid, Comm: strings.TrimSpace(string(comm)), Cmdline: strings.ReplaceAll(strings.TrimRight(string(cmd), "\x00"), "\x00", " ")})
	}
	return out
}

// Signal sends sig to every process of h that match selects.
func (h *Host) Signal(sig syscall.Signal, match func(Proc) bool) int {
	n := 0
	for _, p := range h.Procs() {
		if match(p) && syscall.Kill(p.PID, sig) == nil {
			n++
		}
	}
	return n
}

// WaitProcs waits up to d until no process of h matches, and returns
// those still matching.
func (h *Host) WaitProcs(d time.Duration, match func(Proc) bool) []Proc {
	deadline := time.Now().Add(d)
	for {
		var left []Proc
		for _, p := range h.Procs() {
			if match(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// SetSFTP restarts the host's sshd with cmd as its sftp subsystem ("" for
// the real one).
func (h *Host) SetSFTP(cmd string) error {
	h.sftpCmd = cmd
	h.Stop()
	return h.Start()
}
