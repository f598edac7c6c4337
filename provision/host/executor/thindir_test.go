package executor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"brine/provision/host/state"
)

func plantExec(t *testing.T, dir, name string, age time.Duration) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("x"), 0o700); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-age)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	return p
}

func gone(p string) bool {
	_, err := os.Lstat(p)
	return os.IsNotExist(err)
}

// TestHousekeepingSparesWhatIsInUse: pruning goes by the recorded last use
// and never removes an executor whose lock another run holds.
func TestHousekeepingSparesWhatIsInUse(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	self := plantExec(t, dir, "brine-exec-self", 0)
	old := plantExec(t, dir, "brine-exec-old", 48*time.Hour)
	busy := plantExec(t, dir, "brine-exec-busy", 48*time.Hour)
	recent := plantExec(t, dir, "brine-exec-recent", 48*time.Hour)
	future := plantExec(t, dir, "brine-exec-future", 48*time.Hour)
	// recent's mtime is old (clock skew, a copied file) but it recorded a
	// use an hour ago; future recorded one after now (the clock went back).
	recordUse(recent, now.Add(-time.Hour))
	recordUse(future, now.Add(time.Hour))
	os.Chtimes(recent, now.Add(-48*time.Hour), now.Add(-48*time.Hour))
	os.Chtimes(usedPath(recent), now.Add(-48*time.Hour), now.Add(-48*time.Hour))
	f, err := os.Open(busy)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(dir, ".brine-exec-gone.used")
	os.WriteFile(orphan, nil, 0o600)
	housekeeping(self, now)
	for p, wantGone := range map[string]bool{self: false, old: true, busy: false, recent: false, future: false, orphan: true} {
		if gone(p) != wantGone {
			t.Errorf("%s: gone %v, want %v", filepath.Base(p), gone(p), wantGone)
		}
	}
	// Released, the busy one goes at the next run.
	f.Close()
	housekeeping(self, now)
	if !gone(busy) {
		t.Error("an unused old executor was kept once its run ended")
	}
}

// TestWipeLeavesWhatIsInUse: --wipe removes the thin dir unless another
// run uses one of its executors (its own included), and says which.
func TestWipeLeavesWhatIsInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "thin")
	os.Mkdir(dir, 0o700)
	self := plantExec(t, dir, "brine-exec-self", 0)
	other := plantExec(t, dir, "brine-exec-other", 0)
	mine, _ := os.Open(self)
	syscall.Flock(int(mine.Fd()), syscall.LOCK_SH)
	theirs, _ := os.Open(self) // another run of the same executor
	syscall.Flock(int(theirs.Fd()), syscall.LOCK_SH)
	err := wipe(self, mine)
	if err == nil || !strings.Contains(err.Error(), "brine-exec-self") || strings.Contains(err.Error(), "brine-exec-other") {
		t.Errorf("wipe while another run shares the executor: %v", err)
	}
	if gone(self) || !gone(other) {
		t.Errorf("self gone %v (want kept), other gone %v (want removed)", gone(self), gone(other))
	}
	theirs.Close()
	if err := wipe(self, mine); err != nil || !gone(dir) {
		t.Errorf("wipe once alone: %v, dir gone %v", err, gone(dir))
	}
	mine.Close()
}

// TestCommandNeedsTheGuardian: a command does not start when the guardian
// could not.
func TestCommandNeedsTheGuardian(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	ex := state.NewHostExecutorWith(state.HostOptions{Ready: func() error { return errors.New("no guardian") }, Track: func(int) func(bool) { return func(bool) {} }})
	res := ex.Run(context.Background(), state.Cmd{Line: "touch " + marker})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "no guardian") || res.Retcode != -1 {
		t.Errorf("want the command refused, got %+v", res)
	}
	if !gone(marker) {
		t.Error("the command ran without its guardian")
	}
}
