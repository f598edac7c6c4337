package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
	"time"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
	"brine/provision/controller/report"
	"brine/provision/controller/result"
	"brine/provision/lib/termtext"
	"brine/provision/wire"
	"brine/provision/wire/lowstate"
)

// failure is an error with the class it reports as.
type failure struct {
	class string
	err   error
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func fail(class string, err error) error { return &failure{class: class, err: err} }

// hostRun is one host's run: its connection, what the controller knows
// about it, and how to stop it.
type hostRun struct {
	r     *Runner
	h     *roster.Host
	job   Job
	conn  connect.Conn
	addr  string
	cache *HostCache
	// hard ends every operation on the host (its connection closes).
	hard       context.Context
	cancelHard context.CancelCauseFunc

	// fresh is the private directory the executor runs from in this run
	// when the thin dir could not be made safe ("" otherwise); it is
	// removed at the end of the run.
	fresh string

	mu        sync.Mutex
	stopWhy   string
	stopClass string
	stopper   func(reason string)
	// notes are the host scripts' findings, added to the result.
	notes []string
}

// one runs the job on one host; every failure becomes the host's result.
// ctx ending (an interruption) or RunTimeout passing stops the host: a
// running executor is told to stop and has Grace to answer with what ran.
func (r *Runner) one(ctx context.Context, h *roster.Host, job Job) result.HostReturn {
	hard, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	hr := &hostRun{r: r, h: h, job: job, hard: hard, cancelHard: cancel, addr: r.Connector.Addr(h)}
	stopOnCtx := context.AfterFunc(ctx, func() {
		why := "interrupted on the controller"
		if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) {
			why = c.Error()
		}
		hr.stop(why, result.Interrupted)
	})
	defer stopOnCtx()
	if r.RunTimeout > 0 {
		t := time.AfterFunc(r.RunTimeout, func() {
			hr.stop(fmt.Sprintf("run timeout: %s passed", r.RunTimeout), result.TimedOut)
		})
		defer t.Stop()
	}
	res := hr.run()
	hr.mu.Lock()
	why, class := hr.stopWhy, hr.stopClass
	if len(hr.notes) > 0 {
		res.Notes = append(append([]string(nil), hr.notes...), res.Notes...)
	}
	hr.mu.Unlock()
	// Notes are printed one a line on the operator's terminal: a host's
	// control characters and newlines are shown, never obeyed.
	for i, n := range res.Notes {
		res.Notes[i] = termtext.Line(n)
	}
	if class != "" && !res.Unreachable && (res.Failure == "" || res.Failure == result.Interrupted && strings.HasPrefix(res.Error, stoppedEarly)) {
		// It stopped early at our word: what ran is in the return; say why.
		res.Failure = class
		res.Error = class + ": " + why
	}
	return res
}

// stop asks the host to stop: through the executor when one is running
// (it finishes the state in hand, reports the rest not run, and answers),
// else at once. The connection is closed Grace later in any case.
func (hr *hostRun) stop(why, class string) {
	hr.mu.Lock()
	if hr.stopClass != "" {
		hr.mu.Unlock()
		return
	}
	hr.stopWhy, hr.stopClass = why, class
	stopper := hr.stopper
	hr.mu.Unlock()
	if stopper == nil {
		hr.cancelHard(fail(class, errors.New(class+": "+why)))
		return
	}
	stopper(why)
	time.AfterFunc(hr.r.grace(), func() {
		hr.cancelHard(fail(class, fmt.Errorf("%s: %s; the host did not answer within %s of being told to stop, so what ran there is not known", class, why, hr.r.grace())))
	})
}

// setStopper registers how to stop the executor session in flight (nil
// when none is); a stop that came before it is passed on at once.
func (hr *hostRun) setStopper(f func(reason string)) {
	hr.mu.Lock()
	hr.stopper = f
	why := hr.stopWhy
	hr.mu.Unlock()
	if f != nil && why != "" {
		f(why)
	}
}

// errResult turns an error into the host's result.
func (hr *hostRun) errResult(err error) result.HostReturn {
	if c := context.Cause(hr.hard); c != nil && hr.hard.Err() != nil {
		err = c
	}
	class := result.ExecutorFailed
	var f *failure
	switch {
	case errors.As(err, &f):
		class = f.class
	case connect.IsLost(err):
		class = result.ConnectionLost
	}
	if class == result.Unreachable {
		return result.HostReturn{Unreachable: true, Failure: class, Retcode: 255, Error: err.Error()}
	}
	ret := result.HostReturn{Failure: class, Retcode: 1, Error: err.Error()}
	var listed interface {
		Messages() []string
		Notes() []string
	}
	if class == result.CompileFailed && errors.As(err, &listed) {
		// the compile's errors as Salt returns them, and what Salt logs
		// about them as the host's notes
		list := make([]any, 0, len(listed.Messages()))
		for _, m := range listed.Messages() {
			list = append(list, m)
		}
		ret.Return, ret.Notes = list, listed.Notes()
	}
	return ret
}

func (hr *hostRun) run() result.HostReturn {
	t0 := time.Now()
	conn, err := hr.r.Connector.Dial(hr.hard, hr.h)
	hr.r.trace(hr.h.ID, "dial "+hr.addr, t0)
	if err != nil {
		return hr.errResult(fail(result.Unreachable, err))
	}
	hr.conn = conn
	defer conn.Close()
	defer hr.dropFresh()
	// Close the connection as soon as the hard context ends, so nothing
	// can block on it.
	defer context.AfterFunc(hr.hard, func() { conn.Close() })()
	defer hr.forward()()
	if res, failed := hr.preFlight(); failed {
		return res
	}
	if hr.job.Raw {
		return hr.raw(strings.Join(hr.job.Args, " "))
	}
	if hr.job.Compile == nil && hr.job.Show == nil {
		resp, err := hr.exec(hr.job.request(), nil, nil)
		if err != nil {
			return hr.errResult(err)
		}
		return fromResponse(resp)
	}
	g, err := hr.grains()
	if err != nil {
		return hr.errResult(err)
	}
	if hr.job.Show != nil {
		ret, err := hr.job.Show(hr.hard, hr.h.ID, g, nil)
		if errors.Is(err, ErrNeedsTarget) {
			// The templates ask the host: compile inside an executor
			// session that answers their calls.
			_, err = hr.exec(&wire.Request{Fun: hr.job.Fun, Interactive: true, Controller: hr.job.Controller}, nil,
				func(call Caller) ([]byte, error) {
					var err error
					ret, err = hr.job.Show(hr.hard, hr.h.ID, g, call)
					return nil, err
				})
		}
		if err != nil {
			return hr.errResult(fail(result.CompileFailed, err))
		}
		return result.HostReturn{Return: ret}
	}
	b, err := hr.job.Compile(hr.hard, hr.h.ID, g, nil)
	if errors.Is(err, ErrNeedsTarget) {
		req := hr.job.request()
		req.Interactive = true
		resp, err := hr.exec(req, nil, func(call Caller) ([]byte, error) {
			b, err := hr.job.Compile(hr.hard, hr.h.ID, g, call)
			if err != nil {
				return nil, fail(result.CompileFailed, err)
			}
			data, _, err := hr.packBundle(b, req)
			return data, err
		})
		if err != nil {
			return hr.errResult(err)
		}
		return fromResponse(resp)
	}
	if err != nil {
		return hr.errResult(fail(result.CompileFailed, err))
	}
	req := hr.job.request()
	data, _, err := hr.packBundle(b, req)
	if err != nil {
		return hr.errResult(err)
	}
	resp, err := hr.exec(req, data, nil)
	if err != nil {
		return hr.errResult(err)
	}
	return fromResponse(resp)
}

// packBundle encodes b and describes it in req.
func (hr *hostRun) packBundle(b *lowstate.Bundle, req *wire.Request) ([]byte, string, error) {
	data, sha, err := hr.r.packer.Pack(b)
	if err != nil {
		return nil, "", err
	}
	req.BundleSHA, req.BundleSize = sha, int64(len(data))
	return data, sha, nil
}

// thinDir is where the executor is cached: the roster's thin_dir, else
// /var/tmp/.brine_<user> for the user it runs as (with sudo, sudo_user or
// root: never a directory the login user can write), or this run's fresh
// private directory when the thin dir could not be made safe.
func (hr *hostRun) thinDir() string {
	if hr.fresh != "" {
		return hr.fresh
	}
	if hr.h.ThinDir != "" {
		return hr.h.ThinDir
	}
	if hr.job.ThinSuffix != "" {
		return "/var/tmp/.brine_" + hr.execUser() + "_" + hr.job.ThinSuffix
	}
	return "/var/tmp/.brine_" + hr.execUser()
}

// execUser is the user the executor runs as.
func (hr *hostRun) execUser() string {
	switch {
	case hr.h.Sudo && hr.h.SudoUser != "":
		return hr.h.SudoUser
	case hr.h.Sudo, hr.h.User == "":
		return "root"
	}
	return hr.h.User
}

// useDir switches the run to the directory a host script chose for the
// executor when it is not the thin dir (a fresh private one).
func (hr *hostRun) useDir(dir string) {
	if dir != "" && dir != path.Clean(hr.thinDir()) {
		hr.fresh = dir
	}
}

// dropFresh removes this run's fresh private directory, if any.
func (hr *hostRun) dropFresh() {
	if hr.fresh == "" || hr.hard.Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(hr.hard, hr.r.timeout())
	defer cancel()
	_, _ = hr.script(ctx, wipeScript(hr.fresh))
}

// tooLarge closes the host's connection when err is a
// *connect.TooLargeError (the host sent more than its bounds), failing
// the host with it.
func (hr *hostRun) tooLarge(err error) error {
	var tl *connect.TooLargeError
	if errors.As(err, &tl) {
		err = fail(result.ExecutorFailed, err)
		hr.cancelHard(err)
	}
	return err
}

// note records a host script's finding for the result.
func (hr *hostRun) note(n string) {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	if len(hr.notes) < maxNotes {
		hr.notes = append(hr.notes, clip(n, 1000))
	}
}

// maxNotes bounds the notes a host's scripts can add to its result.
const maxNotes = 20

// script runs a short host script as the executing user (through sudo, its
// password on stdin, when the roster says so) and returns its stdout; its
// notes go to the result. A non-zero exit is an error carrying stderr.
func (hr *hostRun) script(ctx context.Context, s string) ([]byte, error) {
	pw := hr.sudoPassword()
	var stdin []byte
	if pw != "" {
		stdin = []byte(pw + "\n")
	}
	stdout, stderr, status, err := connect.RunLimited(ctx, hr.conn, asUser(s, sudoPrefix(hr.h.Sudo, hr.h.SudoUser, pw != "", "")), stdin, hr.r.maxStderr(), hr.r.maxStderr())
	if err != nil {
		return nil, hr.tooLarge(err)
	}
	for _, l := range strings.Split(string(stdout), "\n") {
		if n, ok := parseNote(l); ok {
			hr.note(n)
		}
	}
	if status != 0 {
		msg := strings.TrimSpace(string(stderr))
		if msg == "" {
			msg = "no output"
		}
		return stdout, fmt.Errorf("exit %d: %s", status, clip(msg, 500))
	}
	return stdout, nil
}

func (hr *hostRun) loadCache() *HostCache {
	if hr.cache == nil {
		if c, ok := hr.r.Cache.Load(hr.h.ID, hr.addr); ok {
			hr.cache = c
		} else {
			hr.cache = &HostCache{Addr: hr.addr}
		}
	}
	return hr.cache
}

// grains returns the host's grains from the cache, or asks the executor.
func (hr *hostRun) grains() (map[string]any, error) {
	hc := hr.loadCache()
	if hr.r.Refresh || hc.Grains == nil {
		resp, err := hr.exec(&wire.Request{Fun: "grains.items"}, nil, nil)
		if err != nil {
			return nil, err
		}
		if resp.Error != "" {
			return nil, fmt.Errorf("collecting grains: %s", resp.Error)
		}
	}
	return HostGrains(hc.Grains, hr.h), nil
}

// sudo is the sudo prefix of the executor's session (its prompt is the
// marker the session watches for).
func (hr *hostRun) sudo() string {
	return sudoPrefix(hr.h.Sudo, hr.h.SudoUser, hr.sudoPassword() != "", markPrompt)
}

func (hr *hostRun) sudoPassword() string {
	if !hr.h.Sudo {
		return ""
	}
	return hr.h.Passwd
}

// raw runs a shell command without the executor (salt-ssh -r). A stop
// closes its channel: the command sees its pipes end (a command that
// neither reads nor writes them runs on; salt-ssh -r does the same).
func (hr *hostRun) raw(cmd string) result.HostReturn {
	pw := hr.sudoPassword()
	line := asUser(cmd, sudoPrefix(hr.h.Sudo, hr.h.SudoUser, pw != "", ""))
	var stdin []byte
	if pw != "" {
		// sudo reads the password from stdin before the command starts.
		stdin = []byte(pw + "\n")
	}
	t0 := time.Now()
	stdout, stderr, status, err := connect.RunLimited(hr.hard, hr.conn, line, stdin, hr.r.maxAnswer(), hr.r.maxStderr())
	hr.r.trace(hr.h.ID, "exec raw", t0)
	if err != nil {
		return hr.errResult(hr.tooLarge(err))
	}
	if hr.job.Wipe {
		hr.wipe()
	}
	return rawReturn(string(stdout), string(stderr), status)
}

// wipe removes the thin dir after a raw command (the executor wipes its own
// after a function) and forgets that the host has the executor.
func (hr *hostRun) wipe() {
	ctx, cancel := context.WithTimeout(hr.hard, hr.r.timeout())
	defer cancel()
	t0 := time.Now()
	// As the user the executor runs as: the thin dir is theirs.
	_, _ = hr.script(ctx, wipeScript(hr.thinDir()))
	hr.r.trace(hr.h.ID, "exec wipe", t0)
	hc := hr.loadCache()
	hc.ExecSHA = ""
	hr.saveCache(hc)
}

// saveCache writes the host's cache entry; when it cannot (a full disk, a
// cache dir that is not the user's), the run goes on and says what is lost.
func (hr *hostRun) saveCache(hc *HostCache) {
	if err := hr.r.Cache.Save(hr.h.ID, hc); err != nil {
		hr.note(fmt.Sprintf("the controller's cache of this host (its grains, and which executor it has) was not saved: %v; the next run asks the host again", err))
	}
}

// fromResponse turns an executor response into a host result.
func fromResponse(resp *answer) result.HostReturn {
	out := result.HostReturn{Retcode: resp.Retcode, Error: resp.Error, Notes: resp.Notes, Return: resp.ret}
	if len(resp.ErrorInfo) > 0 && out.Error != "" {
		// salt-call's CommandExecutionError with info: the message, then
		// the info in the nested outputter.
		var info any
		if json.Unmarshal(resp.ErrorInfo, &info) == nil {
			if !strings.HasSuffix(out.Error, ".") && !strings.HasSuffix(out.Error, "?") && !strings.HasSuffix(out.Error, "!") {
				out.Error += "."
			}
			out.Error += " Additional info follows:\n\n" + report.Nested(info)
		}
	}
	if resp.Stopped != "" {
		// Stopped by something on the host (a signal) or by us (the caller
		// then says why).
		out.Failure = result.Interrupted
		if out.Error == "" {
			out.Error = stoppedEarly + resp.Stopped
		}
	}
	return out
}

const stoppedEarly = "stopped early: "
