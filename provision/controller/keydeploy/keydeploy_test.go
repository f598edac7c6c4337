package keydeploy

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"brine/provision/controller/connect"
)

func newPub(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The script runs with this machine's /bin/sh as a login user whose home
// is a temp dir.
func authorize(t *testing.T, pub ssh.PublicKey, comment string) bool {
	t.Helper()
	added, err := Authorize(context.Background(), &connect.Local{}, pub, comment)
	if err != nil {
		t.Fatal(err)
	}
	return added
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestAuthorizeCreatesOnceWithModes(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	k := newPub(t)
	if !authorize(t, k, "brine@ctl") {
		t.Fatal("first deploy did not add the key")
	}
	// Again, and with another comment: the blob decides.
	if authorize(t, k, "brine@ctl") || authorize(t, k, "someone else") {
		t.Error("the key was added twice")
	}
	f := filepath.Join(home, ".ssh", "authorized_keys")
	b, _ := os.ReadFile(f)
	if want := AuthorizedLine(k, "brine@ctl"); string(b) != want {
		t.Errorf("authorized_keys %q, want %q", b, want)
	}
	if m := mode(t, filepath.Join(home, ".ssh")); m != 0o700 {
		t.Errorf(".ssh mode %o", m)
	}
	if m := mode(t, f); m != 0o600 {
		t.Errorf("authorized_keys mode %o", m)
	}
	if left, _ := filepath.Glob(filepath.Join(home, ".ssh", ".*brine*")); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}

func TestAuthorizeKeepsOtherLines(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	os.Mkdir(filepath.Join(home, ".ssh"), 0o700)
	f := filepath.Join(home, ".ssh", "authorized_keys")
	other := strings.TrimSpace(AuthorizedLine(newPub(t), "other"))
	k := newPub(t)
	// An existing line with options and the same key: present.
	withOpts := `from="10.0.0.0/8",command="echo 'hi there'" ` + strings.TrimSpace(AuthorizedLine(k, "old comment"))
	os.WriteFile(f, []byte("# keys\n"+withOpts+"\n"), 0o644)
	if authorize(t, k, "new") {
		t.Error("a key present with options and another comment was added again")
	}
	// A file whose last line has no newline, with a key that is a prefix
	// match of nothing: added on its own line.
	os.WriteFile(f, []byte("# keys\n"+other), 0o644)
	if !authorize(t, k, "brine") {
		t.Fatal("not added")
	}
	b, _ := os.ReadFile(f)
	want := "# keys\n" + other + "\n" + AuthorizedLine(k, "brine")
	if string(b) != want {
		t.Errorf("got %q\nwant %q", b, want)
	}
}

func TestAuthorizeThroughSymlink(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	os.Mkdir(filepath.Join(home, ".ssh"), 0o700)
	shared := filepath.Join(t.TempDir(), "managed_keys")
	os.WriteFile(shared, []byte("ssh-ed25519 AAAAothernonl"), 0o600)
	os.Symlink(shared, filepath.Join(home, ".ssh", "authorized_keys"))
	k := newPub(t)
	if !authorize(t, k, "") {
		t.Fatal("not added")
	}
	if fi, err := os.Lstat(filepath.Join(home, ".ssh", "authorized_keys")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced")
	}
	b, _ := os.ReadFile(shared)
	if string(b) != "ssh-ed25519 AAAAothernonl\n"+AuthorizedLine(k, "") {
		t.Errorf("shared file %q", b)
	}
}

func TestAuthorizeFailsClearly(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	os.WriteFile(filepath.Join(home, ".ssh"), []byte("not a dir"), 0o600)
	_, err := Authorize(context.Background(), &connect.Local{}, newPub(t), "")
	if err == nil || !strings.Contains(err.Error(), "authorized_keys failed") {
		t.Errorf("want a clear error, got %v", err)
	}
}

func TestOwnKey(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(t.TempDir(), "cfg"))
	p, err := OwnKeyFile()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p) != OwnKeyName || filepath.Base(filepath.Dir(p)) != "brine" {
		t.Errorf("own key at %s", p)
	}
	// Racing makers end with one key.
	var wg sync.WaitGroup
	made := make(chan bool, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := EnsureOwnKey(p, "brine@test")
			if err != nil {
				t.Error(err)
			}
			made <- c
		}()
	}
	wg.Wait()
	close(made)
	n := 0
	for c := range made {
		if c {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d processes say they made the key", n)
	}
	if m := mode(t, p); m != 0o600 {
		t.Errorf("key mode %o", m)
	}
	if m := mode(t, filepath.Dir(p)); m != 0o700 {
		t.Errorf("dir mode %o", m)
	}
	b, _ := os.ReadFile(p)
	s, err := ssh.ParsePrivateKey(b)
	if err != nil || s.PublicKey().Type() != ssh.KeyAlgoED25519 {
		t.Fatalf("not an ed25519 key: %v", err)
	}
	pub, comment := PublicKey(p, s)
	if comment != "brine@test" || string(pub.Marshal()) != string(s.PublicKey().Marshal()) {
		t.Errorf("public key comment %q", comment)
	}
	// A .pub lost is written again from the private key.
	os.Remove(p + ".pub")
	if c, err := EnsureOwnKey(p, "again"); c || err != nil {
		t.Fatalf("%v %v", c, err)
	}
	if _, c := PublicKey(p, s); c != "again" {
		t.Errorf("comment %q", c)
	}
	// A .pub of another key gives no comment.
	os.WriteFile(p+".pub", []byte(AuthorizedLine(newPub(t), "stranger")), 0o644)
	if _, c := PublicKey(p, s); c != "" {
		t.Errorf("comment %q taken from another key's .pub", c)
	}
}
