package keydeploy

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
	"brine/provision/controller/connect/sshtest"
)

// A host that lets brine in on the password only gets the key, over that
// connection: brine's own key, made on first use, when none is given;
// the second login, still by password, is told about rather than added
// twice. The host is an in-process SSH server running this machine's
// /bin/sh as a login user whose home is a temp dir.
func TestConnectorDeploysOnPasswordLogin(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	srv := sshtest.Start(t, &ssh.ServerConfig{PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) { return nil, nil }}, sshtest.Shell)
	host, p, _ := net.SplitHostPort(srv.Addr)
	port, _ := strconv.Atoi(p)
	kh, err := connect.NewKnownHosts("", connect.Ignore)
	if err != nil {
		t.Fatal(err)
	}
	kr := connect.NewKeyring(nil)
	own := filepath.Join(t.TempDir(), "brine", OwnKeyName)
	var log bytes.Buffer
	target := func(*roster.Host) connect.Target {
		return connect.Target{Host: host, Port: port, User: "deploy", Auth: connect.Auth{Password: "pw"}, Timeout: 5 * time.Second}
	}
	k := &Connector{Dialer: &connect.Dialer{KnownHosts: kh, Keyring: kr}, Target: target, Keyring: kr, Own: own, Comment: "brine:test", Log: &log}
	h := &roster.Host{ID: "web"}
	if k.Addr(h) != srv.Addr {
		t.Errorf("addr %s", k.Addr(h))
	}
	dial := func() {
		t.Helper()
		c, err := k.Dial(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	dial()
	pub, err := os.ReadFile(own + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := os.ReadFile(filepath.Join(home, ".ssh", "authorized_keys"))
	if fields := strings.Fields(string(pub)); len(fields) < 2 || !strings.Contains(string(keys), fields[1]) {
		t.Errorf("authorized_keys %q lacks brine's own key %q", keys, pub)
	}
	for _, want := range []string{"brine: made brine's own key " + own, "brine: key deployed: web: deploy@" + srv.Addr + " now accepts the key " + own} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	log.Reset()
	dial()
	if !strings.Contains(log.String(), "is in deploy's ~/.ssh/authorized_keys already, yet the host asked for the password") {
		t.Errorf("second login: %q", log.String())
	}
	// No key given and no config directory for brine's own: the host
	// fails, saying what to do.
	none := &Connector{Dialer: k.Dialer, Target: target, Keyring: kr, Log: &log}
	if _, err := none.Dial(context.Background(), h); err == nil || !strings.Contains(err.Error(), "--key-deploy for deploy@"+srv.Addr+": no key to deploy: give one with --priv") {
		t.Errorf("no key: %v", err)
	}
}
