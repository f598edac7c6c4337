package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's recipes, run as written: their code blocks are read from
// README.md here, so the README cannot drift from what is tested. The only
// changes made to them are listed where they are made (a documentation
// address becomes the test host's).

// codeBlock is a fenced block of README.md.
type codeBlock struct{ lang, body string }

// readmeBlocks returns the fenced code blocks of README.md's section
// "## heading" (up to the next "## " heading), in order.
func readmeBlocks(t *testing.T, heading string) []codeBlock {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n## "+heading+"\n")
	if i < 0 {
		t.Fatalf("README.md has no section %q", heading)
	}
	s = s[i+1:]
	if j := strings.Index(s[3:], "\n## "); j >= 0 {
		s = s[:j+4]
	}
	var out []codeBlock
	lines := strings.Split(s, "\n")
	for k := 0; k < len(lines); k++ {
		l := lines[k]
		if !strings.HasPrefix(l, "```") || len(l) == 3 {
			continue
		}
		blk := codeBlock{lang: strings.TrimPrefix(l, "```")}
		for k++; k < len(lines) && lines[k] != "```"; k++ {
			blk.body += lines[k] + "\n"
		}
		out = append(out, blk)
	}
	return out
}

// pick returns the blocks of lang whose text holds every one of words.
func pick(t *testing.T, blocks []codeBlock, lang string, words ...string) []codeBlock {
	t.Helper()
	var out []codeBlock
	for _, b := range blocks {
		ok := b.lang == lang
		for _, w := range words {
			ok = ok && strings.Contains(b.body, w)
		}
		if ok {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		t.Fatalf("README.md: no %s block with %q", lang, words)
	}
	return out
}

// yamlFile is a README YAML block that names its file on its first line
// ("# roster.yaml"): the path and the block.
func yamlFile(t *testing.T, b codeBlock) (string, string) {
	t.Helper()
	first, _, _ := strings.Cut(b.body, "\n")
	name, ok := strings.CutPrefix(first, "# ")
	if !ok || strings.ContainsAny(name, " :") {
		t.Fatalf("README.md: a YAML block that does not start with its file name: %q", first)
	}
	return name, b.body
}

// shellCommands are the commands of a README sh block, one a line, with
// comments and blank lines left out.
func shellCommands(b codeBlock) []string {
	var out []string
	for _, l := range strings.Split(b.body, "\n") {
		if i := strings.Index(l, " #"); i >= 0 {
			l = l[:i]
		}
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// readmeUser is an operator's machine for the recipes: a home of its own,
// a working directory, and brine (the e2e build) on the PATH.
type readmeUser struct {
	t         *testing.T
	home, dir string
}

func newReadmeUser(t *testing.T) *readmeUser {
	t.Helper()
	if suite == nil {
		t.Skip("no fleet")
	}
	u := &readmeUser{t: t, home: t.TempDir(), dir: t.TempDir()}
	if err := os.MkdirAll(filepath.Join(u.home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	return u
}

// write writes a file of the working directory.
func (u *readmeUser) write(name, body string) {
	u.t.Helper()
	p := filepath.Join(u.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		u.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		u.t.Fatal(err)
	}
}

// sh runs script with /bin/sh -e in the working directory.
func (u *readmeUser) sh(script string) result {
	u.t.Helper()
	cmd := exec.Command("/bin/sh", "-ec", script)
	cmd.Dir = u.dir
	cmd.Env = append(os.Environ(), "HOME="+u.home, "PATH="+filepath.Dir(suite.bin)+":"+os.Getenv("PATH"),
		"SSH_AUTH_SOCK=", "NO_COLOR=1", "BRINE_EXEC_DIR="+filepath.Dir(suite.bin))
	var so, se strings.Builder
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	r := result{stdout: so.String(), stderr: se.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		u.t.Fatalf("sh: %v", err)
	}
	return r
}

// copyDir copies the tree at src to dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp %s: %v %s", src, err, out)
	}
}

// TestReadmeFirstProvisioning runs "First-time provisioning" as written on
// a stock Debian sshd host (PermitRootLogin prohibit-password) whose
// installer's user admin, in the sudo group, has a password and no key:
// the key is deployed to admin, the login user brinectl is made by the
// README's states, and later runs as brinectl apply the whole example
// tree (with its own deploy user) without a password and without a
// conflict.
func TestReadmeFirstProvisioning(t *testing.T) {
	blocks := readmeBlocks(t, "First-time provisioning")
	h, err := suite.fleet.Add("readme-new1", 80, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := suite.fleet.Remove(h); err != nil {
			t.Error(err)
		}
	})
	// The installer's user; no key anywhere. The password is the README's.
	h.Stop()
	for _, home := range []string{"root", "home/" + SudoPass, "home/" + SudoNoPass} {
		os.Remove(filepath.Join(h.Root, home, ".ssh/authorized_keys"))
	}
	setup := exec.Command("chroot", h.Root, "/bin/sh", "-ec", "useradd -m -s /bin/bash -G sudo admin && chpasswd")
	setup.Stdin = strings.NewReader("admin:the install password\nroot:the install password\n")
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("useradd admin: %v %s", err, out)
	}
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}

	u := newReadmeUser(t)
	copyDir(t, "../states", filepath.Join(u.dir, "states"))
	// brine's own key, made beforehand here only so that the pillar below
	// can hold its public half (brine makes it on first use otherwise:
	// TestFirstProvisioning checks that).
	if err := os.MkdirAll(filepath.Join(u.home, ".config/brine"), 0o700); err != nil {
		t.Fatal(err)
	}
	own := writeUserKey(t, filepath.Join(u.home, ".config/brine/brine_ed25519"), "brine:ops@ctl")
	pub, _ := os.ReadFile(own + ".pub")

	rosters := pick(t, blocks, "yaml", "# roster.yaml")
	if len(rosters) != 2 {
		t.Fatalf("want two roster blocks (admin, then brinectl), got %d", len(rosters))
	}
	roster := func(b codeBlock) {
		name, body := yamlFile(t, b)
		// The documentation address is the test host's.
		u.write(name, strings.ReplaceAll(body, "192.0.2.50", h.Addr))
	}
	roster(rosters[0])
	for _, b := range pick(t, blocks, "yaml", "# states/") {
		u.write(yamlFile(t, b))
	}
	for _, b := range pick(t, blocks, "yaml", "# pillar/") {
		name, body := yamlFile(t, b)
		// The placeholder key is brine's own public key.
		body = strings.ReplaceAll(body, "ssh-ed25519 AAAA... brine:ops@ctl", strings.TrimSpace(string(pub)))
		u.write(name, body)
	}
	shs := pick(t, blocks, "sh")
	if len(shs) != 2 {
		t.Fatalf("want two sh blocks, got %d", len(shs))
	}

	// As root with the password: refused by Debian's sshd.
	u.write("root-roster.yaml", "new1:\n  host: "+h.Addr+"\n  user: root\n")
	if r := u.sh("BRINE_PASSWD='the install password' brine --roster-file root-roster.yaml --key-deploy --host-key-policy accept-new new1 test.ping"); r.code != 20 || !strings.Contains(r.stdout, "authentication failed") {
		t.Errorf("root by password on a stock sshd: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// 1. The first block: key deployed to admin, brinectl made.
	r := u.sh(shs[0].body)
	if r.code != 0 {
		t.Fatalf("README's first block: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if kh, _ := os.ReadFile(filepath.Join(u.home, ".ssh/known_hosts")); !strings.Contains(string(kh), h.Addr) {
		t.Errorf("accept-new did not record the host key: %q", kh)
	}
	if lines := authorizedKeys(t, h, "home/admin", uidOf(t, h, "admin")); len(lines) != 1 || keyBlob(t, lines[0]) != keyBlob(t, string(pub)) {
		t.Errorf("admin's authorized_keys: %q, want brine's key once", lines)
	}
	if _, err := os.Stat(filepath.Join(h.Root, "root/.ssh/authorized_keys")); err == nil {
		t.Error("root's authorized_keys written for a sudo user")
	}
	if fi, err := os.Stat(filepath.Join(h.Root, "etc/sudoers.d/brinectl")); err != nil || fi.Mode().Perm() != 0o440 {
		t.Errorf("sudoers file: %v", err)
	}

	// 2. Later runs: as brinectl, the whole tree, no password anywhere.
	roster(rosters[1])
	r = u.sh(shs[1].body)
	if r.code != 0 {
		t.Fatalf("README's later run: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "ID: user-deploy") {
		t.Errorf("the whole tree as brinectl: no user-deploy\n%s", r.stdout)
	}
	if lines := authorizedKeys(t, h, "home/brinectl", uidOf(t, h, "brinectl")); len(lines) != 1 {
		t.Errorf("brinectl's authorized_keys: %q", lines)
	}
	// And again: nothing left to change, nothing fights.
	if r = u.sh(shs[1].body); r.code != 0 {
		t.Errorf("second run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestReadmeJobHistoryRecipes runs the Job history section's recipes as
// written: --failed-from last after a test.ping retries the hosts whose
// state.apply failed, and scale-out with --new-hosts reaches new hosts
// whose keys are not known yet (and the host that never succeeded).
func TestReadmeJobHistoryRecipes(t *testing.T) {
	blocks := readmeBlocks(t, "Job history")
	retry := shellCommands(pick(t, blocks, "sh", "--failed-from last")[0])
	scale := shellCommands(pick(t, blocks, "sh", "--new-hosts")[0])
	if len(retry) != 3 || len(scale) != 1 {
		t.Fatalf("README's recipes changed shape: %q %q", retry, scale)
	}
	u := newReadmeUser(t)
	key, _ := os.ReadFile(suite.fleet.ClientKey)
	kh, _ := os.ReadFile(suite.fleet.KnownHosts)
	if err := os.WriteFile(filepath.Join(u.home, ".ssh/id_ed25519"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(u.home, ".ssh/known_hosts"), kh, 0o600); err != nil {
		t.Fatal(err)
	}
	var roster strings.Builder
	for _, id := range []string{"h01", "h02", "h03"} {
		roster.WriteString(id + ":\n  host: " + hostByID(t, id).Addr + "\n  user: root\n")
	}
	u.write("roster.yaml", roster.String())
	u.write("states/top.sls", "base:\n  '*':\n    - app\n")
	u.write("states/app.sls", "app:\n{% if grains['id'] == 'h02' %}  test.fail_without_changes: []\n{% else %}  test.succeed_without_changes: []\n{% endif %}")

	ran := func(r result) string {
		var ids []string
		for _, id := range []string{"h01", "h02", "h03", "new1", "new2"} {
			if strings.Contains(r.stdout, "\n"+id+":\n") || strings.HasPrefix(r.stdout, id+":\n") {
				ids = append(ids, id)
			}
		}
		return strings.Join(ids, ",")
	}
	want := []struct {
		code int
		ran  string
	}{{20, "h01,h02,h03"}, {0, "h01,h02,h03"}, {20, "h02"}}
	for i, cmd := range retry {
		r := u.sh(cmd)
		if r.code != want[i].code || ran(r) != want[i].ran {
			t.Errorf("%s: exit %d, ran %s; want exit %d on %s\n%s\n%s", cmd, r.code, ran(r), want[i].code, want[i].ran, r.stdout, r.stderr)
		}
	}

	// Scale-out: two new hosts (keys unknown), and h02 now succeeds.
	for i, id := range []string{"new1", "new2"} {
		h, err := suite.fleet.Add("readme-"+id, 81+i, false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := suite.fleet.Remove(h); err != nil {
				t.Error(err)
			}
		})
		roster.WriteString(id + ":\n  host: " + h.Addr + "\n  user: root\n")
	}
	u.write("roster.yaml", roster.String())
	u.write("states/app.sls", "app:\n  test.succeed_without_changes: []\n")
	// Strict by default: the new hosts' keys are unknown.
	if r := u.sh("brine --new-hosts 'new*' state.apply"); r.code != 20 || !strings.Contains(r.stdout, "new1") {
		t.Errorf("strict scale-out: exit %d, want 20 (unknown host keys)\n%s", r.code, r.stdout)
	}
	r := u.sh(scale[0])
	if r.code != 0 || ran(r) != "h02,new1,new2" {
		t.Errorf("%s: exit %d, ran %s; want h02,new1,new2\n%s\n%s", scale[0], r.code, ran(r), r.stdout, r.stderr)
	}
	if r = u.sh(scale[0]); r.code != 0 || !strings.Contains(r.stderr, "nothing to run") {
		t.Errorf("scale-out again: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
