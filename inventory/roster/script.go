package roster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Bounds of a roster script when Options leave them zero.
const (
	defaultScriptTimeout   = 60 * time.Second
	defaultScriptMaxOutput = 16 << 20
	scriptMaxStderr        = 64 << 10
	scriptStderrLines      = 20
)

// runScript runs an executable roster file and returns its standard output
// and its standard error as warnings. It is bounded in time (the whole
// process group is killed when the time is up or ctx ends) and in output.
func runScript(ctx context.Context, file string, args []string, timeout time.Duration, maxOut int64) ([]byte, []string, error) {
	if timeout <= 0 {
		timeout = defaultScriptTimeout
	}
	if maxOut <= 0 {
		maxOut = defaultScriptMaxOutput
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, nil, fmt.Errorf("roster script %s: %w", file, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, abs, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A grandchild that keeps the pipes open cannot hold brine up past
	// this once the script has exited or been killed.
	cmd.WaitDelay = 2 * time.Second
	stderr := &capped{max: scriptMaxStderr}
	cmd.Stderr = stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, fmt.Errorf("roster script %s: %w", file, err)
	}
	if err := cmd.Start(); err != nil {
		hint := ""
		if errors.Is(err, syscall.ENOEXEC) {
			hint = " (it has no #! line; a plain roster file must not be executable: chmod -x it)"
		}
		return nil, nil, fmt.Errorf("roster %s is executable, so brine runs it as a roster script, and that failed: %w%s", file, err, hint)
	}
	out, rerr := io.ReadAll(io.LimitReader(pipe, maxOut+1))
	tooBig := int64(len(out)) > maxOut
	if tooBig {
		_ = cmd.Cancel()
	}
	werr := cmd.Wait()
	switch {
	case tooBig:
		return nil, nil, fmt.Errorf("roster script %s printed more than %d MiB: not a roster", file, maxOut>>20)
	case ctx.Err() == context.DeadlineExceeded:
		return nil, nil, fmt.Errorf("roster script %s did not finish within %s: killed", file, timeout)
	case ctx.Err() != nil:
		return nil, nil, fmt.Errorf("roster script %s: %w", file, ctx.Err())
	case werr != nil:
		return nil, nil, fmt.Errorf("roster script %s failed (%v)%s", file, werr, stderr.tail())
	case rerr != nil:
		return nil, nil, fmt.Errorf("roster script %s: reading its output: %w", file, rerr)
	}
	var warnings []string
	for _, l := range stderr.lines(scriptStderrLines) {
		warnings = append(warnings, fmt.Sprintf("roster script %s: %s", file, l))
	}
	return out, warnings, nil
}

// capped keeps the first max bytes written to it.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// lines returns up to n non-empty lines.
func (c *capped) lines(n int) []string {
	var out []string
	for _, l := range strings.Split(c.buf.String(), "\n") {
		if l = strings.TrimSpace(l); l != "" && len(out) < n {
			out = append(out, l)
		}
	}
	return out
}

// tail is the script's last few stderr lines, for an error message.
func (c *capped) tail() string {
	l := c.lines(1 << 30)
	if len(l) == 0 {
		return ""
	}
	if len(l) > 5 {
		l = l[len(l)-5:]
	}
	return ": " + strings.Join(l, " / ")
}
