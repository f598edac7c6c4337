package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"brine/provision/controller/connect"
	"brine/provision/controller/executorbin"
	"brine/provision/controller/result"
	"brine/provision/wire"
)

// drive runs the executor once: starts it, answers sudo's prompt, sends the
// request, serves an interactive compile's calls, passes on a stop, and
// reads lines until the answer. Each step is a method of the session.
func (hr *hostRun) drive(req *wire.Request, data []byte, cands []*executorbin.Executor, interactive func(Caller) ([]byte, error)) (outcome, error) {
	s, err := hr.startSession(req, cands)
	if err != nil {
		return outcome{}, err
	}
	if pw := hr.sudoPassword(); pw != "" {
		if err := hr.answerSudo(pw, s.ctl, s.events, s.next, s.p.Kill); err != nil || s.out.missing != "" {
			return s.abort(err)
		}
	}
	if interactive != nil {
		// The bundle comes later in the session, once compiled.
		data = nil
	}
	if err := s.sendRequest(data); err != nil {
		return s.abort(err)
	}
	hr.setStopper(s.stop)
	defer hr.setStopper(nil)
	if interactive != nil {
		if err := s.compile(interactive); err != nil || s.out.missing != "" {
			return s.abort(err)
		}
	}
	return s.answer()
}

// session is one run of the executor on a host: the process the start
// script became, its stdout read line by line, its stdin carrying the
// controller's messages. Each kind of message is a method: the request
// (sendRequest), a stop (stop), a template's call and its reply (call),
// the compiled bundle or the end of an interactive compile (compile), and
// the answer (answer); next reads the protocol's lines past the host's
// notes and noise.
type session struct {
	hr  *hostRun
	req *wire.Request
	t0  time.Time

	p      connect.Proc
	lines  <-chan line
	ctl    *ctlWriter
	stderr *markWriter
	// events tells of sudo's password prompts, seen on stderr.
	events chan string
	// nout counts the bytes read from stdout.
	nout int
	// noise is a little of what the host printed that is not the protocol
	// (a login script's echo), kept for an error message; noiseBytes
	// counts all of it, which is bounded.
	noise      []string
	noiseBytes int64
	// out is what the session learnt: the executor is missing (or
	// corrupt), or its answer.
	out outcome
	// sent is closed once the request is all written.
	sent chan struct{}
	// final is the answer's line, once read.
	final *line
}

// startSession starts the executor through the start script (which
// reports it missing instead when the host lacks every candidate).
func (hr *hostRun) startSession(req *wire.Request, cands []*executorbin.Executor) (*session, error) {
	s := &session{hr: hr, req: req, events: make(chan string, 8)}
	pw := hr.sudoPassword()
	s.stderr = &markWriter{events: s.events, strip: true, limit: hr.r.maxStderr(), over: s.tooLarge}
	if pw != "" {
		s.stderr.marks = []string{markPrompt}
	}
	s.t0 = time.Now()
	script := startScript(hr.thinDir(), cands, pw != "", false)
	if hr.h.Sudo {
		script = "exec " + asUser(script, hr.sudo())
	}
	p, err := hr.conn.Start(hr.hard, script, s.stderr)
	if err != nil {
		return nil, err
	}
	s.p = p
	s.lines = readLines(p.Stdout(), hr.r.maxAnswer(), "the answer", s.tooLarge)
	s.ctl = &ctlWriter{w: p.Stdin()}
	return s, nil
}

// tooLarge ends the host's run: it sent more than it may.
func (s *session) tooLarge(err error) { s.hr.cancelHard(fail(result.ExecutorFailed, err)) }

// next returns the next protocol line: the executor's ready line or a
// JSON line (ok), or the missing marker or the end of stdout (not ok). A
// note is passed on to the host's result; noise is kept for the error
// message, a little of it, and only so much is read before the answer.
func (s *session) next() (line, bool) {
	hr := s.hr
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				return line{err: io.EOF}, false
			}
			if l.err != nil {
				return l, false
			}
			s.nout += len(l.b)
			t := strings.TrimSpace(string(l.b))
			if n, ok := parseNote(t); ok {
				hr.note(n)
				continue
			}
			if m, gz, dir, ok := parseMissing(t); ok {
				s.out.missing, s.out.gzip, s.out.dir = m, gz, dir
				if s.out.missing == "" {
					s.out.missing = "unknown"
				}
				return l, false
			}
			if t == wire.Ready || strings.HasPrefix(t, "{") {
				return l, true
			}
			if s.noiseBytes += int64(len(l.b)); s.noiseBytes > hr.r.maxStderr() {
				err := &connect.TooLargeError{What: "what the host printed before the answer", N: s.noiseBytes, Limit: hr.r.maxStderr()}
				s.tooLarge(err)
				return line{err: err}, false
			}
			if len(s.noise) < 20 {
				s.noise = append(s.noise, clip(t, 200))
			}
		case <-hr.hard.Done():
			return line{err: context.Cause(hr.hard)}, false
		}
	}
}

// trace tells the run's trace what the session cost.
func (s *session) trace() {
	s.hr.r.trace(s.hr.h.ID, fmt.Sprintf("exec %s (%d bytes in, %d out)", s.req.Fun, s.ctl.sent(), s.nout), s.t0)
}

// abort ends the session before its answer: the executor is killed. A
// missing executor is the outcome then (err is moot), else err is.
func (s *session) abort(err error) (outcome, error) {
	s.ctl.close()
	s.p.Kill()
	_ = s.p.Wait()
	s.trace()
	if s.out.missing != "" {
		return s.out, nil
	}
	return outcome{}, err
}

// sendRequest writes the request (with the bundle's data, when given), in
// the background: a missing executor never reads it, and a big bundle
// must not stop us reading what the host says. Every later message (a
// call, a stop) waits until the request is all written (afterRequest):
// the executor reads the request first.
func (s *session) sendRequest(data []byte) error {
	var buf bytes.Buffer
	if err := wire.WriteRequest(&buf, s.req, data); err != nil {
		return err
	}
	s.sent = make(chan struct{})
	go func() {
		_ = s.ctl.write(buf.Bytes())
		close(s.sent)
	}()
	return nil
}

// afterRequest waits until the request is all written, or the host's run
// ends.
func (s *session) afterRequest() error {
	select {
	case <-s.sent:
		return nil
	case <-s.hr.hard.Done():
		return context.Cause(s.hr.hard)
	}
}

// stop tells the executor to stop at its next state boundary and answer
// with what ran (the host's stopper while the session runs).
func (s *session) stop(reason string) {
	go func() {
		if s.afterRequest() == nil {
			_ = s.ctl.msg(&wire.Msg{Stop: reason})
		}
	}()
}

// call is the Caller of an interactive compile: it sends a template's call
// of an execution function and reads the executor's reply.
func (s *session) call(ctx context.Context, fun string, args []any, kwargs map[string]any) (any, error) {
	if s.final != nil || s.out.missing != "" {
		return nil, errors.New("the executor's session has ended")
	}
	if err := s.afterRequest(); err != nil {
		return nil, err
	}
	if err := s.ctl.msg(&wire.Msg{Call: &wire.Call{Fun: fun, Args: args, Kwargs: kwargs}}); err != nil {
		return nil, err
	}
	for {
		l, ok := s.next()
		if !ok {
			if l.err != nil && s.out.missing == "" {
				return nil, l.err
			}
			return nil, errors.New("the executor is not on the host yet")
		}
		var rl wire.ReplyLine
		if err := json.Unmarshal(l.b, &rl); err != nil || rl.Reply == nil {
			if strings.TrimSpace(string(l.b)) == wire.Ready {
				continue
			}
			// Not a reply: the executor answered the request already.
			s.final = &l
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

// compile runs an interactive compile inside the session, its templates'
// calls answered by the host (call), then sends what came of it: the
// bundle, or a stop when there is none or the compile failed (whose error
// is returned). It returns nil at once when the executor turned out to be
// missing (s.out says so).
func (s *session) compile(interactive func(Caller) ([]byte, error)) error {
	b, cerr := interactive(s.call)
	if s.out.missing != "" {
		return nil
	}
	if err := s.afterRequest(); err != nil {
		return err
	}
	switch {
	case cerr != nil:
		_ = s.ctl.msg(&wire.Msg{Stop: "the compile failed on the controller"})
		return cerr
	case b == nil:
		_ = s.ctl.msg(&wire.Msg{Stop: "done"})
	default:
		sha := s.req.BundleSHA
		go func() {
			if s.ctl.msg(&wire.Msg{Bundle: &wire.BundleHeader{Size: int64(len(b)), SHA: sha}}) == nil {
				_ = s.ctl.write(b)
			}
		}()
	}
	return nil
}

// answer reads lines until the executor's answer, closes its stdin so it
// exits, and makes the outcome: the answer, the executor missing or
// corrupt, or why there is no answer.
func (s *session) answer() (outcome, error) {
	for s.final == nil {
		l, ok := s.next()
		if !ok {
			break
		}
		if strings.TrimSpace(string(l.b)) == wire.Ready {
			continue
		}
		s.final = &l
	}
	// The answer is in (or the executor is gone): close its stdin so it
	// exits, and collect its status.
	s.ctl.close()
	werr := s.p.Wait()
	s.trace()
	if s.out.missing != "" {
		return s.out, nil
	}
	if s.final != nil {
		resp, err := parseResponse(s.final.b)
		s.final.b = nil // the answer's bytes can go as soon as it is decoded
		if err != nil {
			return outcome{}, fail(result.ExecutorFailed, fmt.Errorf("executor: %w", err))
		}
		s.out.resp = resp
		return s.out, nil
	}
	return s.exited(werr)
}

// exited is the outcome of an executor that ended without an answer: the
// host's run ended (its cause), the connection was lost, the executor is
// corrupt (exit 97, 126, 127: upload it again), or it failed (with what it
// said on stderr and what else it printed).
func (s *session) exited(werr error) (outcome, error) {
	hr := s.hr
	if c := context.Cause(hr.hard); hr.hard.Err() != nil {
		return outcome{}, c
	}
	var ee *connect.ExitError
	switch {
	case connect.IsLost(werr):
		return outcome{}, werr
	case errors.As(werr, &ee) && ee.Signal == "" && (ee.Status == executorCorrupt || ee.Status == 126 || ee.Status == 127):
		s.out.corrupt, s.out.status = true, ee.Status
		return s.out, nil
	case errors.As(werr, &ee):
		msg := remoteFailure(ee, s.stderr.bytes(), hr.h.Sudo)
		if len(s.noise) > 0 {
			msg = fmt.Errorf("%w (it printed: %s)", msg, clip(strings.Join(s.noise, " "), 200))
		}
		return outcome{}, fail(result.ExecutorFailed, msg)
	case werr != nil:
		return outcome{}, werr
	}
	return outcome{}, fail(result.ExecutorFailed, fmt.Errorf("the executor exited without an answer%s", noiseNote(s.noise)))
}
