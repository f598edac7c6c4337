package connect

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"brine/provision/controller/connect/sshtest"
)

// testServer is an in-process SSH server that answers every exec with the
// command line it got, so tests exercise the real handshake and auth.
type testServer struct {
	addr    string
	hostKey ssh.Signer
}

func newSigner(t *testing.T) (ssh.Signer, ed25519.PrivateKey) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, priv
}

func startServer(t *testing.T, clientKey ssh.PublicKey, password string) *testServer {
	t.Helper()
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(c ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if clientKey != nil && string(k.Marshal()) == string(clientKey.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("no")
		},
		PasswordCallback: func(c ssh.ConnMetadata, p []byte) (*ssh.Permissions, error) {
			if password != "" && string(p) == password {
				return nil, nil
			}
			return nil, errors.New("no")
		},
	}
	srv := sshtest.Start(t, cfg, func(cmd string, ch ssh.Channel) int {
		fmt.Fprintf(ch, "ran:%s", cmd)
		if strings.Contains(cmd, "fail") {
			return 3
		}
		return 0
	})
	return &testServer{addr: srv.Addr, hostKey: srv.HostKey}
}

func writeKey(t *testing.T, priv ed25519.PrivateKey, passphrase string) string {
	t.Helper()
	var blk *pem.Block
	var err error
	if passphrase == "" {
		blk, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		blk, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func target(s *testServer, auth Auth) Target {
	host, port, _ := net.SplitHostPort(s.addr)
	var p int
	fmt.Sscan(port, &p)
	return Target{Host: host, Port: p, User: "u", Auth: auth, Timeout: 5 * time.Second}
}

func knownFile(t *testing.T, lines ...string) string {
	p := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKeyAuthAndRun(t *testing.T) {
	cs, priv := newSigner(t)
	s := startServer(t, cs.PublicKey(), "")
	kh, err := NewKnownHosts(knownFile(t, knownhosts.Line([]string{knownhosts.Normalize(s.addr)}, s.hostKey.PublicKey())), Strict)
	if err != nil {
		t.Fatal(err)
	}
	d := &Dialer{KnownHosts: kh, Keyring: NewKeyring(nil)}
	c, err := d.Dial(context.Background(), target(s, Auth{Keys: []string{writeKey(t, priv, "")}}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	out, _, status, err := Run(context.Background(), c, "echo hi", nil)
	if err != nil || status != 0 || string(out) != "ran:echo hi" {
		t.Errorf("run: %q %d %v", out, status, err)
	}
	// One connection, many sessions.
	_, _, status, err = Run(context.Background(), c, "fail", nil)
	if err != nil || status != 3 {
		t.Errorf("exit status: %d %v", status, err)
	}
}

func TestHostKeyPolicies(t *testing.T) {
	cs, priv := newSigner(t)
	s := startServer(t, cs.PublicKey(), "")
	key := writeKey(t, priv, "")
	other, _ := newSigner(t)
	addr := knownhosts.Normalize(s.addr)

	dial := func(file string, p HostKeyPolicy) error {
		kh, err := NewKnownHosts(file, p)
		if err != nil {
			t.Fatal(err)
		}
		d := &Dialer{KnownHosts: kh, Keyring: NewKeyring(nil)}
		c, err := d.Dial(context.Background(), target(s, Auth{Keys: []string{key}}))
		if err == nil {
			c.Close()
		}
		return err
	}

	// Unknown: refused under strict, with a message saying what to do.
	missing := filepath.Join(t.TempDir(), "sub", "known_hosts")
	err := dial(missing, Strict)
	var hk *HostKeyError
	if !errors.As(err, &hk) || hk.Changed || !strings.Contains(err.Error(), "accept-new") {
		t.Fatalf("unknown key under strict: %v", err)
	}
	// accept-new records it; strict then accepts it.
	if err := dial(missing, AcceptNew); err != nil {
		t.Fatalf("accept-new: %v", err)
	}
	b, _ := os.ReadFile(missing)
	if !strings.Contains(string(b), addr) {
		t.Errorf("accept-new did not record %s: %q", addr, b)
	}
	if err := dial(missing, Strict); err != nil {
		t.Errorf("strict after accept-new: %v", err)
	}

	// Changed: refused under strict and accept-new, naming the file and line.
	changed := knownFile(t, "# comment", knownhosts.Line([]string{addr}, other.PublicKey()))
	for _, p := range []HostKeyPolicy{Strict, AcceptNew} {
		err := dial(changed, p)
		if !errors.As(err, &hk) || !hk.Changed || !strings.Contains(err.Error(), changed+":2") {
			t.Errorf("%s: changed key must be refused with file:line, got %v", p, err)
		}
	}
	b, _ = os.ReadFile(changed)
	if strings.Count(string(b), addr) != 1 {
		t.Errorf("a changed key must never be recorded: %q", b)
	}
	if err := dial(changed, Ignore); err != nil {
		t.Errorf("ignore: %v", err)
	}
}

func TestPasswordAndEncryptedKey(t *testing.T) {
	cs, priv := newSigner(t)
	s := startServer(t, cs.PublicKey(), "pw")
	kh, _ := NewKnownHosts(filepath.Join(t.TempDir(), "kh"), Ignore)

	d := &Dialer{KnownHosts: kh, Keyring: NewKeyring(nil)}
	c, err := d.Dial(context.Background(), target(s, Auth{Password: "pw"}))
	if err != nil {
		t.Fatalf("password auth: %v", err)
	}
	c.Close()
	_, err = d.Dial(context.Background(), target(s, Auth{Password: "nope"}))
	if err == nil || !strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), "nope") {
		t.Errorf("bad password: want a clear error without the password, got %v", err)
	}

	enc := writeKey(t, priv, "phrase")
	_, err = d.Dial(context.Background(), target(s, Auth{Keys: []string{enc}}))
	if err == nil || !strings.Contains(err.Error(), "--priv-passwd") {
		t.Errorf("encrypted key without passphrase: %v", err)
	}
	c, err = d.Dial(context.Background(), target(s, Auth{Keys: []string{enc}, Passphrase: "phrase"}))
	if err != nil {
		t.Fatalf("encrypted key with passphrase: %v", err)
	}
	c.Close()
	asked := 0
	d2 := &Dialer{KnownHosts: kh, Keyring: NewKeyring(func(string) (string, error) { asked++; return "phrase", nil })}
	for i := 0; i < 3; i++ {
		c, err := d2.Dial(context.Background(), target(s, Auth{Keys: []string{enc}}))
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	if asked != 1 {
		t.Errorf("the passphrase prompt should be asked once per key, was asked %d times", asked)
	}
}

func TestUnreachableAndTimeout(t *testing.T) {
	kh, _ := NewKnownHosts("", Ignore)
	d := &Dialer{KnownHosts: kh, Keyring: NewKeyring(nil)}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	host, port, _ := net.SplitHostPort(addr)
	var p int
	fmt.Sscan(port, &p)
	_, err := d.Dial(context.Background(), Target{Host: host, Port: p, User: "u", Auth: Auth{Password: "x"}, Timeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("closed port: %v", err)
	}
	// A server that accepts TCP but never speaks: the handshake times out.
	silent, _ := net.Listen("tcp", "127.0.0.1:0")
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	host, port, _ = net.SplitHostPort(silent.Addr().String())
	fmt.Sscan(port, &p)
	start := time.Now()
	_, err = d.Dial(context.Background(), Target{Host: host, Port: p, User: "u", Auth: Auth{Password: "x"}, Timeout: 300 * time.Millisecond})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("silent server: %v after %s", err, time.Since(start))
	}
}

func TestParseOptions(t *testing.T) {
	o, err := ParseOptions([]string{"StrictHostKeyChecking=no", "Port 2200", "-o ProxyJump=a@b:22", "ConnectTimeout=4", "Compression=yes"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Policy != Ignore || o.Port != 2200 || o.ProxyJump != "a@b:22" || o.Timeout != 4 || len(o.Unknown) != 1 {
		t.Errorf("%+v", o)
	}
	if _, err := ParseOptions([]string{"Port=x"}); err == nil {
		t.Error("bad port accepted")
	}
}
