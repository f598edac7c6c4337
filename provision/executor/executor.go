// Package executor is the runtime of brine-exec, the small static program
// brine runs on each target: it reads one request (and a bundle) on stdin,
// runs the function and writes one JSON response on stdout.
package executor

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"brine/provision/bundle"
	"brine/provision/grains"
	"brine/provision/lowstate"
	"brine/provision/state"
	"brine/provision/state/builtin"
	"brine/provision/wire"
)

// Version is reported as the brine_version grain.
const Version = "0.1.0"

// Exit codes of brine-exec itself (the function's own status is in the
// response's retcode).
const (
	// ExitCorrupt means the executor's content did not match its name; the
	// controller uploads it again.
	ExitCorrupt = 97
	// ExitUnsafe means the executor's directory is not private to its owner.
	ExitUnsafe = 98
)

// Options configures Serve.
type Options struct {
	// Ready makes Serve print wire.Ready before reading the request.
	Ready bool
	// Root is "" on a real host; tests point it at a directory.
	Root string
	// SkipSelfCheck disables the hash and directory checks (--local runs from
	// a build directory).
	SkipSelfCheck bool
}

// Serve runs one request and returns the process exit code.
func Serve(ctx context.Context, o Options, stdin io.Reader, stdout, stderr io.Writer) int {
	start := time.Now()
	if o.Ready {
		fmt.Fprintln(stdout, wire.Ready)
	}
	br := bufio.NewReaderSize(stdin, 1<<16)
	req, err := wire.ReadRequest(br)
	if err != nil {
		return respond(stdout, &wire.Response{Retcode: 1, Error: err.Error()}, start)
	}
	if !o.SkipSelfCheck {
		if code, err := selfCheck(req.ExecSHA); err != nil {
			fmt.Fprintln(stderr, "brine-exec:", err)
			return code
		}
	}
	collected := grains.CollectWith(ctx, grains.Options{Root: o.Root, Version: Version})
	if req.ID != "" {
		grains.SetID(collected, req.ID)
	}
	// Functions see roster grains on top; the controller caches what was
	// collected, so a roster grain removed later does not linger.
	g := make(map[string]any, len(collected)+len(req.Grains))
	for k, v := range collected {
		g[k] = v
	}
	for k, v := range req.Grains {
		g[k] = v
	}
	resp := &wire.Response{Grains: collected}
	var ret any
	ret, resp.Retcode, err = run(ctx, o, req, br, g)
	if err != nil {
		resp.Error = err.Error()
		if resp.Retcode == 0 {
			resp.Retcode = 1
		}
	}
	if ret != nil {
		raw, merr := json.Marshal(ret)
		if merr != nil {
			resp.Error = fmt.Sprintf("encode return: %v", merr)
			resp.Retcode = 1
		} else {
			resp.Return = raw
		}
	}
	return respond(stdout, resp, start)
}

func respond(w io.Writer, r *wire.Response, start time.Time) int {
	r.V = wire.Version
	r.Duration = time.Since(start).Seconds()
	if r.Return == nil {
		r.Return = json.RawMessage("null")
	}
	b, err := json.Marshal(r)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"v":%d,"return":null,"retcode":1,"error":%q}`, wire.Version, err.Error()))
	}
	w.Write(append(b, '\n'))
	return 0
}

// selfCheck verifies the executor's own bytes against the hash it was
// uploaded under, and that its directory is private to its owner.
func selfCheck(want string) (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return ExitCorrupt, err
	}
	dir := filepath.Dir(exe)
	fi, err := os.Stat(dir)
	if err != nil {
		return ExitUnsafe, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	owner := uint32(os.Getuid())
	if s := os.Getenv("SUDO_UID"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			owner = uint32(n)
		}
	}
	if fi.Mode().Perm()&0o077 != 0 || (ok && st.Uid != owner && st.Uid != uint32(os.Getuid())) {
		return ExitUnsafe, fmt.Errorf("%s must be owned by uid %d with mode 0700 (it has uid %d, mode %04o): refusing to run", dir, owner, st.Uid, fi.Mode().Perm())
	}
	if want == "" {
		return 0, nil
	}
	f, err := os.Open(exe)
	if err != nil {
		return ExitCorrupt, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ExitCorrupt, err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		os.Remove(exe)
		return ExitCorrupt, fmt.Errorf("executor %s is corrupt (sha256 %s, want %s); removed", exe, got, want)
	}
	return 0, nil
}

// run dispatches the function.
func run(ctx context.Context, o Options, req *wire.Request, br *bufio.Reader, g map[string]any) (any, int, error) {
	switch req.Fun {
	case "test.ping":
		return true, 0, nil
	case "grains.items":
		return g, 0, nil
	case "grains.get":
		if len(req.Args) == 0 {
			return nil, 1, errors.New("grains.get needs a key, e.g. grains.get os")
		}
		var def any = ""
		if len(req.Args) > 1 {
			def = req.Args[1]
		}
		if d, ok := req.Kwargs["default"]; ok {
			def = d
		}
		return traverse(g, req.Args[0], def), 0, nil
	case "cmd.run", "cmd.run_all", "cmd.retcode":
		if len(req.Args) == 0 {
			return nil, 1, fmt.Errorf("%s needs a command, e.g. %s 'uname -a'", req.Fun, req.Fun)
		}
		res := runCmd(ctx, strings.Join(req.Args, " "), req.Kwargs)
		switch req.Fun {
		case "cmd.run_all":
			return res, 0, nil
		case "cmd.retcode":
			return res.Retcode, 0, nil
		}
		out := res.Stdout
		if res.Stderr != "" {
			if out != "" {
				out += "\n"
			}
			out += res.Stderr
		}
		rc := 0
		if res.Retcode != 0 {
			rc = 1
		}
		return out, rc, nil
	}
	if strings.HasPrefix(req.Fun, "state.") {
		return runState(ctx, o, req, br, g)
	}
	return nil, 1, fmt.Errorf("'%s' is not available", req.Fun)
}

// CmdReturn is cmd.run_all's return.
type CmdReturn struct {
	PID     int    `json:"pid"`
	Retcode int    `json:"retcode"`
	Stdout  string `json:"stdout"`
	Stderr  string `json:"stderr"`
}

func runCmd(ctx context.Context, line string, kw map[string]any) CmdReturn {
	shell := "/bin/sh"
	if s, ok := kw["shell"].(string); ok && s != "" {
		shell = s
	}
	c := exec.CommandContext(ctx, shell, "-c", line)
	if cwd, ok := kw["cwd"].(string); ok && cwd != "" {
		c.Dir = cwd
	} else if h, err := os.UserHomeDir(); err == nil {
		c.Dir = h
	}
	var so, se strings.Builder
	c.Stdout, c.Stderr = &so, &se
	err := c.Run()
	r := CmdReturn{Stdout: strings.TrimRight(so.String(), "\n"), Stderr: strings.TrimRight(se.String(), "\n")}
	if c.Process != nil {
		r.PID = c.Process.Pid
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.Retcode = ee.ExitCode()
	case err != nil:
		r.Retcode = 127
		r.Stderr = err.Error()
	}
	return r
}

// traverse looks up a colon-separated path in nested maps.
func traverse(m map[string]any, path string, def any) any {
	var cur any = m
	for _, p := range strings.Split(path, ":") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return def
		}
		cur, ok = mm[p]
		if !ok {
			return def
		}
	}
	return cur
}

func runState(ctx context.Context, o Options, req *wire.Request, br *bufio.Reader, g map[string]any) (any, int, error) {
	if req.BundleSize <= 0 || req.BundleSize > bundle.MaxSize {
		return nil, 1, fmt.Errorf("%s: no bundle in the request", req.Fun)
	}
	data := make([]byte, req.BundleSize)
	if _, err := io.ReadFull(br, data); err != nil {
		return nil, 1, fmt.Errorf("read bundle: %w", err)
	}
	b, err := bundle.Unpack(data, req.BundleSHA)
	if err != nil {
		return nil, 1, err
	}
	timeout := time.Duration(req.LockTimeout * float64(time.Second))
	unlock, err := state.Lock(ctx, lockPath(o.Root), timeout)
	if err != nil {
		return nil, 1, err
	}
	defer unlock()
	env := &state.Env{
		Test:   req.Test,
		Root:   o.Root,
		File:   fileGetter(b.Files),
		Pillar: b.Pillar,
		Grains: g,
		Exec:   state.NewHostExecutor(),
	}
	res := state.Run(ctx, b.Chunks, state.Options{Test: req.Test, Failhard: req.Failhard, Registry: builtin.Registry(), Env: env})
	rc := 0
	for _, r := range res {
		if r.Failed() {
			rc = 2
		}
	}
	return res, rc, nil
}

func fileGetter(files map[string][]byte) func(string) ([]byte, error) {
	return func(h string) ([]byte, error) {
		b, ok := files[h]
		if !ok {
			return nil, fmt.Errorf("file %s is not in the bundle", h)
		}
		return b, nil
	}
}

// lockPath is the per-host state lock: one file for all remote users, so two
// runs never interleave on one host.
func lockPath(root string) string {
	for _, d := range []string{"/run/lock", "/var/lock", "/tmp"} {
		if fi, err := os.Stat(filepath.Join(root, d)); err == nil && fi.IsDir() {
			return filepath.Join(root, d, "brine-state.lock")
		}
	}
	return filepath.Join(root, "/tmp/brine-state.lock")
}

// Results is re-exported for tests that decode a state return.
type Results = lowstate.Results
