package connect

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"sync"
	"syscall"
)

// Local runs commands on this machine with /bin/sh, for --local runs: the
// runner takes the same path as over SSH (the same scripts, executor and
// protocol), only without the network.
type Local struct {
	mu    sync.Mutex
	procs map[*localProc]bool
}

// Start runs cmd with /bin/sh -c in its own process group.
func (l *Local) Start(ctx context.Context, cmd string, stderr io.Writer) (Proc, error) {
	c := exec.Command("/bin/sh", "-c", cmd)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if stderr != nil {
		c.Stderr = stderr
	}
	in, err := c.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	p := &localProc{c: c, in: in, out: out, l: l}
	l.mu.Lock()
	if l.procs == nil {
		l.procs = map[*localProc]bool{}
	}
	l.procs[p] = true
	l.mu.Unlock()
	p.stop = context.AfterFunc(ctx, p.Kill)
	return p, nil
}

// Close kills every command still running.
func (l *Local) Close() error {
	l.mu.Lock()
	procs := l.procs
	l.procs = nil
	l.mu.Unlock()
	for p := range procs {
		p.Kill()
	}
	return nil
}

type localProc struct {
	c    *exec.Cmd
	in   io.WriteCloser
	out  io.Reader
	l    *Local
	stop func() bool
	once sync.Once
}

func (p *localProc) Stdin() io.WriteCloser { return p.in }
func (p *localProc) Stdout() io.Reader     { return p.out }

// Kill closes the command's stdin (brine-exec reads that as "stop", as
// when an SSH channel closes) and kills its process group.
func (p *localProc) Kill() {
	p.once.Do(func() {
		_ = p.in.Close()
		_ = syscall.Kill(-p.c.Process.Pid, syscall.SIGKILL)
	})
}

func (p *localProc) Wait() error {
	err := p.c.Wait()
	p.stop()
	p.l.mu.Lock()
	delete(p.l.procs, p)
	p.l.mu.Unlock()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &ExitError{Status: 128 + int(ws.Signal()), Signal: signalName(ws.Signal())}
		}
		return &ExitError{Status: ee.ExitCode()}
	}
	return err
}

// signalName is the name without "SIG", as SSH reports signals.
func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGKILL:
		return "KILL"
	case syscall.SIGTERM:
		return "TERM"
	case syscall.SIGINT:
		return "INT"
	case syscall.SIGHUP:
		return "HUP"
	case syscall.SIGPIPE:
		return "PIPE"
	case syscall.SIGSEGV:
		return "SEGV"
	case syscall.SIGABRT:
		return "ABRT"
	}
	return s.String()
}
