// Package connect opens the one SSH connection brine uses per host: dial
// (optionally through ProxyJump hosts), authenticate with keys, agent or
// password, check the host key against known_hosts, and run commands.
package connect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	// Keepalive and KeepaliveMax override the dialer's (roster ssh_options
	// ServerAliveInterval and ServerAliveCountMax); 0 keeps the dialer's.
	// A negative Keepalive turns keepalives off for this target.
	Keepalive    time.Duration
	KeepaliveMax int
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
	// Keepalive is the interval of SSH keepalives on every connection
	// (OpenSSH's ServerAliveInterval; 0 means none). KeepaliveMax unanswered
	// keepalives in a row (default 3) lose the connection.
	Keepalive    time.Duration
	KeepaliveMax int
	// MaxHandshakes bounds the TCP connects and SSH handshakes in flight
	// (default 64), apart from the hosts in flight: under load the connect
	// timeout then measures the network, not the local CPU queue.
	MaxHandshakes int
	// Retries is how many times a transient handshake failure (the server
	// closed or reset the connection mid-handshake, a handshake timeout
	// once TCP was up) is retried, with backoff, before the host is called
	// unreachable (default 2; -1 for none).
	Retries int

	once       sync.Once
	handshakes chan struct{}
}

// Client is one authenticated SSH connection.
type Client struct {
	ssh   *ssh.Client
	jumps []*ssh.Client

	// password: the login took the password (no key was accepted).
	password bool

	mu     sync.Mutex
	lost   *LostError
	done   chan struct{}
	closed sync.Once
}

// PasswordLogin reports whether the host let this connection in on the
// password, no key having been accepted (where --key-deploy installs one).
func (c *Client) PasswordLogin() bool { return c.password }

func (d *Dialer) slots() chan struct{} {
	d.once.Do(func() {
		n := d.MaxHandshakes
		if n <= 0 {
			n = 64
		}
		d.handshakes = make(chan struct{}, n)
	})
	return d.handshakes
}

// Dial connects to t. Each attempt (TCP connect and SSH handshake) is
// bounded by t.Timeout, counted from when the attempt really starts (after
// waiting for a handshake slot); ctx bounds everything.
func (d *Dialer) Dial(ctx context.Context, t Target) (*Client, error) {
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	c := &Client{done: make(chan struct{})}
	var via *ssh.Client
	if t.ProxyJump != "" && !strings.EqualFold(t.ProxyJump, "none") {
		for _, hop := range strings.Split(t.ProxyJump, ",") {
			jt, err := parseJump(hop, t)
			if err != nil {
				c.Close()
				return nil, err
			}
			jc, _, err := d.dialRetry(ctx, jt, via, timeout)
			if err != nil {
				c.Close()
				return nil, fmt.Errorf("jump host %s: %w", jt.Addr(), err)
			}
			c.jumps = append(c.jumps, jc)
			via = jc
		}
	}
	sc, password, err := d.dialRetry(ctx, t, via, timeout)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.ssh, c.password = sc, password
	interval, max := d.Keepalive, d.KeepaliveMax
	if t.Keepalive != 0 {
		interval = t.Keepalive
	}
	if t.KeepaliveMax > 0 {
		max = t.KeepaliveMax
	}
	if max <= 0 {
		max = 3
	}
	if interval > 0 {
		go c.keepalive(interval, max)
	}
	return c, nil
}

// dialRetry dials once, and again after a transient failure; password
// says whether the login took the password.
func (d *Dialer) dialRetry(ctx context.Context, t Target, via *ssh.Client, timeout time.Duration) (sc *ssh.Client, password bool, err error) {
	retries := d.Retries
	if retries == 0 {
		retries = 2
	}
	backoff := 250 * time.Millisecond
	for attempt := 0; ; attempt++ {
		var pw atomic.Bool
		sc, err = d.dialSlot(ctx, t, via, timeout, &pw)
		if err == nil || attempt >= retries || !transient(err) || ctx.Err() != nil {
			return sc, pw.Load(), err
		}
		wait := backoff + rand.N(backoff/2)
		backoff *= 3
		select {
		case <-ctx.Done():
			return nil, false, err
		case <-time.After(wait):
		}
	}
}

// handshakeError marks a failure after TCP was up; timeouts there are load
// (the server or this machine busy), worth another try.
type handshakeError struct{ err error }

func (h *handshakeError) Error() string { return h.err.Error() }
func (h *handshakeError) Unwrap() error { return h.err }

// transient reports whether a dial failure may go away on its own: the
// server dropped or reset the connection during the handshake (sshd's
// MaxStartups under load), or the handshake timed out with TCP up. A
// refused or unroutable connection, a TCP connect timeout, an
// authentication failure and a host key problem are final.
func transient(err error) bool {
	var hk *HostKeyError
	if errors.As(err, &hk) || errors.Is(err, errAuth) {
		return false
	}
	var he *handshakeError
	if !errors.As(err, &he) {
		return false
	}
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "EOF")
}

// errAuth marks an authentication failure.
var errAuth = errors.New("authentication failed")

// dialSlot dials while holding a handshake slot.
func (d *Dialer) dialSlot(ctx context.Context, t Target, via *ssh.Client, timeout time.Duration, password *atomic.Bool) (*ssh.Client, error) {
	slots := d.slots()
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("connect %s: %w", t.Addr(), ctx.Err())
	}
	defer func() { <-slots }()
	return d.dialOne(ctx, t, via, timeout, password)
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

func (d *Dialer) dialOne(ctx context.Context, t Target, via *ssh.Client, timeout time.Duration, password *atomic.Bool) (*ssh.Client, error) {
	addr := t.Addr()
	methods, closeAgent, err := t.Auth.methods(d.Keyring, password)
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
	// The handshake is bounded by the same deadline: ending dctx closes the
	// connection (a channel through a jump host has no deadlines). A lock
	// and a flag keep a late abort from touching a connection whose
	// handshake is over.
	var mu sync.Mutex
	over := false
	stop := context.AfterFunc(dctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !over {
			_ = conn.Close()
		}
	})
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	stop()
	mu.Lock()
	over = true
	mu.Unlock()
	if err != nil {
		conn.Close()
		var hk *HostKeyError
		if errors.As(err, &hk) {
			return nil, hk
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("ssh %s@%s: %w (tried: %s): check the user, key, agent or password", t.User, addr, errAuth, authNames(t.Auth))
		}
		if dctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("handshake timed out after %s: %w", timeout, context.DeadlineExceeded)
		}
		return nil, &handshakeError{fmt.Errorf("ssh %s: %w", addr, unwrapNet(err))}
	}
	return ssh.NewClient(sc, chans, reqs), nil
}

func authNames(a Auth) string {
	var n []string
	if len(a.Keys) > 0 {
		n = append(n, "key "+strings.Join(a.Keys, ","))
	} else {
		n = append(n, "default keys")
		if a.Own != "" {
			if _, err := os.Stat(a.Own); err == nil {
				n = append(n, "brine's key "+a.Own)
			}
		}
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

// keepalive sends keepalive@openssh.com every interval; when max of them
// in a row go unanswered the connection is lost (closed, with the reason
// kept for every command that was running on it), as OpenSSH's
// ServerAliveInterval and ServerAliveCountMax do.
func (c *Client) keepalive(interval time.Duration, max int) {
	t := time.NewTicker(interval)
	defer t.Stop()
	answered := make(chan struct{}, 1)
	unanswered := 0
	for {
		select {
		case <-c.done:
			return
		case <-answered:
			unanswered = 0
		case <-t.C:
			if unanswered >= max {
				c.lose(fmt.Sprintf("no answer to keepalives for %s", roundDuration(interval*time.Duration(max))))
				return
			}
			unanswered++
			go func() {
				// Any reply counts, a failure reply too (servers answer
				// unknown global requests with a failure).
				if _, _, err := c.ssh.SendRequest("keepalive@openssh.com", true, nil); err == nil {
					select {
					case answered <- struct{}{}:
					default:
					}
				}
			}()
		}
	}
}

// lose records why the connection is gone and closes it.
func (c *Client) lose(reason string) {
	c.mu.Lock()
	if c.lost == nil {
		c.lost = &LostError{Reason: reason}
	}
	c.mu.Unlock()
	c.Close()
}

// Lost is the reason the connection was lost, or nil.
func (c *Client) Lost() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lost == nil {
		return nil
	}
	return c.lost
}

// Close closes the connection and any jump connections.
func (c *Client) Close() error {
	var err error
	c.closed.Do(func() {
		if c.done != nil {
			close(c.done)
		}
		if c.ssh != nil {
			err = c.ssh.Close()
		}
		for i := len(c.jumps) - 1; i >= 0; i-- {
			c.jumps[i].Close()
		}
	})
	return err
}

// lostErr is the error for a command whose connection went away.
func (c *Client) lostErr(fallback string) error {
	if l := c.Lost(); l != nil {
		return l
	}
	return &LostError{Reason: fallback}
}

// await runs f (a blocking SSH request with no context of its own) and
// returns its error, or ctx's error or the lost connection if they come
// first; f then finishes in the background when the connection closes.
func (c *Client) await(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return c.lostErr("the connection closed")
	}
}

// Start runs cmd (a /bin/sh command line on the target) in a new channel.
func (c *Client) Start(ctx context.Context, cmd string, stderr io.Writer) (Proc, error) {
	var s *ssh.Session
	err := c.await(ctx, func() (err error) {
		s, err = c.ssh.NewSession()
		return err
	})
	if err != nil {
		if ctx.Err() != nil || IsLost(err) {
			return nil, err
		}
		return nil, fmt.Errorf("open session: %w", c.mapErr(err))
	}
	p := &sshProc{c: c, s: s}
	if stderr != nil {
		s.Stderr = stderr
	}
	if p.in, err = s.StdinPipe(); err == nil {
		var out io.Reader
		out, err = s.StdoutPipe()
		p.out = out
	}
	if err == nil {
		err = c.await(ctx, func() error { return s.Start(cmd) })
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("start remote command: %w", c.mapErr(err))
	}
	p.stop = context.AfterFunc(ctx, p.Kill)
	return p, nil
}

// mapErr turns an EOF from a closed connection into the lost reason.
func (c *Client) mapErr(err error) error {
	if errors.Is(err, io.EOF) || c.Lost() != nil {
		return c.lostErr("the server closed the connection")
	}
	return err
}

type sshProc struct {
	c    *Client
	s    *ssh.Session
	in   io.WriteCloser
	out  io.Reader
	stop func() bool
}

func (p *sshProc) Stdin() io.WriteCloser { return p.in }
func (p *sshProc) Stdout() io.Reader     { return p.out }

// Kill closes the channel: the command's stdin, stdout and stderr end
// (brine-exec reads that as "stop"; a shell gets SIGPIPE on its next write).
func (p *sshProc) Kill() { _ = p.s.Close() }

func (p *sshProc) Wait() error {
	err := p.s.Wait()
	p.stop()
	p.s.Close()
	var ee *ssh.ExitError
	var em *ssh.ExitMissingError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		if sig := ee.Signal(); sig != "" {
			return &ExitError{Status: 128, Signal: sig}
		}
		return &ExitError{Status: ee.ExitStatus()}
	case errors.As(err, &em), errors.Is(err, io.EOF):
		return p.c.lostErr("the channel closed before the command's exit status came")
	}
	return err
}

// SFTP opens an SFTP client on the connection. An sftp subsystem that does
// not answer within timeout (or before ctx ends) is an error, never a hang.
func (c *Client) SFTP(ctx context.Context, timeout time.Duration) (*sftp.Client, error) {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var s *ssh.Session
	err := c.await(tctx, func() (err error) {
		s, err = c.ssh.NewSession()
		return err
	})
	if err == nil {
		var cl *sftp.Client
		err = c.await(tctx, func() error {
			if err := s.RequestSubsystem("sftp"); err != nil {
				return err
			}
			w, err := s.StdinPipe()
			if err != nil {
				return err
			}
			r, err := s.StdoutPipe()
			if err != nil {
				return err
			}
			cl, err = sftp.NewClientPipe(r, w)
			return err
		})
		if err == nil {
			return cl, nil
		}
		s.Close()
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return nil, fmt.Errorf("the sftp subsystem did not answer within %s", timeout)
	}
	return nil, err
}

// roundDuration prints whole seconds from a second up ("45s"), else
// milliseconds.
func roundDuration(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
