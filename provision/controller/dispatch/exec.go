package dispatch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"brine/provision/controller/connect"
	"brine/provision/controller/executorbin"
	"brine/provision/controller/result"
	"brine/provision/wire"
)

// exec sends req to the cached executor, uploading it first when the host
// lacks it, and records the host's grains and executor in the cache. With
// interactive set the request is interactive: interactive is called inside
// the session with a Caller to the host and returns the bundle to send (nil
// for none).
func (hr *hostRun) exec(req *wire.Request, data []byte, interactive func(Caller) ([]byte, error)) (*answer, error) {
	hc := hr.loadCache()
	req.ID = hr.h.ID
	req.Grains = hr.h.Grains
	req.MaxOutput = hr.r.MaxOutput
	if hc.Grains != nil && !hr.r.Refresh {
		req.GrainsSHA = hc.GrainsSHA
	}
	if req.Controller == "" {
		req.Controller = hr.job.Controller
	}
	cands, err := hr.r.candidates(hr.hard, hc)
	if err != nil {
		return nil, err
	}
	// A large bundle is only sent once we know the executor is there.
	if len(data) > 0 && (len(cands) != 1 || hc.ExecSHA != cands[0].SHA) {
		machine, gz, dir, err := hr.probe(cands)
		if err != nil {
			return nil, err
		}
		if machine != "" {
			hr.useDir(dir)
			if cands, err = hr.upload(machine, gz); err != nil {
				return nil, err
			}
		}
	}
	uploads := 0
	for {
		out, err := hr.drive(req, data, cands, interactive)
		if err != nil {
			return nil, err
		}
		switch {
		case out.corrupt && uploads == 0:
			// The executor checked its own bytes (a host without
			// sha256sum) and removed itself, or cannot even start (126,
			// 127): remove it, and the next exec reports it missing and
			// uploads it again.
			ctx, cancel := context.WithTimeout(hr.hard, hr.r.timeout())
			_, _ = hr.script(ctx, removeScript(hr.thinDir(), shas(cands)))
			cancel()
			hc.ExecSHA = ""
			uploads++
			continue
		case out.corrupt:
			return nil, fail(result.ExecutorFailed, fmt.Errorf("the executor in %s still does not start after a fresh upload (exit %d)", hr.thinDir(), out.status))
		case out.missing != "":
			if uploads >= 2 {
				return nil, fail(result.UploadFailed, fmt.Errorf("executor still missing from %s after uploading it", hr.thinDir()))
			}
			hr.useDir(out.dir)
			if cands, err = hr.upload(out.missing, out.gzip); err != nil {
				return nil, err
			}
			uploads++
			continue
		}
		resp := out.resp
		// Remember what changed: the grains (sent only when they did) and
		// the executor the host now has; a run that changed neither writes
		// nothing to the cache.
		dirty := false
		if resp.Grains != nil {
			hc.Grains, hc.GrainsSHA, dirty = resp.Grains, resp.GrainsSHA, true
		}
		if resp.GrainsSHA != "" || resp.Grains != nil {
			sha := hc.ExecSHA
			if len(cands) == 1 {
				sha = cands[0].SHA
			} else if a := executorbin.ArchFromUname(str(hc.Grains["cpuarch"])); a != "" {
				if e, err := hr.r.Store.Get(hr.hard, a); err == nil {
					sha = e.SHA
				}
			}
			if req.Wipe || hr.fresh != "" {
				// Gone at the end of the run.
				sha = ""
			}
			dirty = dirty || sha != hc.ExecSHA
			hc.ExecSHA = sha
		}
		if dirty {
			hr.saveCache(hc)
		}
		return resp, nil
	}
}

func shas(es []*executorbin.Executor) []string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.SHA
	}
	return s
}

// probe checks for a cached executor without running it (the start
// script's checks, hash included); it returns the host's machine type and
// the directory to upload to when the executor is missing.
func (hr *hostRun) probe(cands []*executorbin.Executor) (machine string, gz bool, dir string, err error) {
	ctx, cancel := context.WithTimeout(hr.hard, hr.r.timeout())
	defer cancel()
	t0 := time.Now()
	out, err := hr.script(ctx, startScript(hr.thinDir(), cands, false, true))
	hr.r.trace(hr.h.ID, "exec probe", t0)
	if err != nil {
		return "", false, "", err
	}
	for _, l := range strings.Split(string(out), "\n") {
		if m, g, d, ok := parseMissing(l); ok {
			if m == "" {
				m = "unknown"
			}
			return m, g, d, nil
		}
		if strings.TrimSpace(l) == markPresent {
			return "", false, "", nil
		}
	}
	return "", false, "", fail(result.ExecutorFailed, fmt.Errorf("the check for the executor in %s said neither present nor missing: %q", hr.thinDir(), clip(string(out), 200)))
}

// outcome is how one executor exec ended.
type outcome struct {
	resp *answer
	// missing is the host's machine type when no candidate is cached;
	// dir is where to upload it (the thin dir, or a fresh private one).
	missing string
	gzip    bool
	dir     string
	// corrupt: the executor exited 97, 126 or 127 without an answer.
	corrupt bool
	status  int
}

// line is one line of the executor's stdout, or the error that ended it.
type line struct {
	b   []byte
	err error
}

// readLines reads r line by line; a line longer than limit bytes is not
// collected: the reader stops there, sends a *connect.TooLargeError and
// calls over with it (which should end the session: no one reads the rest).
func readLines(r io.Reader, limit int64, what string, over func(error)) <-chan line {
	ch := make(chan line, 16)
	go func() {
		defer close(ch)
		// A small buffer keeps 500 hosts in flight from allocating 64 KB
		// each; longer lines are collected across reads.
		br := bufio.NewReaderSize(r, 4<<10)
		for {
			var b []byte
			var err error
			for {
				var chunk []byte
				chunk, err = br.ReadSlice('\n')
				if int64(len(b)+len(chunk)) > limit {
					tl := &connect.TooLargeError{What: what, N: int64(len(b) + len(chunk)), Limit: limit}
					if over != nil {
						over(tl)
					}
					ch <- line{err: tl}
					return
				}
				b = append(b, chunk...)
				if err != bufio.ErrBufferFull {
					break
				}
			}
			if len(bytes.TrimSpace(b)) > 0 {
				ch <- line{b: b}
			}
			if err != nil {
				ch <- line{err: err}
				return
			}
		}
	}()
	return ch
}

// ctlWriter serialises what goes to the executor's stdin: the request and
// bundle, call and stop lines (a stop may come from another goroutine).
type ctlWriter struct {
	mu sync.Mutex
	w  io.WriteCloser
	n  int
}

func (c *ctlWriter) write(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.w.Write(b)
	c.n += n
	return err
}

func (c *ctlWriter) msg(m *wire.Msg) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return c.write(append(b, '\n'))
}

func (c *ctlWriter) close() { _ = c.w.Close() }

// sent is how many bytes went to stdin so far.
func (c *ctlWriter) sent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// drive runs the executor once: starts it, answers sudo's prompt, sends the
// request, serves an interactive compile's calls, passes on a stop, and
// reads lines until the answer.
func (hr *hostRun) drive(req *wire.Request, data []byte, cands []*executorbin.Executor, interactive func(Caller) ([]byte, error)) (outcome, error) {
	pw := hr.sudoPassword()
	events := make(chan string, 8)
	tooLarge := func(err error) { hr.cancelHard(fail(result.ExecutorFailed, err)) }
	stderr := &markWriter{events: events, strip: true, limit: hr.r.maxStderr(), over: tooLarge}
	if pw != "" {
		stderr.marks = []string{markPrompt}
	}
	t0 := time.Now()
	script := startScript(hr.thinDir(), cands, pw != "", false)
	if hr.h.Sudo {
		script = "exec " + asUser(script, hr.sudo())
	}
	p, err := hr.conn.Start(hr.hard, script, stderr)
	if err != nil {
		return outcome{}, err
	}
	lines := readLines(p.Stdout(), hr.r.maxAnswer(), "the answer", tooLarge)
	ctl := &ctlWriter{w: p.Stdin()}
	nout := 0
	var out outcome
	// next returns the next protocol line; noise (a login script's echo)
	// is kept for the error message, a little of it, and only so much is
	// read before the answer.
	var noise []string
	noiseBytes := int64(0)
	next := func() (line, bool) {
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return line{err: io.EOF}, false
				}
				if l.err != nil {
					return l, false
				}
				nout += len(l.b)
				s := strings.TrimSpace(string(l.b))
				if n, ok := parseNote(s); ok {
					hr.note(n)
					continue
				}
				if m, gz, dir, ok := parseMissing(s); ok {
					out.missing, out.gzip, out.dir = m, gz, dir
					if out.missing == "" {
						out.missing = "unknown"
					}
					return l, false
				}
				if s == wire.Ready || strings.HasPrefix(s, "{") {
					return l, true
				}
				if noiseBytes += int64(len(l.b)); noiseBytes > hr.r.maxStderr() {
					err := &connect.TooLargeError{What: "what the host printed before the answer", N: noiseBytes, Limit: hr.r.maxStderr()}
					tooLarge(err)
					return line{err: err}, false
				}
				if len(noise) < 20 {
					noise = append(noise, clip(s, 200))
				}
			case <-hr.hard.Done():
				return line{err: context.Cause(hr.hard)}, false
			}
		}
	}
	finish := func(err error) (outcome, error) {
		ctl.close()
		p.Kill()
		_ = p.Wait()
		hr.r.trace(hr.h.ID, fmt.Sprintf("exec %s (%d bytes in, %d out)", req.Fun, ctl.sent(), nout), t0)
		if out.missing != "" {
			return out, nil
		}
		return outcome{}, err
	}
	if pw != "" {
		if err := hr.answerSudo(pw, ctl, events, next, p.Kill); err != nil || out.missing != "" {
			return finish(err)
		}
	}
	var buf bytes.Buffer
	if interactive != nil {
		err = wire.WriteRequest(&buf, req, nil)
	} else {
		err = wire.WriteRequest(&buf, req, data)
	}
	if err != nil {
		return finish(err)
	}
	// Asynchronously: a missing executor never reads it, and a big bundle
	// must not stop us reading what the host says. Every later line (a
	// call, a stop) waits until the request is all written: the executor
	// reads the request first.
	sent := make(chan struct{})
	go func() {
		_ = ctl.write(buf.Bytes())
		close(sent)
	}()
	afterRequest := func() error {
		select {
		case <-sent:
			return nil
		case <-hr.hard.Done():
			return context.Cause(hr.hard)
		}
	}
	hr.setStopper(func(reason string) {
		go func() {
			if afterRequest() == nil {
				_ = ctl.msg(&wire.Msg{Stop: reason})
			}
		}()
	})
	defer hr.setStopper(nil)
	var final *line
	if interactive != nil {
		call := func(ctx context.Context, fun string, args []any, kwargs map[string]any) (any, error) {
			if final != nil || out.missing != "" {
				return nil, errors.New("the executor's session has ended")
			}
			if err := afterRequest(); err != nil {
				return nil, err
			}
			if err := ctl.msg(&wire.Msg{Call: &wire.Call{Fun: fun, Args: args, Kwargs: kwargs}}); err != nil {
				return nil, err
			}
			for {
				l, ok := next()
				if !ok {
					if l.err != nil && out.missing == "" {
						return nil, l.err
					}
					return nil, errors.New("the executor is not on the host yet")
				}
				var rl wire.ReplyLine
				if err := json.Unmarshal(l.b, &rl); err != nil || rl.Reply == nil {
					if strings.TrimSpace(string(l.b)) == wire.Ready {
						continue
					}
					final = &l
					return nil, errors.New("the executor ended the session before answering " + fun)
				}
				if rl.Reply.Error != "" {
					return nil, errors.New(rl.Reply.Error)
				}
				var v any
				if len(rl.Reply.Return) > 0 {
					d := json.NewDecoder(bytes.NewReader(rl.Reply.Return))
					d.UseNumber()
					if err := d.Decode(&v); err != nil {
						return nil, fmt.Errorf("%s: unreadable answer: %w", fun, err)
					}
				}
				return v, nil
			}
		}
		b, cerr := interactive(call)
		if out.missing != "" {
			return finish(nil)
		}
		if err := afterRequest(); err != nil {
			return finish(err)
		}
		switch {
		case cerr != nil:
			_ = ctl.msg(&wire.Msg{Stop: "the compile failed on the controller"})
			return finish(cerr)
		case b == nil:
			_ = ctl.msg(&wire.Msg{Stop: "done"})
		default:
			sha := req.BundleSHA
			go func() {
				if ctl.msg(&wire.Msg{Bundle: &wire.BundleHeader{Size: int64(len(b)), SHA: sha}}) == nil {
					_ = ctl.write(b)
				}
			}()
		}
	}
	for final == nil {
		l, ok := next()
		if !ok {
			break
		}
		if strings.TrimSpace(string(l.b)) == wire.Ready {
			continue
		}
		final = &l
	}
	// The answer is in (or the executor is gone): close its stdin so it
	// exits, and collect its status.
	ctl.close()
	werr := p.Wait()
	hr.r.trace(hr.h.ID, fmt.Sprintf("exec %s (%d bytes in, %d out)", req.Fun, ctl.sent(), nout), t0)
	if out.missing != "" {
		return out, nil
	}
	if final != nil {
		resp, err := parseResponse(final.b)
		final.b = nil // the answer's bytes can go as soon as it is decoded
		if err != nil {
			return outcome{}, fail(result.ExecutorFailed, fmt.Errorf("executor: %w", err))
		}
		out.resp = resp
		return out, nil
	}
	if c := context.Cause(hr.hard); hr.hard.Err() != nil {
		return outcome{}, c
	}
	var ee *connect.ExitError
	switch {
	case connect.IsLost(werr):
		return outcome{}, werr
	case errors.As(werr, &ee) && ee.Signal == "" && (ee.Status == executorCorrupt || ee.Status == 126 || ee.Status == 127):
		out.corrupt, out.status = true, ee.Status
		return out, nil
	case errors.As(werr, &ee) && ee.Signal == "" && ee.Status == executorUnsafe && len(bytes.TrimSpace(stderr.bytes())) > 0:
		// The start script found no directory it could trust: it says why.
		return outcome{}, fail(result.ExecutorFailed, errors.New(clip(strings.TrimSpace(string(stderr.bytes())), 1000)))
	case errors.As(werr, &ee):
		msg := remoteFailure(ee, stderr.bytes(), hr.h.Sudo)
		if len(noise) > 0 {
			msg = fmt.Errorf("%w (it printed: %s)", msg, clip(strings.Join(noise, " "), 200))
		}
		return outcome{}, fail(result.ExecutorFailed, msg)
	case werr != nil:
		return outcome{}, werr
	}
	return outcome{}, fail(result.ExecutorFailed, fmt.Errorf("the executor exited without an answer%s", noiseNote(noise)))
}

func noiseNote(noise []string) string {
	if len(noise) == 0 {
		return ""
	}
	return " (it printed: " + clip(strings.Join(noise, " "), 200) + ")"
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// answerSudo gives sudo the password when it asks, and returns once the
// executor says it is ready (or is missing). A second prompt means the
// password was refused; no prompt within the timeout is an error too.
func (hr *hostRun) answerSudo(pw string, ctl *ctlWriter, events <-chan string, next func() (line, bool), kill func()) error {
	timer := time.NewTimer(hr.r.timeout())
	defer timer.Stop()
	got := make(chan line, 1)
	go func() {
		l, _ := next()
		got <- l
	}()
	// On a failure the session is killed and the reader waited for, so
	// nothing reads the executor's output behind the caller's back.
	abort := func(err error) error {
		kill()
		<-got
		return err
	}
	prompts := 0
	for {
		select {
		case <-events:
			prompts++
			if prompts > 1 {
				return abort(fail(result.ExecutorFailed, errors.New("sudo: the password was refused (check passwd in the roster or --passwd)")))
			}
			if err := ctl.write([]byte(pw + "\n")); err != nil {
				return abort(err)
			}
		case l := <-got:
			if l.err != nil {
				return l.err
			}
			return nil // ready, or the missing line (recorded by next)
		case <-timer.C:
			return abort(fail(result.ExecutorFailed, fmt.Errorf("sudo did not ask for the password, nor start the executor, within %s", hr.r.timeout())))
		}
	}
}

func remoteFailure(ee *connect.ExitError, stderr []byte, sudo bool) error {
	msg := strings.TrimSpace(string(stderr))
	if sudo && strings.Contains(msg, "password is required") {
		return fmt.Errorf("sudo needs a password on this host: set passwd in the roster or pass --passwd/--askpass (sudo said: %s)", msg)
	}
	if msg == "" {
		msg = "no output"
	}
	if ee.Signal != "" {
		return fmt.Errorf("the executor was killed by signal %s: %s", ee.Signal, msg)
	}
	return fmt.Errorf("the executor exited %d: %s", ee.Status, msg)
}

// markWriter collects output and reports each marker the first time a line
// (or, for prompts, any text) contains it.
// Past limit bytes (when set) it keeps nothing more and calls over once.
type markWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marks  []string
	seen   map[string]int
	events chan string
	strip  bool
	limit  int64
	over   func(error)
	n      int64
}

func (m *markWriter) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n += int64(len(p))
	if m.limit > 0 && m.n > m.limit {
		if over := m.over; over != nil {
			m.over = nil
			go over(&connect.TooLargeError{What: "stderr", N: m.n, Limit: m.limit})
		}
		return len(p), nil
	}
	m.buf.Write(p)
	if m.seen == nil {
		m.seen = map[string]int{}
	}
	for _, mk := range m.marks {
		n := strings.Count(m.buf.String(), mk)
		for m.seen[mk] < n {
			m.seen[mk]++
			select {
			case m.events <- mk:
			default:
			}
		}
	}
	return len(p), nil
}

func (m *markWriter) bytes() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buf.Bytes()
	if m.strip {
		for _, mk := range m.marks {
			b = bytes.ReplaceAll(b, []byte(mk), nil)
		}
	}
	return b
}

// answer is the executor's response with its return decoded.
type answer struct {
	wire.Response
	// ret is Response.Return decoded (the bytes are not kept).
	ret any
}

// parseResponse reads the executor's response line, decoding its return
// in the same pass: an answer may be tens of megabytes, and is held once.
func parseResponse(out []byte) (*answer, error) {
	b := bytes.TrimSpace(out)
	if len(b) == 0 {
		return nil, errors.New("no answer")
	}
	var r struct {
		wire.Response
		Return any `json:"return"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("unreadable answer %q: %w", clip(string(b[:min(len(b), 300)]), 200), err)
	}
	return &answer{Response: r.Response, ret: r.Return}, nil
}
