package connect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"brine/provision/controller/connect/sshtest"
)

// proxy forwards TCP to addr until frozen: then it stops moving bytes in
// either direction, as a host whose every process is stopped does.
type proxy struct {
	ln     net.Listener
	frozen atomic.Bool
	// drop closes this many first connections at once (a server shedding
	// load during the handshake).
	drop     atomic.Int32
	accepted atomic.Int32
}

func startProxy(t *testing.T, addr string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			if p.drop.Add(-1) >= 0 {
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			go p.pipe(c, s)
			go p.pipe(s, c)
		}
	}()
	return p
}

func (p *proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for p.frozen.Load() {
			time.Sleep(10 * time.Millisecond)
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

func (p *proxy) target(auth Auth) Target {
	host, port, _ := net.SplitHostPort(p.ln.Addr().String())
	var n int
	fmt.Sscan(port, &n)
	return Target{Host: host, Port: n, User: "u", Auth: auth, Timeout: 2 * time.Second}
}

// blockingServer answers each exec by reading stdin until it ends.
func blockingServer(t *testing.T) string {
	cfg := &ssh.ServerConfig{PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) { return nil, nil }}
	srv := sshtest.Start(t, cfg, func(cmd string, ch ssh.Channel) int {
		io.Copy(io.Discard, ch)
		return 0
	})
	return srv.Addr
}

func TestKeepaliveLosesAFrozenHost(t *testing.T) {
	p := startProxy(t, blockingServer(t))
	kh, _ := NewKnownHosts("", Ignore)
	d := &Dialer{KnownHosts: kh, Keyring: NewKeyring(nil), Keepalive: 100 * time.Millisecond, KeepaliveMax: 3}
	c, err := d.Dial(context.Background(), p.target(Auth{Password: "x"}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	proc, err := c.Start(context.Background(), "wait for stdin", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Alive while answering keepalives, however long the command runs.
	time.Sleep(600 * time.Millisecond)
	if c.Lost() != nil {
		t.Fatalf("lost while the host answered: %v", c.Lost())
	}
	p.frozen.Store(true)
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- proc.Wait() }()
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a frozen host kept the command waiting: keepalives must bound it")
	}
	if !IsLost(err) || !strings.Contains(err.Error(), "no answer to keepalives for 300ms") {
		t.Errorf("want connection lost by keepalives, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("noticed after %s, want about 300-400 ms", d)
	}
}

func TestTransientHandshakeFailuresAreRetried(t *testing.T) {
	s := startServer(t, nil, "pw")
	p := startProxy(t, s.addr)
	p.drop.Store(2)
	kh, _ := NewKnownHosts("", Ignore)
	d := &Dialer{KnownHosts: kh, Keyring: NewKeyring(nil)}
	c, err := d.Dial(context.Background(), p.target(Auth{Password: "pw"}))
	if err != nil {
		t.Fatalf("two dropped handshakes, then a good one: %v", err)
	}
	c.Close()
	if n := p.accepted.Load(); n != 3 {
		t.Errorf("attempts: %d, want 3", n)
	}
	// Always dropped: unreachable after the retries, no more.
	p.drop.Store(100)
	p.accepted.Store(0)
	if _, err := d.Dial(context.Background(), p.target(Auth{Password: "pw"})); err == nil {
		t.Fatal("a server that always drops must fail")
	}
	if n := p.accepted.Load(); n != 3 {
		t.Errorf("attempts: %d, want 3", n)
	}
	// A wrong password is final at once.
	p.drop.Store(0)
	p.accepted.Store(0)
	_, err = d.Dial(context.Background(), p.target(Auth{Password: "wrong"}))
	if err == nil || !errors.Is(err, errAuth) {
		t.Fatalf("wrong password: %v", err)
	}
	if n := p.accepted.Load(); n != 1 {
		t.Errorf("an authentication failure was retried: %d attempts", n)
	}
}

// The handshake slots bound the handshakes in flight: the server counts
// the authentications it is in the middle of (each takes 20 ms) and sees no
// more than MaxHandshakes at once.
func TestHandshakeSlots(t *testing.T) {
	var inFlight, most atomic.Int32
	cfg := &ssh.ServerConfig{PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		return nil, nil
	}}
	srv := sshtest.Start(t, cfg, func(string, ssh.Channel) int { return 0 })
	kh, _ := NewKnownHosts("", Ignore)
	d := &Dialer{KnownHosts: kh, Keyring: NewKeyring(nil), MaxHandshakes: 2}
	tg := target(&testServer{addr: srv.Addr}, Auth{Password: "pw"})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := d.Dial(context.Background(), tg)
			if err == nil {
				c.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if m := most.Load(); m > 2 || m < 1 {
		t.Errorf("%d handshakes were in flight at once, want at most 2", m)
	}
}

func TestLocalConn(t *testing.T) {
	var l Local
	out, _, status, err := Run(context.Background(), &l, "read x; echo got:$x; exit 3", []byte("hi\n"))
	if err != nil || status != 3 || string(out) != "got:hi\n" {
		t.Errorf("%q %d %v", out, status, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, _, err = Run(ctx, &l, "sleep 30", nil)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("ctx must end a local command: %v after %s", err, time.Since(start))
	}
}
