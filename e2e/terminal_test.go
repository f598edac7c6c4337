package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a new pseudo-terminal pair.
func openPTY() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		m.Close()
		return nil, nil, e
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		m.Close()
		return nil, nil, e
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, s, nil
}

// runOnTTY runs brine with the client's settings, its stdout and stderr a
// terminal (colours on), and returns what the terminal received.
func (c *client) runOnTTY(args ...string) (string, int) {
	c.t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		c.t.Skipf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	full := append([]string{"--roster-file", c.roster, "--known-hosts", c.known, "--cache-dir", c.cache,
		"--priv", c.key, "--no-agent", "--ssh-config", "none"}, args...)
	cmd := exec.CommandContext(ctx, suite.bin, full...)
	var env []string
	for _, e := range c.env() {
		if !strings.HasPrefix(e, "NO_COLOR=") && !strings.HasPrefix(e, "TERM=") {
			env = append(env, e)
		}
	}
	cmd.Env = append(env, "TERM=xterm")
	cmd.Stdout, cmd.Stderr = slave, slave
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	slave.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(&out, master) // ends with EIO once brine is gone
		close(done)
	}()
	err = cmd.Wait()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatal(err)
	}
	return out.String(), code
}

// brineColors are the only escape sequences brine itself prints.
var brineColors = []string{"\x1b[0;32m", "\x1b[0;36m", "\x1b[0;31m", "\x1b[0;1;31m", "\x1b[0;1;33m", "\x1b[0;0m"}

// checkTerminal fails when what a terminal received holds a control
// character of the host's: anything but brine's colours, newlines and
// tabs (and the carriage return the terminal adds before each newline).
func checkTerminal(t *testing.T, what, out string) {
	t.Helper()
	clean := out
	for _, seq := range brineColors {
		clean = strings.ReplaceAll(clean, seq, "")
	}
	clean = strings.ReplaceAll(clean, "\r\n", "\n")
	for i, r := range clean {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f {
			t.Errorf("%s: the terminal got a raw %U from the host at %d: %q", what, r, i, clean[max(0, i-40):min(len(clean), i+40)])
			return
		}
	}
	if !strings.Contains(out, "\x1b[0;") {
		t.Errorf("%s: no colours: was the output a terminal?\n%q", what, out)
	}
}

// TestTerminalShowsHostTextNotControls: ESC, BEL and CR from a host, in a
// state's comment, a diff, a command's output (highstate and nested
// outputs) and a note on stderr, reach the operator's terminal escaped.
func TestTerminalShowsHostTextNotControls(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h10")
	evil := `\x1b]0;pwned\x07\x1b[2J\rAll hosts OK`
	if err := os.WriteFile(filepath.Join(h.Root, "root/hostile.txt"), []byte("old \x1b[2J\x07\rfake line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A holder note left in root's host lock (as a killed run leaves it):
	// the next run takes the lock over and says whose it was.
	if err := os.MkdirAll(filepath.Join(h.Root, "run/brine"), 0o700); err != nil {
		t.Fatal(err)
	}
	note := "pid=4242 since=2024-01-01T00:00:00Z controller=\"" + evil + "\"\n"
	if err := os.WriteFile(filepath.Join(h.Root, "run/brine/state.lock"), []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - hostile\n",
		"hostile.sls": `comment:
  test.configurable_test_state:
    - changes: False
    - comment: "a comment ` + evil + `"
/root/hostile.txt:
  file.managed:
    - contents: "new content"
output:
  cmd.run:
    - name: printf 'out \033]0;pwned\007\033[2J\rAll hosts OK\n'
`,
	})
	out, code := c.runOnTTY("-L", h.ID, "state.apply", "--file-root", tree, "--no-progress")
	if code != 0 {
		t.Fatalf("exit %d\n%q", code, out)
	}
	checkTerminal(t, "highstate", out)
	for _, want := range []string{
		`a comment \x1b]0;pwned\x07\x1b[2J\rAll hosts OK`,                              // the comment
		`-old \x1b[2J\x07\rfake line`,                                                  // the diff
		`out \x1b]0;pwned\x07\x1b[2J\rAll hosts OK`,                                    // the command's output
		`took over the host lock from pid 4242 since 2024-01-01T00:00:00Z (controller`, // the note
		`(controller \x1b]0;pwned\x07\x1b[2J\rAll hosts OK)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("highstate: want %q shown, in:\n%s", want, out)
		}
	}

	out, code = c.runOnTTY("-L", h.ID, "cmd.run", `printf 'ad hoc \033]0;pwned\007\033[2J\rAll hosts OK\n'`, "--no-progress")
	if code != 0 {
		t.Fatalf("exit %d\n%q", code, out)
	}
	checkTerminal(t, "nested", out)
	if !strings.Contains(out, `ad hoc \x1b]0;pwned\x07\x1b[2J\rAll hosts OK`) {
		t.Errorf("nested: the command's output is not shown escaped:\n%s", out)
	}
}
