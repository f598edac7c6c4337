package connect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Conn runs commands on one host: over SSH (*Client) or on this machine
// (*Local). The runner drives both through this one small interface, so a
// --local run takes the same path as a remote one.
type Conn interface {
	// Start starts cmd, a /bin/sh command line. What it prints on stderr
	// goes to stderr (may be nil). When ctx ends the command is killed.
	Start(ctx context.Context, cmd string, stderr io.Writer) (Proc, error)
	// Close ends the connection and every command still running on it.
	Close() error
}

// Proc is one running command.
type Proc interface {
	// Stdin feeds the command; closing it sends end of file.
	Stdin() io.WriteCloser
	// Stdout is what the command prints; read it, or the command may block.
	Stdout() io.Reader
	// Wait waits for the end: nil, an *ExitError, or a *LostError when the
	// connection went away first.
	Wait() error
	// Kill ends the command now (the SSH channel is closed; a local
	// process group is killed).
	Kill()
}

// ExitError is a command's non-zero exit status, or the signal that ended it.
type ExitError struct {
	Status int
	// Signal is the signal name (TERM, KILL...) when a signal ended it.
	Signal string
}

func (e *ExitError) Error() string {
	if e.Signal != "" {
		return "remote command killed by signal " + e.Signal
	}
	return fmt.Sprintf("remote command exited with status %d", e.Status)
}

// LostError means the connection ended under a running command: the host
// went away, stopped answering keepalives, or the server closed it.
type LostError struct {
	Reason string
}

func (e *LostError) Error() string { return "connection lost: " + e.Reason }

// IsLost reports whether err is (or wraps) a *LostError.
func IsLost(err error) bool {
	var l *LostError
	return errors.As(err, &l)
}

// Run runs cmd with stdin and returns its stdout, stderr and exit status (a
// non-zero status is not an error; a signal or a lost connection is). ctx
// bounds the whole command; stdout and stderr are bounded by
// DefaultMaxAnswer and DefaultMaxStderr (see RunLimited).
func Run(ctx context.Context, c Conn, cmd string, stdin []byte) (stdout, stderr []byte, status int, err error) {
	return RunLimited(ctx, c, cmd, stdin, DefaultMaxAnswer, DefaultMaxStderr)
}

// RunLimited is Run with its own bounds: when stdout passes maxOut bytes or
// stderr maxErr, the command is killed at once and the error is a
// *TooLargeError (with what came before the bound).
func RunLimited(ctx context.Context, c Conn, cmd string, stdin []byte, maxOut, maxErr int64) (stdout, stderr []byte, status int, err error) {
	// Past a bound the command is killed, as soon as it is started.
	var (
		mu     sync.Mutex
		p      Proc
		killed bool
	)
	kill := func(error) {
		mu.Lock()
		defer mu.Unlock()
		killed = true
		if p != nil {
			p.Kill()
		}
	}
	e := &LimitBuffer{What: "stderr", Limit: maxErr, Over: kill}
	o := &LimitBuffer{What: "stdout", Limit: maxOut, Over: kill}
	started, err := c.Start(ctx, cmd, e)
	if err != nil {
		return nil, nil, -1, err
	}
	mu.Lock()
	p = started
	if killed {
		p.Kill()
	}
	mu.Unlock()
	// Feed stdin on the side: a command may exit before reading all of it
	// (the "executor missing" answer does), which is not an error.
	go func() {
		if len(stdin) > 0 {
			_, _ = p.Stdin().Write(stdin)
		}
		_ = p.Stdin().Close()
	}()
	_, rerr := io.Copy(o, p.Stdout())
	err = p.Wait()
	if big := errors.Join(o.Err(), e.Err()); big != nil {
		var tl *TooLargeError
		errors.As(big, &tl)
		return o.Bytes(), e.Bytes(), -1, tl
	}
	if err == nil && rerr != nil && ctx.Err() == nil {
		err = rerr
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	var ee *ExitError
	if errors.As(err, &ee) && ee.Signal == "" {
		return o.Bytes(), e.Bytes(), ee.Status, nil
	}
	if err != nil {
		if ctx.Err() != nil && !IsLost(err) {
			err = ctx.Err()
		}
		return o.Bytes(), e.Bytes(), -1, err
	}
	return o.Bytes(), e.Bytes(), 0, nil
}
