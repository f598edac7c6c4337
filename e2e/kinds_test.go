package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHostKinds starts one host of each image kind, checks it is what its
// kind says (Debian release, python3, a booted systemd with runlevel(8),
// sshd on its own loopback address), and that removing it leaves nothing
// behind: no process of it, no mount under its directory.
//
//	BRINE_E2E_NET=13 CI=true go test -count=1 -run TestHostKinds -v ./e2e
func TestHostKinds(t *testing.T) {
	if suite == nil {
		t.Skip("no fleet")
	}
	kinds := []struct {
		kind, version string
		boot          bool
	}{
		{"base", "12", false},
		{"chroot", "12", false},
		{"systemd", "12", true},
		{"chroot11", "11", false},
		{"chroot13", "13", false},
	}
	// Build the images not cached yet at once (debootstrap and apt wait
	// on the network more than on the CPU); the ones derived from the
	// base wait for it (EnsureImage serialises on each image).
	var wg sync.WaitGroup
	errs := make([]error, len(kinds))
	t0 := time.Now()
	for i, k := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = EnsureImage(filepath.Dir(suite.fleet.Base), Images[k.kind], t.Logf)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	t.Logf("images ready in %s", time.Since(t0).Round(time.Second))
	for i, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			img := Images[k.kind]
			t0 := time.Now()
			h, err := suite.fleet.AddImage("kind-"+k.kind, 50+i, img, t.Logf)
			if err != nil {
				t.Fatal(err)
			}
			up := time.Since(t0)
			removed := false
			t.Cleanup(func() {
				if !removed {
					suite.fleet.Remove(h)
				}
			})
			script := `. /etc/os-release; echo "version=$VERSION_ID"
echo "hostname=$(hostname)"
if command -v python3 >/dev/null; then echo python=yes; else echo python=no; fi
echo "pid1=$(cat /proc/1/comm)"
`
			if k.boot {
				script += `echo "state=$(systemctl is-system-running --wait)"
echo "runlevel=$(runlevel)"
echo "sshd=$(systemctl is-active ssh)"
echo "failed=$(systemctl list-units --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' ')"
`
			}
			out, errOut, code, err := suite.fleet.Exec(h, script, time.Minute)
			if err != nil || code != 0 {
				t.Fatalf("exec: %v (exit %d)\n%s\n%s", err, code, out, errOut)
			}
			got := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				k, v, _ := strings.Cut(l, "=")
				got[k] = strings.TrimSpace(v)
			}
			want := map[string]string{"version": k.version, "hostname": h.ID, "python": map[bool]string{true: "yes", false: "no"}[img.Python]}
			if k.boot {
				want["pid1"] = "systemd"
				want["state"] = "running"
				want["runlevel"] = "N 5" // graphical.target, Debian's default
				want["sshd"] = "active"
				want["failed"] = ""
			} else {
				want["pid1"] = "sshd"
			}
			for key, w := range want {
				if got[key] != w {
					t.Errorf("%s: %q, want %q", key, got[key], w)
				}
			}
			t.Logf("%s (%s): up in %s: %v", k.kind, img.Name, up.Round(time.Millisecond), got)
			pid := h.cmd.Process.Pid
			t1 := time.Now()
			if err := suite.fleet.Remove(h); err != nil {
				t.Fatal(err)
			}
			removed = true
			t.Logf("removed in %s", time.Since(t1).Round(time.Millisecond))
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
				t.Errorf("the host's process %d is still running", pid)
			}
			if p := h.Procs(); len(p) > 0 {
				t.Errorf("processes left: %v", p)
			}
			mounts, _ := os.ReadFile("/proc/self/mountinfo")
			for _, l := range strings.Split(string(mounts), "\n") {
				if strings.Contains(l, h.dir) {
					t.Errorf("mount left: %s", l)
				}
			}
			if _, err := os.Stat(h.dir); err == nil {
				t.Errorf("%s is left", h.dir)
			}
			for _, r := range cgroupRoots() {
				if _, err := os.Stat(filepath.Join(r, h.cgroupName())); err == nil {
					t.Errorf("cgroup %s left in %s", h.cgroupName(), r)
				}
			}
		})
	}
}

// TestBootedHostsIndependent boots two systemd hosts at once and stops a
// service on one: the other's keeps running (twins must not see each
// other's services).
func TestBootedHostsIndependent(t *testing.T) {
	if suite == nil {
		t.Skip("no fleet")
	}
	var hs []*Host
	for i := 0; i < 2; i++ {
		h, err := suite.fleet.AddImage(fmt.Sprintf("twin%d", i), 56+i, BookwormSystemd, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { suite.fleet.Remove(h) })
		hs = append(hs, h)
	}
	run := func(h *Host, script string) string {
		out, errOut, code, err := suite.fleet.Exec(h, script, time.Minute)
		if err != nil {
			t.Fatalf("%s: %v %s", h.ID, err, errOut)
		}
		return strings.TrimSpace(out) + fmt.Sprintf(" (exit %d)", code)
	}
	for _, h := range hs {
		if got := run(h, "systemctl is-system-running --wait; systemctl is-active cron"); got != "running\nactive (exit 0)" {
			t.Fatalf("%s: %q", h.ID, got)
		}
	}
	if got := run(hs[0], "systemctl stop cron; systemctl is-active cron"); got != "inactive (exit 3)" {
		t.Fatalf("stop cron on %s: %q", hs[0].ID, got)
	}
	if got := run(hs[1], "systemctl is-active cron; pgrep -x cron >/dev/null && echo pid"); got != "active\npid (exit 0)" {
		t.Errorf("cron on %s after stopping it on %s: %q", hs[1].ID, hs[0].ID, got)
	}
}
