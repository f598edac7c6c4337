package dispatch

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
	"brine/provision/controller/connect/sshtest"
	"brine/provision/controller/executorbin"
	"brine/provision/controller/result"
	"brine/provision/wire"
	"brine/provision/wire/bundle"
	"brine/provision/wire/lowstate"
)

// shellServer is an in-process SSH server whose exec requests run with the
// real /bin/sh of this machine (no SFTP subsystem), so the runner's scripts,
// upload and executor are exercised for real without root or sshd.
type shellServer struct {
	addr  string
	mu    sync.Mutex
	execs []string
}

func (s *shellServer) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.execs...)
}

func startShellServer(t *testing.T) *shellServer {
	t.Helper()
	s := &shellServer{}
	cfg := &ssh.ServerConfig{PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) { return nil, nil }}
	srv := sshtest.Start(t, cfg, func(line string, ch ssh.Channel) int {
		s.mu.Lock()
		s.execs = append(s.execs, line)
		s.mu.Unlock()
		cmd := exec.Command("/bin/sh", "-c", line)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return ee.ExitCode()
			}
			return 255
		}
		return 0
	})
	s.addr = srv.Addr
	return s
}

func buildExecutor(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "brine-exec-linux-"+executorbin.ArchFromUname(uname(t)))
	cmd := exec.Command("go", "build", "-o", out, "brine/cmd/brine-exec")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build the executor here: %v\n%s", err, b)
	}
	return dir
}

func uname(t *testing.T) string {
	b, err := exec.Command("uname", "-m").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestRunnerAgainstShellServer(t *testing.T) {
	execDir := buildExecutor(t)
	t.Setenv("BRINE_EXEC_DIR", execDir)
	srv := startShellServer(t)
	host, port, _ := net.SplitHostPort(srv.addr)
	p, _ := strconv.Atoi(port)
	thin := filepath.Join(t.TempDir(), "thin")
	h := &roster.Host{ID: "local", Host: host, Port: p, User: "u", ThinDir: thin}
	kh, _ := connect.NewKnownHosts("", connect.Ignore)
	r := &Runner{
		Connector: SSH{Dialer: &connect.Dialer{KnownHosts: kh, Keyring: connect.NewKeyring(nil)},
			Target: func(h *roster.Host) connect.Target {
				return connect.Target{Host: h.Host, Port: h.Port, User: h.User, Auth: connect.Auth{Password: "x"}, Timeout: 5 * time.Second}
			}},
		Store: executorbin.NewStore(),
		Cache: Cache{Dir: t.TempDir()},
	}
	ctx := context.Background()
	run := func(job Job) result.HostReturn {
		t.Helper()
		return r.Run(ctx, []*roster.Host{h}, job)[0]
	}

	// First contact: missing, streamed upload (no SFTP here), run.
	res := run(Job{Fun: "cmd.run", Call: &wire.Call{Fun: "cmd.run", Args: []any{"echo hello"}}})
	if res.Error != "" || res.Return != "hello" {
		t.Fatalf("first run: %+v", res)
	}
	// The executor, and the record of its last use.
	ents, _ := filepath.Glob(filepath.Join(thin, "brine-exec-*"))
	if len(ents) != 1 {
		t.Errorf("thin dir: %v", ents)
	}
	if fi, _ := os.Stat(thin); fi.Mode().Perm() != 0o700 {
		t.Errorf("thin dir mode %v", fi.Mode().Perm())
	}
	n := len(srv.commands())
	if n != 3 {
		t.Errorf("first contact should be exec, upload, exec; got %d execs: %q", n, srv.commands())
	}

	// Warm: one exec, and the state bundle rides on it.
	root := t.TempDir()
	target := filepath.Join(root, "motd")
	content := []byte("hi\n")
	sum := bundle.Hash(content)
	job := Job{Fun: "state.apply", Compile: func(ctx context.Context, id string, g map[string]any, _ Caller) (*lowstate.Bundle, error) {
		if g["id"] != "local" || g["kernel"] != "Linux" {
			t.Errorf("compile got grains %v %v", g["id"], g["kernel"])
		}
		return &lowstate.Bundle{Chunks: []lowstate.Chunk{{"state": "file", "fun": "managed", "name": target, "__id__": "motd", "__sls__": "m", "order": 1, lowstate.KeyFile: sum}},
			Files: map[string][]byte{sum: content}}, nil
	}}
	res = run(job)
	if res.Error != "" || res.Retcode != 0 {
		t.Fatalf("state.apply: %+v", res)
	}
	if got := len(srv.commands()) - n; got != 1 {
		t.Errorf("a warm state run should cost one exec, took %d", got)
	}
	if b, _ := os.ReadFile(target); string(b) != "hi\n" {
		t.Errorf("file: %q", b)
	}
	// Secrets are masked in the result.
	job.Secrets = func(string) []string { return []string{target} }
	res = run(job)
	if strings.Contains(res.Error+toString(res.Return), target) || !strings.Contains(toString(res.Return), result.Mask) {
		t.Errorf("secret not masked: %v", res.Return)
	}
}

func toString(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			b.WriteString(t)
		case map[string]any:
			for k, x := range t {
				b.WriteString(k)
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(v)
	return b.String()
}
