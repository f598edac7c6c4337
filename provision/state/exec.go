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
	"syscall"
	"time"
)

// hostExecutor runs commands on this host.
type hostExecutor struct{}

// NewHostExecutor returns the real Executor: Line through Shell -c (default
// /bin/sh) or Argv directly; RunAs switches user via setuid/setgid with the
// user's supplementary groups (needs root) and sets HOME, USER, LOGNAME;
// Cwd defaults to the (runas) user's home; Env is added to the environment;
// Umask is applied through a tiny sh wrapper; Stdin is fed to the process.
// Cancelling ctx kills the whole process group.
func NewHostExecutor() Executor { return hostExecutor{} }

// Run runs c on this host and waits for it (see NewHostExecutor).
func (hostExecutor) Run(ctx context.Context, c Cmd) CmdResult {
	argv := c.Argv
	if len(argv) == 0 {
		sh := c.Shell
		if sh == "" {
			sh = "/bin/sh"
		}
		argv = []string{sh, "-c", c.Line}
	}
	if c.Umask != "" {
		if _, _, err := ParseMode(c.Umask); err != nil {
			return CmdResult{Retcode: -1, Err: fmt.Errorf("invalid umask %q: %w", c.Umask, err)}
		}
		argv = append([]string{"/bin/sh", "-c", `umask "$0" && exec "$@"`, c.Umask}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 5 * time.Second
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
	if cmd.Dir == "" && home != "" {
		if fi, err := os.Stat(home); err == nil && fi.IsDir() {
			cmd.Dir = home
		}
	}
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	err := cmd.Run()
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
			res.Err = fmt.Errorf("%s: %w", argv[0], ctx.Err())
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
