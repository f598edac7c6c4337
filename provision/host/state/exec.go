package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// hostExecutor runs commands on this host.
type hostExecutor struct {
	ready     func() error
	track     func(pgid int) (done func(cancelled bool))
	maxOutput int
	budget    *outputBudget
}

// killGrace is how long a cancelled command's process group has between
// SIGTERM and SIGKILL.
const killGrace = 3 * time.Second

// NewHostExecutor returns the real Executor: Line through Shell -c (default
// DefaultShell: the login shell, as Salt's cmd functions) or Argv directly; RunAs switches user via setuid/setgid with the
// user's supplementary groups (needs root) and sets HOME, USER, LOGNAME;
// Cwd defaults to the (runas) user's home; Env is added to the environment;
// Umask is applied through a tiny sh wrapper; Stdin is fed to the process.
// Each command runs in its own process group; cancelling ctx sends the
// group SIGTERM, then SIGKILL after a grace of 3 s.
func NewHostExecutor() Executor { return hostExecutor{} }

// HostOptions configure NewHostExecutorWith.
type HostOptions struct {
	// Ready is asked before each command: an error, and the command does
	// not start (it fails with the error).
	Ready func() error
	// Track is told each process group a command starts; the func it
	// returns is called when the command ends (saying whether it was
	// cancelled, its group maybe still dying), so a guardian can end what
	// is left if brine-exec itself is killed.
	Track func(pgid int) (done func(cancelled bool))
	// MaxOutput bounds what is kept of each command's stdout, and of its
	// stderr (default DefaultMaxOutput; see capture).
	MaxOutput int
	// MaxTotal, when set, bounds what all the commands run through this
	// Executor keep together (each still keeps at least 64 KiB a stream).
	MaxTotal int64
}

// NewHostExecutorWith is NewHostExecutor with options.
func NewHostExecutorWith(o HostOptions) Executor {
	h := hostExecutor{ready: o.Ready, track: o.Track, maxOutput: o.MaxOutput}
	if o.MaxTotal > 0 {
		h.budget = &outputBudget{left: o.MaxTotal}
	}
	return h
}

// Run runs c on this host and waits for it (see NewHostExecutor).
func (h hostExecutor) Run(ctx context.Context, c Cmd) CmdResult {
	argv := c.Argv
	if len(argv) == 0 {
		sh := c.Shell
		if sh == "" {
			sh = DefaultShell(nil)
		}
		argv = []string{sh, "-c", c.Line}
	}
	if c.Umask != "" {
		if _, _, err := ParseMode(c.Umask); err != nil {
			return CmdResult{Retcode: -1, Err: fmt.Errorf("invalid umask %q: %w", c.Umask, err)}
		}
		argv = append([]string{"/bin/sh", "-c", `umask "$0" && exec "$@"`, c.Umask}, argv...)
	}
	if h.ready != nil {
		if err := h.ready(); err != nil {
			return CmdResult{Retcode: -1, Err: fmt.Errorf("%s not started: %w", argv[0], err)}
		}
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	exited := make(chan struct{})
	cancelled := false
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		cancelled = true
		pgid := cmd.Process.Pid
		err := syscall.Kill(-pgid, syscall.SIGTERM)
		go func() {
			select {
			case <-exited:
				// The leader is gone; what it left in its group gets
				// the same end after the grace.
				time.Sleep(killGrace)
			case <-time.After(killGrace):
			}
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}()
		return err
	}
	cmd.WaitDelay = killGrace + 2*time.Second
	env := os.Environ()
	home := ""
	if c.RunAs != "" {
		u, err := user.Lookup(c.RunAs)
		if err != nil {
			return CmdResult{Retcode: -1, Err: fmt.Errorf("runas %s: %w", c.RunAs, err)}
		}
		home = u.HomeDir
		cur, _ := user.Current()
		if cur == nil || cur.Uid != u.Uid {
			if os.Geteuid() != 0 {
				return CmdResult{Retcode: -1, Err: fmt.Errorf("runas %s: brine-exec must run as root to switch users", c.RunAs)}
			}
			cred, err := credential(u)
			if err != nil {
				return CmdResult{Retcode: -1, Err: fmt.Errorf("runas %s: %w", c.RunAs, err)}
			}
			cmd.SysProcAttr.Credential = cred
		}
		env = append(env, "HOME="+u.HomeDir, "USER="+u.Username, "LOGNAME="+u.Username)
	} else if h, err := os.UserHomeDir(); err == nil {
		home = h
	}
	for k, v := range c.Env {
		env = append(env, k+"="+v)
	}
	cmd.Env = env
	cmd.Dir = c.Cwd
	if cmd.Dir == "" {
		// Salt's cmdmod: the (runas) user's home, or / when that is not
		// there
		cmd.Dir = "/"
		if fi, err := os.Stat(home); home != "" && err == nil && fi.IsDir() {
			cmd.Dir = home
		}
	}
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	max := h.maxOutput
	if max <= 0 {
		max = DefaultMaxOutput
	}
	max = h.budget.take(max)
	out, errb := newCapture(max), newCapture(max)
	cmd.Stdout = out
	cmd.Stderr = errb
	err := cmd.Start()
	if err == nil {
		if h.track != nil {
			done := h.track(cmd.Process.Pid)
			// cancelled is written by Cancel, which Wait calls and
			// returns after: safe to read once Wait is back.
			defer func() { done(cancelled) }()
		}
		err = cmd.Wait()
	}
	close(exited)
	h.budget.spend(out.kept() + errb.kept())
	res := CmdResult{Stdout: out.String(), Stderr: errb.String()}
	if cmd.Process != nil {
		res.Pid = cmd.Process.Pid
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.Retcode = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.Retcode = 128 + int(ws.Signal())
		}
		if ctx.Err() != nil {
			res.Err = fmt.Errorf("%s: stopped: %w", argv[0], context.Cause(ctx))
		}
	default:
		res.Retcode = -1
		res.Err = fmt.Errorf("run %s: %w", argv[0], err)
	}
	return res
}

// credential builds the setuid credential of u with its supplementary groups.
func credential(u *user.User) (*syscall.Credential, error) {
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("gid %q: %w", u.Gid, err)
	}
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.ParseUint(s, 10, 32); err == nil {
				cred.Groups = append(cred.Groups, uint32(g))
			}
		}
	}
	return cred, nil
}

// DefaultShell is the shell a command line runs with when no shell is
// given, Salt's DEFAULT_SHELL (its "shell" grain): $SHELL of the process
// (the login shell sshd and sudo set: /bin/bash for root on Debian), else
// the login shell of the user the executor runs as (from env's
// /etc/passwd; env may be nil: the host's), else /bin/sh. cmd.run and
// friends as states, unless/onlyif and the cmd execution functions share
// it.
func DefaultShell(env *Env) string {
	if s := os.Getenv("SHELL"); s != "" {
		return s
	}
	if u, err := LookupUser(env, strconv.Itoa(os.Geteuid())); err == nil && u.Shell != "" {
		return u.Shell
	}
	return "/bin/sh"
}

// Umask is the process's umask (from /proc/self/status; 022 where that
// cannot be read). The executor runs with the login's umask, as Salt's
// minion does: file states report the mode a new file without `mode:`
// gets from it (0666 &^ umask), as Salt's manage_file does.
func Umask() os.FileMode {
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Umask:"); ok {
				if n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return os.FileMode(n) & 0o777
				}
			}
		}
	}
	return 0o022
}
