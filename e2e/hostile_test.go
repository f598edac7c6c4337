package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A local user on a host must never get brine to run their code: every
// variant of planting an executor where brine looks for one (issue 13).

// Attacker is the unprivileged local user the hostile tests act as.
const Attacker = "brattk"

// addAttacker creates the attacker's account on h (once).
func addAttacker(t *testing.T, h *Host) {
	t.Helper()
	chroot(t, h, "id "+Attacker+" >/dev/null 2>&1 || useradd -m -s /bin/sh "+Attacker)
}

// chroot runs a shell script as root inside h.
func chroot(t *testing.T, h *Host, script string) {
	t.Helper()
	if out, err := exec.Command("chroot", h.Root, "/bin/sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("%s: %s: %v %s", h.ID, script, err, out)
	}
}

// asUser runs a shell script as user inside h.
func asUser(t *testing.T, h *Host, user, script string) {
	t.Helper()
	chroot(t, h, "su -s /bin/sh "+user+" -c '"+strings.ReplaceAll(script, "'", `'\''`)+"'")
}

// executorSHA is the sha256 of the executor the e2e brine ships.
func executorSHA(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(filepath.Dir(suite.bin), "brine-exec-linux-amd64"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// plantScript makes dir (as the user running it) and puts a fake executor
// under the real executor's name into it: run by anyone, it leaves
// /tmp/pwned with that user's uid and answers like an executor would.
func plantScript(dir, sha string) string {
	return fmt.Sprintf(`mkdir -p %[1]s && chmod 777 %[1]s && printf '%%s\n' '#!/bin/sh' 'id -u >> /tmp/pwned' 'echo "{\"v\":1,\"return\":true,\"retcode\":0}"' > %[1]s/brine-exec-%[2]s && chmod 777 %[1]s/brine-exec-%[2]s`, dir, sha)
}

// checkNotPwned fails when a planted executor ever ran.
func checkNotPwned(t *testing.T, h *Host, what string) {
	t.Helper()
	if b, err := os.ReadFile(filepath.Join(h.Root, "tmp/pwned")); err == nil {
		t.Errorf("%s: the planted executor ran (as uid %s)", what, strings.TrimSpace(string(b)))
	}
}

// checkPrivate fails unless dir (inside h) is a directory of uid 0700.
func checkPrivate(t *testing.T, h *Host, dir string, uid uint32, what string) {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(h.Root, dir))
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 || fi.Sys().(*syscall.Stat_t).Uid != uid {
		t.Errorf("%s: %s is %v uid %d, want a 0700 directory of uid %d", what, dir, fi.Mode(), fi.Sys().(*syscall.Stat_t).Uid, uid)
	}
}

// leftFresh lists the fresh private directories left in h's /var/tmp.
func leftFresh(h *Host) []string {
	m, _ := filepath.Glob(filepath.Join(h.Root, "var/tmp/.brine-[0-9]*"))
	return m
}

// TestPlantedThinDir: the attacker creates root's thin dir with a fake
// executor before brine's first contact, and again after --wipe; then as
// a symlink to a directory of theirs. Each time the run moves the planted
// thin dir aside, uploads the real executor into a new private one, and
// says so; the fake never runs.
func TestPlantedThinDir(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h04")
	addAttacker(t, h)
	sha := executorSHA(t)
	os.Remove(filepath.Join(h.Root, "tmp/pwned"))
	chroot(t, h, "rm -rf /var/tmp/.brine_root /var/tmp/.brine_root.unsafe.*")
	run := func(what string, args ...string) {
		t.Helper()
		r := c.run(append([]string{"h04", "cmd.run", "id -un", "--out", "json", "--static"}, args...)...)
		if r.code != 0 || jsonOut(t, r)["h04"] != "root" {
			t.Errorf("%s: exit %d\n%s%s", what, r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, "brine: note: h04: thin_dir /var/tmp/.brine_root (mode ") || !strings.Contains(r.stderr, "moved it aside into /var/tmp/.brine_root.unsafe.") {
			t.Errorf("%s: the operator is not told the thin dir was moved aside:\n%s", what, r.stderr)
		}
		checkNotPwned(t, h, what)
		checkPrivate(t, h, "var/tmp/.brine_root", 0, what)
	}

	asUser(t, h, Attacker, plantScript("/var/tmp/.brine_root", sha))
	run("first contact")

	if r := c.run("h04", "test.ping", "--wipe"); r.code != 0 {
		t.Fatalf("--wipe: exit %d\n%s", r.code, r.stderr)
	}
	asUser(t, h, Attacker, plantScript("/var/tmp/.brine_root", sha))
	run("after --wipe")

	if r := c.run("h04", "-r", "true", "-w"); r.code != 0 {
		t.Fatalf("-r -w: exit %d\n%s", r.code, r.stderr)
	}
	asUser(t, h, Attacker, plantScript("/var/tmp/mine", sha)+" && ln -s /var/tmp/mine /var/tmp/.brine_root")
	run("a symlink after -r -w")
	if fi, err := os.Lstat(filepath.Join(h.Root, "var/tmp/mine/brine-exec-"+sha)); err != nil || fi.Size() > 1000 {
		t.Errorf("the attacker's directory was written to: %v %v", fi, err)
	}
}

// TestPlantedSudoThinDir: with sudo, the executor runs as root from root's
// own thin dir, never from one the login user (or anyone else) can write:
// a fake executor planted in the login user's old thin dir, or in a
// roster thin_dir the login user owns, never runs.
func TestPlantedSudoThinDir(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h05")
	addAttacker(t, h)
	sha := executorSHA(t)
	os.Remove(filepath.Join(h.Root, "tmp/pwned"))
	chroot(t, h, "rm -rf /var/tmp/.brine_root /var/tmp/.brine_"+SudoNoPass+" /home/"+SudoNoPass+"/thin")
	// Another local user plants the sudo user's thin dir on first contact.
	asUser(t, h, Attacker, plantScript("/var/tmp/.brine_"+SudoNoPass, sha))
	sudo := "  host: " + h.Addr + "\n  user: " + SudoNoPass + "\n  sudo: True"
	c.writeRoster(map[string]string{"h05": sudo})
	r := c.run("h05", "cmd.run", "id -un", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["h05"] != "root" {
		t.Errorf("sudo: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkNotPwned(t, h, "sudo, planted login user's thin dir")
	checkPrivate(t, h, "var/tmp/.brine_root", 0, "sudo")

	// The login user's own thin dir, with a fake executor the login user
	// (or anything running as them) put there, named as the roster's
	// thin_dir: root moves it aside and uses a new one of its own.
	chroot(t, h, "rm -rf /var/tmp/.brine_"+SudoNoPass)
	asUser(t, h, SudoNoPass, plantScript("/var/tmp/.brine_"+SudoNoPass, sha)+" && chmod 700 /var/tmp/.brine_"+SudoNoPass)
	c.writeRoster(map[string]string{"h05": sudo + "\n  thin_dir: /var/tmp/.brine_" + SudoNoPass})
	r = c.run("h05", "cmd.run", "id -un", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["h05"] != "root" || !strings.Contains(r.stderr, "moved it aside") {
		t.Errorf("sudo, thin_dir of the login user: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkNotPwned(t, h, "sudo, thin_dir of the login user")
	checkPrivate(t, h, "var/tmp/.brine_"+SudoNoPass, 0, "sudo, thin_dir of the login user")

	// A thin_dir inside the login user's home: its parent is theirs, so
	// root takes a fresh private directory for the run, and removes it.
	asUser(t, h, SudoNoPass, plantScript("/home/"+SudoNoPass+"/thin", sha))
	c.writeRoster(map[string]string{"h05": sudo + "\n  thin_dir: /home/" + SudoNoPass + "/thin"})
	r = c.run("h05", "cmd.run", "id -un", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["h05"] != "root" || !strings.Contains(r.stderr, "using a fresh private directory /var/tmp/.brine-0.") {
		t.Errorf("sudo, thin_dir in the login user's home: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkNotPwned(t, h, "sudo, thin_dir in the login user's home")
	if left := leftFresh(h); len(left) > 0 {
		t.Errorf("fresh directories left behind: %v", left)
	}
}

// TestThinDirUnderUsersParent: a roster thin_dir whose parent directory an
// unprivileged user owns. brine never creates or runs anything there: the
// run takes a fresh private directory (and says so), for root and for a
// login user whose thin dir another user took.
func TestThinDirUnderUsersParent(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h06")
	addAttacker(t, h)
	sha := executorSHA(t)
	os.Remove(filepath.Join(h.Root, "tmp/pwned"))
	chroot(t, h, "rm -rf /var/tmp/attk")
	asUser(t, h, Attacker, "mkdir -m 755 /var/tmp/attk")
	c.writeRoster(map[string]string{"h06": "  host: " + h.Addr + "\n  user: root\n  thin_dir: /var/tmp/attk/thin"})
	for i := 0; i < 2; i++ {
		r := c.run("h06", "state.apply", "--file-root", writeTree(t, map[string]string{
			"top.sls": "base:\n  '*':\n    - ok\n", "ok.sls": "ok:\n  cmd.run:\n    - name: id -un\n",
		}), "--out", "json", "--static")
		if r.code != 0 || !strings.Contains(r.stderr, "thin_dir /var/tmp/attk/thin cannot be trusted: its parent /var/tmp/attk (mode drwxr-xr-x") ||
			!strings.Contains(r.stderr, "using a fresh private directory /var/tmp/.brine-0.") {
			t.Errorf("run %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
		if _, err := os.Lstat(filepath.Join(h.Root, "var/tmp/attk/thin")); i == 0 && !os.IsNotExist(err) {
			t.Errorf("run %d: brine made the thin dir under the user's directory: %v", i, err)
		}
		if fi, err := os.Lstat(filepath.Join(h.Root, "var/tmp/attk/thin/brine-exec-"+sha)); i == 1 && (err != nil || fi.Size() > 1000) {
			t.Errorf("run %d: brine wrote into the user's directory: %v %v", i, fi, err)
		}
		// The attacker now plants it, for the next run.
		asUser(t, h, Attacker, plantScript("/var/tmp/attk/thin", sha))
	}
	checkNotPwned(t, h, "thin_dir under a user's directory")
	if left := leftFresh(h); len(left) > 0 {
		t.Errorf("fresh directories left behind: %v", left)
	}

	// A login user (no sudo) whose default thin dir another user made:
	// it cannot be moved aside (sticky /var/tmp), so each run has a fresh
	// private directory, and says so.
	chroot(t, h, "rm -rf /var/tmp/.brine_"+SudoNoPass)
	asUser(t, h, Attacker, plantScript("/var/tmp/.brine_"+SudoNoPass, sha))
	c.writeRoster(map[string]string{"h06": "  host: " + h.Addr + "\n  user: " + SudoNoPass})
	r := c.run("h06", "cmd.run", "id -un", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["h06"] != SudoNoPass || !strings.Contains(r.stderr, "cannot be moved aside") ||
		!strings.Contains(r.stderr, "using a fresh private directory /var/tmp/.brine-1000.") {
		t.Errorf("login user, planted thin dir: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkNotPwned(t, h, "login user, planted thin dir")
	if left := leftFresh(h); len(left) > 0 {
		t.Errorf("fresh directories left behind: %v", left)
	}
}
