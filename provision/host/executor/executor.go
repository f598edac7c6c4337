// Package executor is the runtime of brine-exec, the small static program
// brine runs on each target: it reads one request (and a bundle) on stdin,
// runs the function and writes one JSON response on stdout.
package executor

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"brine/provision/host/grains"
	"brine/provision/host/hostlock"
	"brine/provision/host/modules"
	"brine/provision/host/state"
	"brine/provision/host/state/builtin"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire"
	"brine/provision/wire/bundle"
	"brine/provision/wire/funcs"
	"brine/provision/wire/lowstate"
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
	// SkipSelfCheck disables the hash and directory checks and the thin dir
	// housekeeping (tests run from a build directory).
	SkipSelfCheck bool
	// Verify is the executor's own expected sha256, to check before
	// anything else: the start script passes it (-verify) on a host without
	// sha256sum, once it has checked who owns the executor and its
	// directories.
	Verify string
	// Guard starts a guardian process (brine-exec -guard) with the first
	// command, which ends the commands' process groups if brine-exec is
	// killed. Off in unit tests, whose binary is not brine-exec.
	Guard bool
	// Call runs an execution function on this host as the session sees
	// it: an ad-hoc request's, or one a template calls while the
	// controller compiles (interactive requests). nil runs them with
	// package modules (tests set their own).
	Call func(ctx context.Context, env *modules.Env, c *wire.Call) modules.Result
}

// Serve runs one request and returns the process exit code. After the
// request (and bundle) it keeps reading stdin for control lines: a Stop, or
// the end of stdin (the controller or its connection is gone), stops the
// run at the next state boundary; the running state's command group is
// signalled, the lock released, and what ran is answered.
func Serve(ctx context.Context, o Options, stdin io.Reader, stdout, stderr io.Writer) int {
	start := time.Now()
	if o.Ready {
		fmt.Fprintln(stdout, wire.Ready)
	}
	exe, _ := os.Executable()
	if !o.SkipSelfCheck {
		if code, err := selfCheck(o.Verify); err != nil {
			fmt.Fprintln(stderr, "brine-exec:", err)
			return code
		}
	}
	br := bufio.NewReaderSize(stdin, 1<<16)
	req, err := wire.ReadRequest(br)
	if err != nil {
		return respond(stdout, &wire.Response{Retcode: 1, Error: err.Error()}, start)
	}
	// The shared lock on our own file keeps pruning and wipes by other
	// runs off it for the whole run.
	var self *os.File
	if !o.SkipSelfCheck {
		self, err = lockSelf()
		if err == nil {
			defer self.Close()
		}
		if exe != "" {
			now := time.Now()
			recordUse(exe, now)
			housekeeping(exe, now)
		}
	}
	s := &session{o: o, req: req, br: br, out: stdout}
	collected := s.collect(ctx)
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
	if sha, ok := grainsHash(collected); ok {
		resp.GrainsSHA = sha
		if resp.GrainsSHA == req.GrainsSHA {
			resp.Grains = nil // the controller has them
		}
	}
	s.grains, s.resp = g, resp
	if o.Guard {
		s.guard = newGuard(self)
		defer s.guard.close()
	}
	var ret any
	ret, s.resp.Retcode, err = s.run(ctx)
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
	if req.Wipe && !o.SkipSelfCheck && exe != "" {
		if err := wipe(exe, self); err != nil {
			resp.Notes = append(resp.Notes, "wipe: "+err.Error())
		}
	}
	return respond(stdout, resp, start)
}

// collect collects the host's grains, with the request's id.
func (s *session) collect(ctx context.Context) map[string]any {
	g := grains.CollectWith(ctx, grains.Options{Root: s.o.Root, Version: Version})
	if s.req.ID != "" {
		grains.SetID(g, s.req.ID)
	}
	return g
}

// grainsHash hashes the grains that describe the host, leaving out those
// that change with every run (the executor's pid): equal hash, nothing new
// for the controller to cache.
func grainsHash(g map[string]any) (string, bool) {
	stable := make(map[string]any, len(g))
	for k, v := range g {
		if k != "pid" {
			stable[k] = v
		}
	}
	// Map keys are sorted: equal grains, equal bytes, equal hash.
	b, err := json.Marshal(stable)
	if err != nil {
		return "", false
	}
	return bundle.Hash(b), true
}

// session is one request being served.
type session struct {
	o      Options
	req    *wire.Request
	br     *bufio.Reader
	out    io.Writer
	grains map[string]any
	resp   *wire.Response
	guard  *guard
	exec   state.Executor
}

// stopped is the cause of a run context cancelled at the controller's word
// (or by a signal on the host).
type stopped struct{ reason string }

func (s stopped) Error() string { return s.reason }

// Stopped is the cancel cause that makes a run stop early for reason; the
// answer then carries the reason in Response.Stopped.
func Stopped(reason string) error { return stopped{reason} }

// watch returns a context that ends when the controller sends Stop or
// stdin ends, with a stopped cause saying which.
func (s *session) watch(ctx context.Context) context.Context {
	wctx, cancel := context.WithCancelCause(ctx)
	go func() {
		for {
			m, err := wire.ReadMsg(s.br)
			switch {
			case err != nil:
				cancel(stopped{"the controller went away (its connection or stdin closed)"})
				return
			case m.Stop != "":
				cancel(stopped{m.Stop})
				return
			}
		}
	}()
	return wctx
}

// executor runs the commands of states and cmd.*, tracked by the guard;
// each command keeps at most req.MaxOutput of its stdout and of its
// stderr, and all of them together four times that.
func (s *session) executor() state.Executor {
	if s.exec == nil {
		o := state.HostOptions{MaxOutput: int(s.req.MaxOutput)}
		if o.MaxOutput <= 0 {
			o.MaxOutput = state.DefaultMaxOutput
		}
		o.MaxTotal = 4 * int64(o.MaxOutput)
		if s.guard != nil {
			o.Ready, o.Track = s.guard.ready, s.guard.track
		}
		s.exec = state.NewHostExecutorWith(o)
	}
	return s.exec
}

// noteStop records in the response why a run stopped early.
func (s *session) noteStop(ctx context.Context) {
	var st stopped
	if errors.As(context.Cause(ctx), &st) {
		s.resp.Stopped = st.reason
	}
}

func respond(w io.Writer, r *wire.Response, start time.Time) int {
	r.V = wire.Version
	r.Duration = time.Since(start).Seconds()
	// The return may be tens of megabytes: it is written as it is, not
	// copied again into the response's encoding.
	ret := r.Return
	if ret == nil {
		ret = json.RawMessage("null")
	}
	r.Return = json.RawMessage("null")
	b, err := json.Marshal(r)
	if err != nil {
		b, ret = []byte(fmt.Sprintf(`{"v":%d,"return":null,"retcode":1,"error":%q}`, wire.Version, err.Error())), json.RawMessage("null")
	}
	const slot = `"return":null`
	i := bytes.Index(b, []byte(slot))
	if i < 0 {
		// Not the shape this function writes: never, but whole anyway.
		_, _ = w.Write(append(b, '\n'))
		return 0
	}
	i += len(`"return":`)
	_, _ = w.Write(b[:i])
	_, _ = w.Write(ret)
	_, _ = w.Write(append(b[i+len("null"):], '\n'))
	return 0
}

// selfCheck makes sure the executor's directory is a directory of this
// user's (or root's) that group and others cannot write (the start script
// checked that and more before it ran us; this holds for a run started by
// hand too), and, when want is set, that its own bytes hash to want (a
// corrupt executor removes itself).
func selfCheck(want string) (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return ExitCorrupt, err
	}
	dir := filepath.Dir(exe)
	fi, err := os.Lstat(dir)
	if err != nil {
		return ExitUnsafe, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	euid := uint32(os.Geteuid())
	if !fi.IsDir() || !ok || fi.Mode().Perm()&0o022 != 0 || (st.Uid != euid && st.Uid != 0) {
		return ExitUnsafe, fmt.Errorf("%s must be a directory of uid %d that group and others cannot write (it has mode %s): refusing to run", dir, euid, fi.Mode())
	}
	if want == "" {
		return 0, nil
	}
	f, err := os.Open("/proc/self/exe")
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

// run dispatches the function: state functions run a compiled bundle,
// every other function is an execution function.
func (s *session) run(ctx context.Context) (any, int, error) {
	if strings.HasPrefix(s.req.Fun, "state.") {
		return s.runState(ctx)
	}
	return s.runFunction(ctx)
}

// runFunction runs one execution function with the request's arguments,
// as salt-call does on a salt-ssh target: the bundle's files (salt://
// sources) at hand when the request carries one, Salt's __pub_* data for
// a function that takes **kwargs, the function's return code as the
// answer's (Salt's __context__["retcode"], or 1 when it returns a dict
// whose result or success is False), and an exception worded as salt-call
// prints it.
func (s *session) runFunction(ctx context.Context) (any, int, error) {
	req := s.req
	c := req.Call
	if c == nil {
		c = &wire.Call{Fun: req.Fun}
	}
	env := s.env()
	size, sha := req.BundleSize, req.BundleSHA
	if req.Interactive {
		// the controller renders the function's salt:// files while its
		// templates ask this host, then sends them
		h, err := s.serveCalls(ctx)
		if err != nil || h == nil {
			return nil, 1, err
		}
		size, sha = h.Size, h.SHA
	}
	if size > 0 {
		b, err := s.readBundle(size, sha)
		if err != nil {
			return nil, 1, err
		}
		env.File = fileGetter(b.Files)
		env.Sources = b.Sources
	}
	kwargs := make(map[string]any, len(c.Kwargs)+4)
	for k, v := range c.Kwargs {
		kwargs[k] = v
	}
	kwargs["__pub_fun"] = c.Fun
	kwargs["__pub_pid"] = os.Getpid()
	kwargs["__pub_jid"] = jid(time.Now())
	kwargs["__pub_tgt"] = "salt-call"
	wctx := s.watch(ctx)
	res := s.call(wctx, env, &wire.Call{Fun: c.Fun, Args: c.Args, Kwargs: kwargs, Order: c.Order})
	s.noteStop(wctx)
	if env.GrainsChanged {
		// The answer carries the grains as they are now, so the
		// controller's cache (and -G targeting) sees the change.
		collected := s.collect(ctx)
		s.resp.Grains = collected
		s.resp.GrainsSHA, _ = grainsHash(collected)
	}
	if res.Err != nil {
		var ex *funcs.Exception
		if errors.As(res.Err, &ex) && ex.Info != nil {
			s.resp.ErrorInfo, _ = json.Marshal(ex.Info)
		}
		return nil, funcs.Retcode(res.Err), errors.New(funcs.Raised(c.Fun, res.Err))
	}
	rc := res.Retcode
	if rc == 0 {
		if m, ok := res.Return.(map[string]any); ok {
			for _, k := range []string{"result", "success"} {
				if v, ok := m[k]; ok && !pyfmt.Truth(v) {
					rc = 1
				}
			}
		}
	}
	return res.Return, rc, nil
}

// env is what an execution function sees of this host.
func (s *session) env() *modules.Env {
	return &modules.Env{Root: s.o.Root, Exec: s.executor(), Grains: s.grains, ID: s.req.ID}
}

// call runs one execution function through Options.Call or package
// modules.
func (s *session) call(ctx context.Context, env *modules.Env, c *wire.Call) modules.Result {
	if s.o.Call != nil {
		return s.o.Call(ctx, env, c)
	}
	args, _ := pyfmt.Ints(c.Args).([]any)
	kwargs, _ := pyfmt.Ints(c.Kwargs).(map[string]any)
	return modules.Run(ctx, env, c.Fun, args, kwargs, c.Order)
}

// jid is a Salt job id for the time: YYYYmmddHHMMSSffffff (salt-call
// makes its own on the target).
func jid(t time.Time) string {
	t = t.UTC()
	return t.Format("20060102150405") + fmt.Sprintf("%06d", t.Nanosecond()/1000)
}

// runState reads the bundle (after answering the template calls of an
// interactive request), takes the host lock and runs the states.
func (s *session) runState(ctx context.Context) (any, int, error) {
	req := s.req
	size, sha := req.BundleSize, req.BundleSHA
	if req.Interactive {
		h, err := s.serveCalls(ctx)
		if err != nil {
			return nil, 1, err
		}
		if h == nil {
			// The controller only needed the calls (state.show_*), or
			// its compile failed: nothing to run.
			return nil, 0, nil
		}
		size, sha = h.Size, h.SHA
	}
	b, err := s.readBundle(size, sha)
	if err != nil {
		return nil, 1, err
	}
	wctx := s.watch(ctx)
	lock, err := hostlock.Acquire(wctx, s.lockDir(), time.Duration(req.LockTimeout*float64(time.Second)), req.Controller)
	if err != nil {
		s.noteStop(wctx)
		return nil, 1, err
	}
	defer lock.Release()
	if lock.Note != "" {
		s.resp.Notes = append(s.resp.Notes, lock.Note)
	}
	env := &state.Env{
		Test:   req.Test,
		Root:   s.o.Root,
		File:   fileGetter(b.Files),
		Pillar: b.Pillar,
		Grains: s.grains,
		Exec:   s.executor(),
		Memo:   &state.Memo{},
	}
	res := state.Run(wctx, b.Chunks, state.Options{Test: req.Test, Failhard: req.Failhard, Registry: builtin.Registry(), Env: env})
	s.noteStop(wctx)
	if state.GrainsWereChanged(env.Memo) {
		// a module.run of grains.setval...: the answer carries the grains
		// as they are now, as an ad-hoc call's does
		collected := s.collect(ctx)
		s.resp.Grains = collected
		s.resp.GrainsSHA, _ = grainsHash(collected)
	}
	rc := 0
	for _, r := range res {
		if r.Failed() {
			rc = 2
		}
	}
	return res, rc, nil
}

// readBundle reads and checks the bundle that follows the request.
func (s *session) readBundle(size int64, sha string) (*lowstate.Bundle, error) {
	if size <= 0 || size > bundle.MaxSize {
		return nil, fmt.Errorf("%s: no bundle in the request", s.req.Fun)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(s.br, data); err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	return bundle.Unpack(data, sha)
}

// serveCalls answers Call lines until the Bundle line (returned) or a Stop
// (nil, nil).
func (s *session) serveCalls(ctx context.Context) (*wire.BundleHeader, error) {
	for {
		m, err := wire.ReadMsg(s.br)
		if err != nil {
			s.resp.Stopped = "the controller went away (its connection or stdin closed)"
			return nil, nil
		}
		switch {
		case m.Bundle != nil:
			return m.Bundle, nil
		case m.Stop != "":
			return nil, nil
		case m.Call != nil:
			rep := &wire.Reply{}
			res := s.call(ctx, s.env(), m.Call)
			v, err := res.Return, res.Err
			if err != nil {
				rep.Error = err.Error()
			} else if rep.Return, err = json.Marshal(v); err != nil {
				rep.Error = fmt.Sprintf("encode %s return: %v", m.Call.Fun, err)
			}
			if err := writeLine(s.out, wire.ReplyLine{Reply: rep}); err != nil {
				return nil, err
			}
		}
	}
}

func writeLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// lockDir is where this user's host lock lives: root's in a root-only
// directory, anyone else's in the executor's own (private) thin dir.
func (s *session) lockDir() string {
	if os.Geteuid() == 0 {
		return hostlock.RootDir(s.o.Root)
	}
	if exe, err := os.Executable(); err == nil && !s.o.SkipSelfCheck {
		return filepath.Dir(exe)
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf(".brine_lock_%d", os.Geteuid()))
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

// Results is re-exported for tests that decode a state return.
type Results = lowstate.Results
