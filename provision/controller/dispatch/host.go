package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
	"brine/provision/controller/report"
	"brine/provision/controller/result"
	"brine/provision/lib/shquote"
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

	mu        sync.Mutex
	stopWhy   string
	stopClass string
	stopper   func(reason string)
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
	hr.mu.Unlock()
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
	return result.HostReturn{Failure: class, Retcode: 1, Error: err.Error()}
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
	// Close the connection as soon as the hard context ends, so nothing
	// can block on it.
	defer context.AfterFunc(hr.hard, func() { conn.Close() })()
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

func (hr *hostRun) thinDir() string {
	if hr.h.ThinDir != "" {
		return hr.h.ThinDir
	}
	u := hr.h.User
	if u == "" {
		u = "root"
	}
	return "/var/tmp/.brine_" + u
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

func (hr *hostRun) sudo() string {
	return sudoPrefix(hr.h.Sudo, hr.h.SudoUser, hr.sudoPassword() != "")
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
	line := cmd
	if hr.h.Sudo {
		line = hr.sudo() + "/bin/sh -c " + shquote.Quote(cmd)
	}
	var stdin []byte
	if pw := hr.sudoPassword(); pw != "" {
		// sudo reads the password from stdin before the command starts.
		line = strings.Replace(line, "-p "+shquote.Quote(markPrompt), "-p ''", 1)
		stdin = []byte(pw + "\n")
	}
	t0 := time.Now()
	stdout, stderr, status, err := connect.Run(hr.hard, hr.conn, line, stdin)
	hr.r.trace(hr.h.ID, "exec raw", t0)
	if err != nil {
		return hr.errResult(err)
	}
	if hr.job.Wipe {
		hr.wipe()
	}
	return result.HostReturn{Retcode: status, Return: map[string]any{
		"stdout": strings.TrimRight(string(stdout), "\n"), "stderr": strings.TrimRight(string(stderr), "\n"), "retcode": status,
	}}
}

// wipe removes the thin dir after a raw command (the executor wipes its own
// after a function) and forgets that the host has the executor.
func (hr *hostRun) wipe() {
	ctx, cancel := context.WithTimeout(hr.hard, hr.r.timeout())
	defer cancel()
	t0 := time.Now()
	// The thin dir belongs to the login user (sudo or not): no sudo needed.
	_, _, _, _ = connect.Run(ctx, hr.conn, wipeScript(hr.thinDir()), nil)
	hr.r.trace(hr.h.ID, "exec wipe", t0)
	hc := hr.loadCache()
	hc.ExecSHA = ""
	_ = hr.r.Cache.Save(hr.h.ID, hc)
}

// fromResponse turns an executor response into a host result.
func fromResponse(resp *wire.Response) result.HostReturn {
	out := result.HostReturn{Retcode: resp.Retcode, Error: resp.Error, Notes: resp.Notes}
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
	if len(resp.Return) > 0 && string(resp.Return) != "null" {
		var v any
		if err := json.Unmarshal(resp.Return, &v); err != nil {
			return result.HostReturn{Failure: result.ExecutorFailed, Retcode: 1, Error: "decode executor return: " + err.Error()}
		}
		out.Return = v
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
