// Package connect opens the one SSH connection brine uses per host: dial
// (optionally through ProxyJump hosts), authenticate with keys, agent or
// password, check the host key against known_hosts, and run commands.
package connect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Target is where and how to connect.
type Target struct {
	Host    string
	Port    int
	User    string
	Auth    Auth
	Timeout time.Duration
	// ProxyJump is OpenSSH's ProxyJump: [user@]host[:port][,...].
	ProxyJump string
	// KnownHosts overrides the dialer's host key checking for this target
	// (roster ssh_options such as StrictHostKeyChecking=no).
	KnownHosts *KnownHosts
}

// Addr is host:port.
func (t Target) Addr() string {
	p := t.Port
	if p == 0 {
		p = 22
	}
	return net.JoinHostPort(t.Host, strconv.Itoa(p))
}

// Dialer opens connections; one per run, shared by all hosts.
type Dialer struct {
	KnownHosts *KnownHosts
	Keyring    *Keyring
}

// Client is one authenticated SSH connection.
type Client struct {
	ssh   *ssh.Client
	jumps []*ssh.Client
}

// Dial connects to t, honouring ctx and t.Timeout for the TCP connect and
// the SSH handshake.
func (d *Dialer) Dial(ctx context.Context, t Target) (*Client, error) {
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	c := &Client{}
	var via *ssh.Client
	if t.ProxyJump != "" && !strings.EqualFold(t.ProxyJump, "none") {
		for _, hop := range strings.Split(t.ProxyJump, ",") {
			jt, err := parseJump(hop, t)
			if err != nil {
				c.Close()
				return nil, err
			}
			jc, err := d.dialOne(ctx, jt, via, timeout)
			if err != nil {
				c.Close()
				return nil, fmt.Errorf("jump host %s: %w", jt.Addr(), err)
			}
			c.jumps = append(c.jumps, jc)
			via = jc
		}
	}
	sc, err := d.dialOne(ctx, t, via, timeout)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.ssh = sc
	return c, nil
}

func parseJump(hop string, base Target) (Target, error) {
	jt := Target{User: base.User, Auth: base.Auth, Timeout: base.Timeout, KnownHosts: base.KnownHosts}
	hop = strings.TrimSpace(strings.TrimPrefix(hop, "ssh://"))
	if i := strings.LastIndex(hop, "@"); i >= 0 {
		jt.User, hop = hop[:i], hop[i+1:]
	}
	host, port, err := net.SplitHostPort(hop)
	if err != nil {
		host, port = hop, "22"
	}
	p, err := strconv.Atoi(port)
	if err != nil || host == "" {
		return jt, fmt.Errorf("ProxyJump %q: want [user@]host[:port]", hop)
	}
	jt.Host, jt.Port = host, p
	return jt, nil
}

func (d *Dialer) dialOne(ctx context.Context, t Target, via *ssh.Client, timeout time.Duration) (*ssh.Client, error) {
	addr := t.Addr()
	methods, closeAgent, err := t.Auth.methods(d.Keyring)
	if err != nil {
		return nil, err
	}
	defer closeAgent()
	kh := d.KnownHosts
	if t.KnownHosts != nil {
		kh = t.KnownHosts
	}
	cfg := &ssh.ClientConfig{
		User:              t.User,
		Auth:              methods,
		HostKeyCallback:   kh.Callback(addr),
		HostKeyAlgorithms: kh.Algorithms(addr),
		Timeout:           timeout,
		ClientVersion:     "SSH-2.0-brine",
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var conn net.Conn
	if via != nil {
		conn, err = via.DialContext(dctx, "tcp", addr)
	} else {
		var nd net.Dialer
		conn, err = nd.DialContext(dctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", addr, unwrapNet(err))
	}
	deadline, _ := dctx.Deadline()
	_ = conn.SetDeadline(deadline)
	// Abort the handshake when ctx ends.
	stop := context.AfterFunc(dctx, func() { _ = conn.SetDeadline(time.Now()) })
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	stop()
	if err != nil {
		conn.Close()
		var hk *HostKeyError
		if errors.As(err, &hk) {
			return nil, hk
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("ssh %s@%s: authentication failed (tried: %s): check the user, key, agent or password", t.User, addr, authNames(t.Auth))
		}
		return nil, fmt.Errorf("ssh %s: %w", addr, unwrapNet(err))
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), nil
}

func authNames(a Auth) string {
	var n []string
	if len(a.Keys) > 0 {
		n = append(n, "key "+strings.Join(a.Keys, ","))
	} else {
		n = append(n, "default keys")
	}
	if a.Agent {
		n = append(n, "agent")
	}
	if a.Password != "" {
		n = append(n, "password")
	}
	return strings.Join(n, ", ")
}

func unwrapNet(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// Close closes the connection and any jump connections.
func (c *Client) Close() error {
	var err error
	if c.ssh != nil {
		err = c.ssh.Close()
	}
	for i := len(c.jumps) - 1; i >= 0; i-- {
		c.jumps[i].Close()
	}
	return err
}

// ExitError is a remote command's non-zero exit status.
type ExitError struct {
	Status int
	Signal string
}

func (e *ExitError) Error() string {
	if e.Signal != "" {
		return "remote command killed by signal " + e.Signal
	}
	return fmt.Sprintf("remote command exited with status %d", e.Status)
}

// Session is one running remote command.
type Session struct {
	s *ssh.Session
}

// Start runs cmd (a /bin/sh command line on the target) in a new channel,
// wiring stdin, stdout and stderr (any may be nil).
func (c *Client) Start(cmd string, stdin io.Reader, stdout, stderr io.Writer) (*Session, error) {
	s, err := c.ssh.NewSession()
	if err != nil {
		return nil, fmt.Errorf("open session: %w", err)
	}
	s.Stdout, s.Stderr = stdout, stderr
	// Feed stdin ourselves: a command may exit before reading all of it (the
	// "executor missing" answer does), and that is not an error of the run.
	var w io.WriteCloser
	if stdin != nil {
		if w, err = s.StdinPipe(); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.Start(cmd); err != nil {
		s.Close()
		return nil, fmt.Errorf("start remote command: %w", err)
	}
	if w != nil {
		go func() {
			_, _ = io.Copy(w, stdin)
			w.Close()
		}()
	}
	return &Session{s: s}, nil
}

// StdinPipe opens a session and returns a writer to its stdin; use it when
// what to send depends on what the remote prints.
func (c *Client) StdinPipe(cmd string, stdout, stderr io.Writer) (*Session, io.WriteCloser, error) {
	s, err := c.ssh.NewSession()
	if err != nil {
		return nil, nil, fmt.Errorf("open session: %w", err)
	}
	s.Stdout, s.Stderr = stdout, stderr
	w, err := s.StdinPipe()
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	if err := s.Start(cmd); err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("start remote command: %w", err)
	}
	return &Session{s: s}, w, nil
}

// Wait waits for the command; a non-zero exit is an *ExitError. When ctx
// ends first the session is closed and ctx's error returned.
func (s *Session) Wait(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- s.s.Wait() }()
	select {
	case err := <-done:
		s.s.Close()
		return exitErr(err)
	case <-ctx.Done():
		_ = s.s.Signal(ssh.SIGTERM)
		s.s.Close()
		return ctx.Err()
	}
}

func exitErr(err error) error {
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Status: ee.ExitStatus(), Signal: ee.Signal()}
	}
	var em *ssh.ExitMissingError
	if errors.As(err, &em) {
		return &ExitError{Status: 255, Signal: "unknown (connection lost)"}
	}
	return err
}

// Run runs cmd with stdin and returns its stdout, stderr and exit status
// (non-zero status is not an error).
func (c *Client) Run(ctx context.Context, cmd string, stdin []byte) (stdout, stderr []byte, status int, err error) {
	var o, e bytes.Buffer
	var in io.Reader
	if stdin != nil {
		in = bytes.NewReader(stdin)
	}
	s, err := c.Start(cmd, in, &o, &e)
	if err != nil {
		return nil, nil, -1, err
	}
	err = s.Wait(ctx)
	var ee *ExitError
	if errors.As(err, &ee) && ee.Signal == "" {
		return o.Bytes(), e.Bytes(), ee.Status, nil
	}
	if err != nil {
		return o.Bytes(), e.Bytes(), -1, err
	}
	return o.Bytes(), e.Bytes(), 0, nil
}

// SFTP opens an SFTP client on the connection; it fails when the server
// offers no sftp subsystem.
func (c *Client) SFTP() (*sftp.Client, error) {
	return sftp.NewClient(c.ssh)
}
