package connect

import (
	"context"
	"path/filepath"
	"testing"
)

// PasswordLogin tells a login on the password (where --key-deploy installs
// a key) from a login on a key, even when both are offered.
func TestPasswordLogin(t *testing.T) {
	authorized, priv := newSigner(t)
	_, otherPriv := newSigner(t)
	s := startServer(t, authorized.PublicKey(), "pw")
	kh, _ := NewKnownHosts(filepath.Join(t.TempDir(), "kh"), Ignore)
	d := &Dialer{KnownHosts: kh, Keyring: NewKeyring(nil)}
	t.Setenv("HOME", t.TempDir()) // no default identities
	for _, c := range []struct {
		name     string
		auth     Auth
		password bool
	}{
		{"password only", Auth{Password: "pw"}, true},
		{"refused key, then password", Auth{Keys: []string{writeKey(t, otherPriv, "")}, Password: "pw"}, true},
		{"accepted key, password unused", Auth{Keys: []string{writeKey(t, priv, "")}, Password: "pw"}, false},
		{"brine's own key offered by default", Auth{Own: writeKey(t, priv, ""), Password: "pw"}, false},
		{"brine's own key not there yet", Auth{Own: filepath.Join(t.TempDir(), "none"), Password: "pw"}, true},
	} {
		cl, err := d.Dial(context.Background(), target(s, c.auth))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := cl.PasswordLogin(); got != c.password {
			t.Errorf("%s: PasswordLogin() = %v, want %v", c.name, got, c.password)
		}
		cl.Close()
	}
	// An explicit key is the only key: brine's own is not added to it.
	_, err := d.Dial(context.Background(), target(s, Auth{Keys: []string{writeKey(t, otherPriv, "")}, Own: writeKey(t, priv, "")}))
	if err == nil {
		t.Error("brine's own key was offered beside an explicit key")
	}
}
