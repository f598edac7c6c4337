package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// passwordOnlyHost adds a host whose root logs in with rootPassword only
// (PermitRootLogin yes, no authorized key), and whose sudo user SudoPass has
// no authorized key either: a freshly installed Debian host.
func passwordOnlyHost(t *testing.T, id string, n int, rootPassword string) *Host {
	t.Helper()
	f := suite.fleet
	h, err := f.Add(id, n, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Remove(h); err != nil {
			t.Error(err)
		}
	})
	h.Stop()
	for _, home := range []string{"root", "home/" + SudoPass} {
		if err := os.Remove(filepath.Join(h.Root, home, ".ssh/authorized_keys")); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("chroot", h.Root, "chpasswd")
	cmd.Stdin = strings.NewReader("root:" + rootPassword + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v: %s", err, out)
	}
	h.SSHDConfig = "PermitRootLogin yes\n"
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	return h
}

// authorizedKeys reads a user's authorized_keys on h and checks its modes
// and owner (the file 0600, ~/.ssh 0700, both the user's).
func authorizedKeys(t *testing.T, h *Host, home string, uid int) []string {
	t.Helper()
	dir := filepath.Join(h.Root, home, ".ssh")
	for p, mode := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "authorized_keys"): 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode || int(fi.Sys().(*syscall.Stat_t).Uid) != uid {
			t.Errorf("%s: mode %o owner %d, want %o owner %d", p, fi.Mode().Perm(), fi.Sys().(*syscall.Stat_t).Uid, mode, uid)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "authorized_keys"))
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// keyBlob is the key of an authorized_keys or .pub line.
func keyBlob(t *testing.T, line string) string {
	t.Helper()
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	return string(k.Marshal())
}

// writeUserKey writes an ed25519 key pair as ssh-keygen would: the private
// key at path, path.pub with comment.
func writeUserKey(t *testing.T, path, comment string) string {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		t.Fatal(err)
	}
	sp, _ := ssh.NewPublicKey(pub)
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " " + comment + "\n"
	if err := os.WriteFile(path, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".pub", []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// uidOf is a user's uid in the base image.
func uidOf(t *testing.T, h *Host, user string) int {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(h.Root, "etc/passwd"))
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Split(l, ":"); len(f) > 2 && f[0] == user {
			var n int
			fmt.Sscan(f[2], &n)
			return n
		}
	}
	t.Fatalf("no user %s", user)
	return -1
}

// TestFirstProvisioning is the README's recipe on a password-only Debian
// host: the first run records the host key (accept-new) and deploys
// brine's own key with --key-deploy; the second needs no password;
// authorized_keys holds the key once, with the right modes; states then
// create a deploy user with sudo, and later runs log in as that user with
// --sudo. A sudo user gets a key of its own (--priv) in its own home.
func TestFirstProvisioning(t *testing.T) {
	h := passwordOnlyHost(t, "fresh", 40, "first-boot-pw")
	c := newClient(t)
	known := filepath.Join(c.home, "new_known_hosts")
	roster := func(body string) {
		if err := os.WriteFile(c.roster, []byte("fresh:\n  host: "+h.Addr+"\n"+body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) result {
		return c.runRaw(append([]string{"--roster-file", c.roster, "--known-hosts", known, "--cache-dir", c.cache,
			"--no-agent", "--ssh-config", "none"}, args...)...)
	}
	roster("  user: root\n")
	// Without --key-deploy nothing is written: no way in.
	if r := run("--host-key-policy", "accept-new", "--passwd", "wrong", "fresh", "test.ping"); r.code != 20 || !strings.Contains(r.stdout, "authentication failed") {
		t.Fatalf("a wrong password: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(h.Root, "root/.ssh/authorized_keys")); !os.IsNotExist(err) {
		t.Fatalf("authorized_keys written without --key-deploy: %v", err)
	}

	// 1. First contact: host key recorded, brine's key made and deployed.
	r := run("--host-key-policy", "accept-new", "--key-deploy", "--passwd", "first-boot-pw", "fresh", "test.ping")
	if r.code != 0 || !strings.Contains(r.stderr, "brine: key deployed: fresh: root@"+h.Addr+":22") || !strings.Contains(r.stderr, "made brine's own key") {
		t.Fatalf("key deploy: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if kh, _ := os.ReadFile(known); !strings.Contains(string(kh), h.Addr) {
		t.Errorf("accept-new did not record the host key: %q", kh)
	}
	own := filepath.Join(c.home, ".config/brine/brine_ed25519")
	for p, mode := range map[string]os.FileMode{own: 0o600, filepath.Dir(own): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, want mode %o", p, err, mode)
		}
	}
	pub, err := os.ReadFile(own + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	lines := authorizedKeys(t, h, "root", 0)
	if len(lines) != 1 || keyBlob(t, lines[0]) != keyBlob(t, string(pub)) {
		t.Fatalf("root's authorized_keys: %q, want brine's key once", lines)
	}

	// 2. No password any more: brine's own key is offered by default.
	r = run("fresh", "test.ping", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["fresh"] != true {
		t.Fatalf("second run with the key alone: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// --key-deploy again: the key works, nothing is added.
	r = run("--key-deploy", "--passwd", "first-boot-pw", "fresh", "test.ping")
	if r.code != 0 || strings.Contains(r.stderr, "key deployed") || len(authorizedKeys(t, h, "root", 0)) != 1 {
		t.Errorf("third run: exit %d, stderr %s, keys %q", r.code, r.stderr, authorizedKeys(t, h, "root", 0))
	}

	// 3. A deploy user with sudo, by states (the README's tree).
	tree := writeTree(t, map[string]string{"deploy.sls": `deploy:
  user.present:
    - shell: /bin/sh
    - home: /home/deploy
    - password: '*'
  ssh_auth.present:
    - user: deploy
    - name: {{ pillar['deploy_pubkey'] }}
    - require:
      - user: deploy

/etc/sudoers.d/deploy:
  file.managed:
    - contents: "deploy ALL=(ALL) NOPASSWD: ALL\n"
    - user: root
    - group: root
    - mode: '0440'
    - check_cmd: /usr/sbin/visudo -c -f
`})
	pillar := writeTree(t, map[string]string{
		"top.sls":    "base:\n  '*':\n    - deploy\n",
		"deploy.sls": "deploy_pubkey: " + strings.TrimSpace(string(pub)) + "\n",
	})
	r = run("fresh", "state.apply", "deploy", "--file-root", tree, "--pillar-root", pillar, "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("deploy user states: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(filepath.Join(h.Root, "etc/sudoers.d/deploy")); err != nil || fi.Mode().Perm() != 0o440 {
		t.Errorf("sudoers file: %v", err)
	}

	// 4. Later runs as the deploy user, through sudo.
	roster("  user: deploy\n  sudo: True\n")
	r = run("fresh", "cmd.run", "id -un", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["fresh"] != "root" {
		t.Errorf("as deploy with sudo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	uid := uidOf(t, h, "deploy")
	if lines := authorizedKeys(t, h, "home/deploy", uid); len(lines) != 1 {
		t.Errorf("deploy's authorized_keys: %q", lines)
	}

	// A sudo user: the key (here --priv) goes to the login user's home, not
	// root's; sudo still gets the password.
	roster("  user: " + SudoPass + "\n")
	priv := writeUserKey(t, filepath.Join(c.home, "ops_ed25519"), "ops@laptop")
	r = run("--key-deploy", "--priv", priv, "--sudo", "--passwd", SudoPassword, "fresh", "cmd.run", "id -un", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["fresh"] != "root" {
		t.Fatalf("sudo user key deploy: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	ppub, _ := os.ReadFile(priv + ".pub")
	lines = authorizedKeys(t, h, "home/"+SudoPass, uidOf(t, h, SudoPass))
	if len(lines) != 1 || keyBlob(t, lines[0]) != keyBlob(t, string(ppub)) || !strings.HasSuffix(lines[0], " ops@laptop") {
		t.Errorf("%s's authorized_keys: %q, want the --priv key once with its comment", SudoPass, lines)
	}
	if len(authorizedKeys(t, h, "root", 0)) != 1 {
		t.Error("root's authorized_keys changed for a sudo user's deploy")
	}
	r = run("--priv", priv, "fresh", "cmd.run", "id -un", "--out", "json", "--static")
	if r.code != 0 || jsonOut(t, r)["fresh"] != SudoPass {
		t.Errorf("%s with its key and no password: exit %d\n%s", SudoPass, r.code, r.stderr)
	}
}

// TestWipe: --wipe leaves no thin dir behind (after a function and after a
// raw command), and the next run uploads the executor again.
func TestWipe(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h07")
	thin := filepath.Join(h.Root, "var/tmp/.brine_root")
	if r := c.run("h07", "test.ping"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(thin); err != nil {
		t.Fatalf("no thin dir after a run: %v", err)
	}
	for _, args := range [][]string{{"h07", "test.ping", "--wipe"}, {"h07", "-r", "true", "-w"}} {
		if r := c.run(args...); r.code != 0 {
			t.Fatalf("%q: exit %d: %s", args, r.code, r.stderr)
		}
		if _, err := os.Stat(thin); !os.IsNotExist(err) {
			t.Errorf("%q: thin dir still there (%v)", args, err)
		}
		r := c.run("h07", "test.ping", "--trace")
		want := []string{"dial " + h.Addr + ":22", "exec test.ping", "upload executor", "exec test.ping"}
		if got := steps(r.stderr, "h07"); r.code != 0 || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("after %q: exit %d, steps %q, want %q", args, r.code, got, want)
		}
	}
}

// TestOldExecutorsPruned: a run removes executor versions unused for a day
// and upload temp files dead for two minutes; the current executor, a
// version used an hour ago and a live upload stay.
func TestOldExecutorsPruned(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h08")
	thin := filepath.Join(h.Root, "var/tmp/.brine_root")
	if r := c.run("h08", "test.ping"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	current, _ := filepath.Glob(filepath.Join(thin, "brine-exec-*"))
	if len(current) != 1 {
		t.Fatalf("executors in the thin dir: %v", current)
	}
	now := time.Now()
	plant := map[string]time.Duration{
		"brine-exec-" + strings.Repeat("0", 64):                48 * time.Hour,
		"brine-exec-" + strings.Repeat("1", 64):                time.Hour,
		".brine-exec-" + strings.Repeat("2", 64) + ".tmp.4242": 10 * time.Minute,
		".brine-exec-" + strings.Repeat("3", 64) + ".tmp.4343": 0,
	}
	t.Cleanup(func() {
		// Leave the host as other tests expect it: one executor.
		for name := range plant {
			os.Remove(filepath.Join(thin, name))
		}
	})
	for name, age := range plant {
		p := filepath.Join(thin, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte{0x7f}, 64), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	if r := c.run("h08", "test.ping"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for name, age := range plant {
		_, err := os.Stat(filepath.Join(thin, name))
		gone := os.IsNotExist(err)
		if wantGone := age > 2*time.Minute && (age > 24*time.Hour || strings.HasPrefix(name, ".")); gone != wantGone {
			t.Errorf("%s (%s old): gone %v, want %v", name, age, gone, wantGone)
		}
	}
	if _, err := os.Stat(current[0]); err != nil {
		t.Errorf("the current executor was removed: %v", err)
	}
}
