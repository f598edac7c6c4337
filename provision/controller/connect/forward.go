package connect

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Forward is one remote port forward, as ssh -R takes it: connections to
// Bind:Port on the host come back through the SSH connection to
// Host:HostPort as the controller reaches it.
type Forward struct {
	Bind     string // "" listens on the host's loopback
	Port     int
	Host     string
	HostPort int
}

func (f Forward) String() string {
	s := fmt.Sprintf("%d:%s:%d", f.Port, f.Host, f.HostPort)
	if f.Bind != "" {
		s = f.Bind + ":" + s
	}
	return s
}

// ParseForward reads [BIND:]PORT:HOST:HOSTPORT (salt-ssh's
// --remote-port-forwards, ssh's -R).
func ParseForward(s string) (Forward, error) {
	p := strings.Split(strings.TrimSpace(s), ":")
	var f Forward
	switch len(p) {
	case 3:
	case 4:
		f.Bind, p = p[0], p[1:]
	default:
		return f, fmt.Errorf("want [BIND:]PORT:HOST:HOSTPORT, e.g. 8080:localhost:80")
	}
	port, err1 := strconv.Atoi(p[0])
	hostPort, err2 := strconv.Atoi(p[2])
	if err1 != nil || err2 != nil || port < 1 || port > 65535 || hostPort < 1 || hostPort > 65535 || p[1] == "" {
		return f, fmt.Errorf("want [BIND:]PORT:HOST:HOSTPORT with ports from 1 to 65535, e.g. 8080:localhost:80")
	}
	f.Port, f.Host, f.HostPort = port, p[1], hostPort
	return f, nil
}

// Forward asks the host to listen on f's remote address and carries each
// connection to f's local one, until stop is called (or the connection
// ends). Each local dial is bounded by timeout.
func (c *Client) Forward(f Forward, timeout time.Duration) (stop func(), err error) {
	bind := f.Bind
	if bind == "" {
		bind = "127.0.0.1"
	}
	ln, err := c.ssh.Listen("tcp", net.JoinHostPort(bind, strconv.Itoa(f.Port)))
	if err != nil {
		return nil, fmt.Errorf("remote port forward %s: the host refused to listen: %w", f, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			rc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer rc.Close()
				d := net.Dialer{Timeout: timeout}
				lc, err := d.DialContext(ctx, "tcp", net.JoinHostPort(f.Host, strconv.Itoa(f.HostPort)))
				if err != nil {
					return
				}
				defer lc.Close()
				stopCopy := context.AfterFunc(ctx, func() { rc.Close(); lc.Close() })
				defer stopCopy()
				done := make(chan struct{}, 2)
				go func() { io.Copy(lc, rc); done <- struct{}{} }()
				go func() { io.Copy(rc, lc); done <- struct{}{} }()
				<-done
			}()
		}
	}()
	return func() {
		cancel()
		ln.Close()
		wg.Wait()
	}, nil
}
