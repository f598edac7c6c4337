// Package sshtest is an in-process SSH server for tests, like httptest for
// HTTP: the real x/crypto/ssh handshake and authentication, with each exec
// request answered by the test's handler. It offers no subsystems (no SFTP)
// and no pty.
package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"os/exec"
	"testing"

	"golang.org/x/crypto/ssh"
)

// ExecFunc answers one exec request: it reads stdin from and writes output
// to ch (ch.Stderr() for stderr) and returns the exit status.
type ExecFunc func(cmd string, ch ssh.Channel) int

// Server is a running test server.
type Server struct {
	// Addr is host:port on 127.0.0.1.
	Addr    string
	HostKey ssh.Signer
}

// Start serves on a loopback port until the test ends. cfg carries the
// authentication callbacks; Start adds a fresh ed25519 host key.
func Start(t testing.TB, cfg *ssh.ServerConfig, exec ExecFunc) *Server {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hk, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AddHostKey(hk)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c, cfg, exec)
		}
	}()
	return &Server{Addr: ln.Addr().String(), HostKey: hk}
}

func serve(c net.Conn, cfg *ssh.ServerConfig, exec ExecFunc) {
	_, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		c.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "")
			continue
		}
		ch, in, err := nc.Accept()
		if err != nil {
			continue
		}
		go func() {
			for r := range in {
				if r.Type != "exec" || len(r.Payload) < 4 {
					r.Reply(false, nil)
					continue
				}
				n := binary.BigEndian.Uint32(r.Payload)
				if int(n) > len(r.Payload)-4 {
					r.Reply(false, nil)
					continue
				}
				r.Reply(true, nil)
				status := exec(string(r.Payload[4:4+n]), ch)
				ch.SendRequest("exit-status", false, ssh.Marshal(struct{ S uint32 }{uint32(status)}))
				ch.Close()
				return
			}
		}()
	}
}

// Shell answers an exec request with this machine's /bin/sh, as sshd would
// for the user running the test: with it, code that runs real commands on
// a host (the runner's scripts, the executor) is tested without root or an
// sshd.
func Shell(line string, ch ssh.Channel) int {
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		return 255
	}
	return 0
}
