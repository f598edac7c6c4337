package connect

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"brine/inventory/roster"
)

// The roster entry wins over its ssh_options, which win over ~/.ssh/config
// for the host as typed, which wins over the command line's defaults.
func TestResolverPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte("Host web\n  HostName 10.0.0.5\n  Port 2200\n  User cfguser\n  IdentityFile ~/cfgkey\n  ServerAliveInterval 7\n"), 0o600)
	var warnings []string
	r, err := NewResolver(Defaults{KnownHostsFile: filepath.Join(dir, "known_hosts"), Policy: Strict, SSHConfig: cfg,
		Password: "flagpw", Keys: []string{"flagkey"}, Passphrase: "flagpp", Agent: true, User: "flaguser",
		Timeout: 3 * time.Second, Sudo: true, SudoUser: "admin",
		Warn: func(id, msg string) { warnings = append(warnings, id+": "+msg) }})
	if err != nil {
		t.Fatal(err)
	}
	// Typed as in ~/.ssh/config: its HostName, Port, User and keepalive;
	// the flag's key wins over IdentityFile (as ssh -i does).
	web := &roster.Host{ID: "web", Host: "web"}
	got := r.Target(web)
	if got.Host != "10.0.0.5" || got.Port != 2200 || got.User != "cfguser" || got.Timeout != 3*time.Second || got.Keepalive != 7*time.Second ||
		!reflect.DeepEqual(got.Auth.Keys, []string{"flagkey"}) || got.Auth.Password != "flagpw" || got.Auth.Passphrase != "flagpp" || !got.Auth.Agent {
		t.Errorf("web: %+v", got)
	}
	if web.User != "cfguser" || !web.Sudo || web.SudoUser != "admin" || web.Passwd != "flagpw" {
		t.Errorf("the roster host's effective settings: %+v", web)
	}
	// The roster entry and its ssh_options win; an unknown option is a
	// warning, once however often the host is asked for.
	db := &roster.Host{ID: "db", Host: "web", Port: 2201, User: "rosteruser", Passwd: "rosterpw", Priv: "rosterkey",
		SSHOptions: []string{"User=optuser", "ConnectTimeout=9", "ServerAliveInterval=0", "Frobnicate=yes"}}
	got = r.Target(db)
	got2 := r.Target(db)
	if got.Host != "10.0.0.5" || got.Port != 2201 || got.User != "optuser" || got.Timeout != 9*time.Second || got.Keepalive != -1 ||
		!reflect.DeepEqual(got.Auth.Keys, []string{"rosterkey"}) || got.Auth.Password != "rosterpw" || !reflect.DeepEqual(got, got2) {
		t.Errorf("db: %+v", got)
	}
	if len(warnings) != 1 || warnings[0] != `db: ssh option "Frobnicate=yes" is not supported, ignored` {
		t.Errorf("warnings: %q", warnings)
	}
	// Nothing set anywhere: root, and OpenSSH's port.
	plain := &roster.Host{ID: "plain", Host: "192.0.2.1"}
	if got := r.Target(plain); got.User != "flaguser" || got.Addr() != "192.0.2.1:22" {
		t.Errorf("plain: %+v", got)
	}
	if s := r.Secrets(); !reflect.DeepEqual(s, []string{"flagpw", "flagpp"}) {
		t.Errorf("secrets: %q", s)
	}
}

func TestResolverAsksForThePassword(t *testing.T) {
	dir := t.TempDir()
	asked := ""
	r, err := NewResolver(Defaults{KnownHostsFile: filepath.Join(dir, "kh"), Policy: Strict, SSHConfig: "none", Askpass: true,
		Prompt: func(msg string) (string, error) { asked = msg; return "typed", nil }})
	if err != nil {
		t.Fatal(err)
	}
	if asked == "" || r.Target(&roster.Host{ID: "a", Host: "a"}).Auth.Password != "typed" {
		t.Errorf("asked %q", asked)
	}
	if _, err := NewResolver(Defaults{KnownHostsFile: filepath.Join(dir, "kh"), Policy: Strict, SSHConfig: "none", Askpass: true}); err == nil {
		t.Error("--askpass with no one to ask should fail")
	}
}
