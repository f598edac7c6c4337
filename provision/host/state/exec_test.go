package state_test

import (
	"context"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"brine/provision/host/state"
)

func TestHostExecutorBasics(t *testing.T) {
	ex := state.NewHostExecutor()
	ctx := context.Background()
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		cmd    state.Cmd
		rc     int
		stdout string
	}{
		{"echo", state.Cmd{Line: "echo hello"}, 0, "hello\n"},
		{"retcode", state.Cmd{Line: "exit 3"}, 3, ""},
		{"argv", state.Cmd{Argv: []string{"printf", "%s-%s", "a b", "c"}}, 0, "a b-c"},
		{"cwd", state.Cmd{Line: "pwd", Cwd: dir}, 0, dir + "\n"},
		{"env", state.Cmd{Line: `echo "$BRINE_X"`, Env: map[string]string{"BRINE_X": "42"}}, 0, "42\n"},
		{"umask", state.Cmd{Line: "umask", Umask: "027"}, 0, "0027\n"},
		{"umask argv", state.Cmd{Argv: []string{"sh", "-c", "umask"}, Umask: "0077"}, 0, "0077\n"},
		{"stdin", state.Cmd{Line: "cat", Stdin: []byte("in put")}, 0, "in put"},
		{"shell", state.Cmd{Line: `echo $0`, Shell: "/bin/sh"}, 0, "/bin/sh\n"},
		{"signal", state.Cmd{Line: "kill -TERM $$"}, 128 + 15, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ex.Run(ctx, tc.cmd)
			if res.Err != nil {
				t.Fatalf("err: %v", res.Err)
			}
			if res.Retcode != tc.rc || res.Stdout != tc.stdout {
				t.Errorf("got rc=%d stdout=%q, want rc=%d stdout=%q (stderr %q)", res.Retcode, res.Stdout, tc.rc, tc.stdout, res.Stderr)
			}
		})
	}
	if res := ex.Run(ctx, state.Cmd{Argv: []string{"/nonexistent/binary"}}); res.Err == nil {
		t.Error("starting a missing binary must set Err")
	}
	if res := ex.Run(ctx, state.Cmd{Line: "true", Umask: "99x"}); res.Err == nil {
		t.Error("a bad umask must set Err")
	}
}

func TestHostExecutorRunAs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("runas needs root")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	res := state.NewHostExecutor().Run(context.Background(), state.Cmd{Line: `id -u; echo "$HOME $USER"`, RunAs: "nobody", Cwd: "/"})
	if res.Err != nil || res.Retcode != 0 {
		t.Fatalf("runas: %+v", res)
	}
	want := u.Uid + "\n" + u.HomeDir + " nobody\n"
	if res.Stdout != want {
		t.Errorf("stdout %q, want %q", res.Stdout, want)
	}
	if res := state.NewHostExecutor().Run(context.Background(), state.Cmd{Line: "true", RunAs: "no-such-user-brine"}); res.Err == nil {
		t.Error("an unknown runas user must fail")
	}
}

func TestHostExecutorCancelKillsGroup(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "late")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	// the background child would write the marker after 2s if it survived
	res := state.NewHostExecutor().Run(ctx, state.Cmd{Line: "(sleep 2; touch " + marker + ") & sleep 30"})
	if time.Since(start) > 5*time.Second {
		t.Fatalf("cancel took %v", time.Since(start))
	}
	if res.Err == nil || !strings.Contains(res.Err.Error(), "deadline") {
		t.Errorf("want a context error, got %+v", res)
	}
	time.Sleep(2500 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Error("a child of the cancelled command survived (process group not killed)")
	}
}

func TestHostExecutorRunAsSupplementaryGroups(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("runas needs root")
	}
	u, err := user.Lookup("daemon")
	if err != nil {
		t.Skip("no user daemon")
	}
	ids, err := u.GroupIds()
	if err != nil {
		t.Skip("group ids unavailable")
	}
	res := state.NewHostExecutor().Run(context.Background(), state.Cmd{Line: "id -G", RunAs: "daemon", Cwd: "/"})
	if res.Err != nil || res.Retcode != 0 {
		t.Fatalf("%+v", res)
	}
	got := map[string]bool{}
	for _, g := range strings.Fields(res.Stdout) {
		got[g] = true
	}
	for _, g := range ids {
		if !got[g] {
			t.Errorf("group %s of daemon missing from `id -G` = %q", g, res.Stdout)
		}
	}
	if got["0"] && u.Gid != "0" {
		t.Errorf("root's group leaked into runas: %q", res.Stdout)
	}
}
