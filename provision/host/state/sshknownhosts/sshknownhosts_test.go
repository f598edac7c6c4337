package sshknownhosts

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"brine/provision/host/state"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

func newKey(t *testing.T) (enc, key string) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(ssh.MarshalAuthorizedKey(sp)))
	return f[0], f[1]
}

// TestPresentWithKey runs the real ssh-keygen over a temp root, as Salt's
// ssh module does: the key is appended, the file hashed, and a second run
// finds it.
func TestPresentWithKey(t *testing.T) {
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen not installed")
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/ssh"), 0o755)
	enc, key := newKey(t)
	env := &state.Env{Root: root, Exec: state.NewHostExecutor(), Test: true}
	c := lowstate.Chunk{"name": "github.com", "enc": enc, "key": key}
	r := present(context.Background(), env, c)
	if statetest.Result(r) != "None" || r.Comment != "Key for github.com is set to be added to /etc/ssh/ssh_known_hosts" {
		t.Fatalf("test: %s %q", statetest.Result(r), r.Comment)
	}
	env.Test = false
	r = present(context.Background(), env, c)
	if statetest.Result(r) != "true" || r.Comment != "github.com's key saved to /etc/ssh/ssh_known_hosts (key: "+key+")" {
		t.Fatalf("run: %s %q", statetest.Result(r), r.Comment)
	}
	if r.Changes["old"] != nil || len(r.Changes["new"].([]any)) != 1 {
		t.Errorf("changes %v", r.Changes)
	}
	b, _ := os.ReadFile(filepath.Join(root, "etc/ssh/ssh_known_hosts"))
	if !strings.HasPrefix(string(b), "|1|") || !strings.Contains(string(b), key) {
		t.Errorf("known_hosts not hashed: %q", b)
	}
	if fi, _ := os.Stat(filepath.Join(root, "etc/ssh/ssh_known_hosts")); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	r = present(context.Background(), env, c)
	if statetest.Result(r) != "true" || r.Comment != "github.com already exists in /etc/ssh/ssh_known_hosts" || len(r.Changes) != 0 {
		t.Errorf("again: %q %v", r.Comment, r.Changes)
	}
	env.Test = true
	if r := present(context.Background(), env, c); r.Comment != "Host github.com is already in /etc/ssh/ssh_known_hosts" {
		t.Errorf("test again: %q", r.Comment)
	}
	_, other := newKey(t)
	if r := present(context.Background(), env, lowstate.Chunk{"name": "github.com", "enc": enc, "key": other}); r.Comment != "Key for github.com is set to be updated in /etc/ssh/ssh_known_hosts" {
		t.Errorf("update: %q", r.Comment)
	}
	if r := present(context.Background(), env, lowstate.Chunk{"name": "h", "config": "known"}); statetest.Result(r) != "false" ||
		r.Comment != `If not specifying a "user", specify an absolute "config".` {
		t.Errorf("relative config: %q", r.Comment)
	}
	env.Test = false
	r = absent(context.Background(), env, lowstate.Chunk{"name": "github.com"})
	if statetest.Result(r) != "true" || r.Changes["new"] != nil || r.Changes["old"] == nil {
		t.Errorf("absent: %q %v", r.Comment, r.Changes)
	}
	if r := absent(context.Background(), env, lowstate.Chunk{"name": "github.com"}); r.Comment != "Host is already absent" {
		t.Errorf("absent again: %q", r.Comment)
	}
}

// TestFingerprint: Salt's _fingerprint is the colon-separated sha256 hex of
// the decoded key (value from Python's hashlib).
func TestFingerprint(t *testing.T) {
	fp, err := fingerprint("AAAA", "")
	if err != nil || fp != "70:9e:80:c8:84:87:a2:41:1e:1e:e4:df:b9:f2:2a:86:14:92:d2:0c:47:65:15:0c:0c:79:4a:bd:70:f8:14:7c" {
		t.Errorf("fingerprint = %q %v", fp, err)
	}
	if fp, _ := fingerprint("not base64!", ""); fp != "" {
		t.Errorf("bad key fingerprint %q", fp)
	}
}

// TestAbsentForAUserNotThereYet: Salt's get_known_host_entries returns its
// "User X does not exist" error as a dict, which absent() takes for
// entries: test mode predicts the removal, a real run fails with the error.
func TestAbsentForAUserNotThereYet(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644)
	env := &state.Env{Root: root, Exec: state.NewHostExecutor(), Test: true}
	c := lowstate.Chunk{"name": "old.example.com", "user": "buser"}
	r := absent(context.Background(), env, c)
	if statetest.Result(r) != "None" || r.Comment != "Key for old.example.com is set to be removed from .ssh/known_hosts" {
		t.Errorf("test: %s %q", statetest.Result(r), r.Comment)
	}
	env.Test = false
	r = absent(context.Background(), env, c)
	if statetest.Result(r) != "false" || r.Comment != "User buser does not exist" {
		t.Errorf("run: %s %q", statetest.Result(r), r.Comment)
	}
}
