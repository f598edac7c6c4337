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
