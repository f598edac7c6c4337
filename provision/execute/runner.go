// Package execute is the controller's run loop: for each targeted host it
// opens one SSH connection, makes sure the executor is cached there, sends
// the request (and compiled bundle) to it and gathers the JSON answer.
// Hosts run in parallel, bounded by MaxProcs; a failing host is a result.
package execute

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"brine/inventory/roster"
	"brine/provision/bundle"
	"brine/provision/connect"
	"brine/provision/lowstate"
	"brine/provision/payload"
	"brine/provision/report"
	"brine/provision/wire"
)

// Job is what to run on every host.
type Job struct {
	Fun    string
	Args   []string
	Kwargs map[string]any
	Test   bool
	// Failhard stops a state run at the first failure.
	Failhard    bool
	LockTimeout time.Duration
	// Raw runs Args[0] with /bin/sh on the target, without the executor.
	Raw bool
	// Compile builds a host's bundle from its grains (state functions).
	Compile func(ctx context.Context, id string, grains map[string]any) (*lowstate.Bundle, error)
	// Show computes the return on the controller from the host's grains,
	// without running anything on the host (state.show_*).
	Show func(ctx context.Context, id string, grains map[string]any) (any, error)
	// Secrets, when set, lists a host's secret values (pillar marked
	// secret); they are masked in its result before anything prints it.
	Secrets func(id string) []string
}

// finish stamps and redacts a host's result.
func (job Job) finish(res report.HostReturn, id string, start time.Time) report.HostReturn {
	res.ID, res.Fun, res.Duration = id, job.Fun, time.Since(start)
	if job.Secrets != nil {
		res = report.Redact(res, job.Secrets(id))
	}
	return res
}

// Runner runs jobs on roster hosts.
type Runner struct {
	Dialer *connect.Dialer
	Store  *payload.Store
	Cache  Cache
	// MaxProcs bounds the hosts in flight (salt-ssh's --max-procs).
	MaxProcs int
	// Refresh ignores cached grains.
	Refresh bool
	// Target turns a roster host into connection settings.
	Target func(h *roster.Host) connect.Target
	// Trace, when set, is told each network step per host (dial, exec,
	// upload) with its duration: the round trips a run costs. It never sees
	// secrets or payloads.
	Trace func(id, step string, d time.Duration)
}

// Run runs job on hosts, calling emit as each host finishes (serialised),
// and returns all results in roster order.
func (r *Runner) Run(ctx context.Context, hosts []*roster.Host, job Job, emit func(report.HostReturn)) []report.HostReturn {
	n := r.MaxProcs
	if n <= 0 {
		n = 25
	}
	results := make([]report.HostReturn, len(hosts))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, h := range hosts {
		wg.Add(1)
		go func(i int, h *roster.Host) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] = report.HostReturn{ID: h.ID, Fun: job.Fun, Unreachable: true, Retcode: 255, Error: "cancelled: " + ctx.Err().Error()}
				return
			}
			start := time.Now()
			res := job.finish(r.one(ctx, h, job), h.ID, start)
			<-sem
			results[i] = res
			if emit != nil {
				mu.Lock()
				emit(res)
				mu.Unlock()
			}
		}(i, h)
	}
	wg.Wait()
	return results
}

// one runs the job on one host; every failure becomes the host's result.
func (r *Runner) one(ctx context.Context, h *roster.Host, job Job) report.HostReturn {
	t := r.Target(h)
	t0 := time.Now()
	c, err := r.Dialer.Dial(ctx, t)
	r.trace(h.ID, "dial "+t.Addr(), t0)
	if err != nil {
		return report.HostReturn{Unreachable: true, Retcode: 255, Error: err.Error()}
	}
	defer c.Close()
	hs := &hostSession{r: r, h: h, c: c, addr: t.Addr(), password: t.Auth.Password}
	if job.Raw {
		return hs.raw(ctx, strings.Join(job.Args, " "))
	}
	if job.Compile == nil && job.Show == nil {
		return hs.call(ctx, job, nil)
	}
	g, err := hs.grains(ctx)
	if err != nil {
		return report.HostReturn{Retcode: 1, Error: err.Error()}
	}
	if job.Show != nil {
		ret, err := job.Show(ctx, h.ID, g)
		if err != nil {
			return report.HostReturn{Retcode: 1, Error: err.Error()}
		}
		return report.HostReturn{Return: ret}
	}
	b, err := job.Compile(ctx, h.ID, g)
	if err != nil {
		return report.HostReturn{Retcode: 1, Error: err.Error()}
	}
	return hs.call(ctx, job, b)
}

func (r *Runner) trace(id, step string, start time.Time) {
	if r.Trace != nil {
		r.Trace(id, step, time.Since(start))
	}
}

// hostSession is one host's connection and what we learnt about it.
type hostSession struct {
	r        *Runner
	h        *roster.Host
	c        *connect.Client
	addr     string
	password string
	cache    *HostCache
}

func (hs *hostSession) thinDir() string {
	if hs.h.ThinDir != "" {
		return hs.h.ThinDir
	}
	u := hs.h.User
	if u == "" {
		u = "root"
	}
	return "/var/tmp/.brine_" + u
}

func (hs *hostSession) loadCache() *HostCache {
	if hs.cache == nil {
		if c, ok := hs.r.Cache.Load(hs.h.ID, hs.addr); ok {
			hs.cache = c
		} else {
			hs.cache = &HostCache{Addr: hs.addr}
		}
	}
	return hs.cache
}

// grains returns the host's grains from the cache, or asks the executor.
func (hs *hostSession) grains(ctx context.Context) (map[string]any, error) {
	hc := hs.loadCache()
	if hs.r.Refresh || hc.Grains == nil {
		resp, err := hs.exec(ctx, &wire.Request{Fun: "grains.items"}, nil)
		if err != nil {
			return nil, err
		}
		if resp.Error != "" {
			return nil, fmt.Errorf("collecting grains: %s", resp.Error)
		}
	}
	// Collected grains (cached), roster grains on top, as the executor does.
	g := make(map[string]any, len(hc.Grains)+len(hs.h.Grains))
	for k, v := range hc.Grains {
		g[k] = v
	}
	for k, v := range hs.h.Grains {
		g[k] = v
	}
	g["id"] = hs.h.ID
	return g, nil
}

// call runs a function through the executor.
func (hs *hostSession) call(ctx context.Context, job Job, b *lowstate.Bundle) report.HostReturn {
	req := &wire.Request{Fun: job.Fun, Args: job.Args, Kwargs: job.Kwargs, Test: job.Test, Failhard: job.Failhard,
		LockTimeout: job.LockTimeout.Seconds()}
	var data []byte
	if b != nil {
		var err error
		data, req.BundleSHA, err = bundle.Pack(b)
		if err != nil {
			return report.HostReturn{Retcode: 1, Error: err.Error()}
		}
		req.BundleSize = int64(len(data))
	}
	resp, err := hs.exec(ctx, req, data)
	if err != nil {
		return report.HostReturn{Retcode: 1, Error: err.Error()}
	}
	return fromResponse(resp)
}

// exec sends req to the cached executor, uploading it first when the host
// lacks it. It records the host's grains and executor in the cache.
func (hs *hostSession) exec(ctx context.Context, req *wire.Request, data []byte) (*wire.Response, error) {
	hc := hs.loadCache()
	req.ID = hs.h.ID
	req.Grains = hs.h.Grains
	cands, err := hs.candidates(ctx, hc)
	if err != nil {
		return nil, err
	}
	// A large bundle is only sent once we know the executor is there.
	if len(data) > 0 && (len(cands) != 1 || hc.ExecSHA != cands[0].SHA) {
		arch, err := hs.probe(ctx, cands)
		if err != nil {
			return nil, err
		}
		if arch != "" {
			if cands, err = hs.upload(ctx, arch); err != nil {
				return nil, err
			}
		}
	}
	uploads := 0
	for {
		var stdin bytes.Buffer
		// The executor checks its own bytes against its name until this
		// host has run it once (after an upload, or when the cache cannot
		// vouch for it); a confirmed executor skips the ~10 ms hash.
		req.ExecSHA = ""
		if len(cands) == 1 && hc.ExecSHA != cands[0].SHA {
			req.ExecSHA = cands[0].SHA
		}
		if err := wire.WriteRequest(&stdin, req, data); err != nil {
			return nil, err
		}
		t0 := time.Now()
		out, status, err := hs.remote(ctx, runScript(hs.thinDir(), shas(cands), hs.sudo(), hs.sudoPassword() != ""), stdin.Bytes())
		hs.r.trace(hs.h.ID, fmt.Sprintf("exec %s (%d bytes in, %d out)", req.Fun, stdin.Len(), len(out)), t0)
		if (status == executorCorrupt || status == 126 || status == 127) && uploads == 0 {
			// The cached executor does not match its name (it says so and
			// removes itself) or cannot even start (126, 127): remove it, and the next
			// exec reports it missing and uploads it again.
			_, _, _, _ = hs.c.Run(ctx, removeScript(hs.thinDir(), shas(cands)), nil)
			hc.ExecSHA = ""
			uploads++
			continue
		}
		if err != nil {
			return nil, err
		}
		if m, ok := strings.CutPrefix(strings.TrimSpace(string(out)), markMissing); ok {
			if uploads >= 2 {
				return nil, fmt.Errorf("executor still missing from %s after uploading it", hs.thinDir())
			}
			arch := payload.ArchFromUname(m)
			if arch == "" {
				return nil, fmt.Errorf("no executor for this host's architecture %q (brine ships %s)", strings.TrimSpace(m), strings.Join(payload.Arches(), ", "))
			}
			if cands, err = hs.upload(ctx, arch); err != nil {
				return nil, err
			}
			uploads++
			continue
		}
		resp, perr := parseResponse(out)
		if perr != nil {
			return nil, fmt.Errorf("executor (exit %d): %w", status, perr)
		}
		if resp.Grains != nil {
			hc.Grains = resp.Grains
			if len(cands) == 1 {
				hc.ExecSHA = cands[0].SHA
			} else if a := payload.ArchFromUname(fmt.Sprint(resp.Grains["cpuarch"])); a != "" {
				if e, err := hs.r.Store.Get(ctx, a); err == nil {
					hc.ExecSHA = e.SHA
				}
			}
			_ = hs.r.Cache.Save(hs.h.ID, hc)
		}
		return resp, nil
	}
}

// candidates are the executors the host may have: the one for its known
// architecture, or all of them on first contact.
func (hs *hostSession) candidates(ctx context.Context, hc *HostCache) ([]*payload.Executor, error) {
	if hc.Grains != nil {
		if a := payload.ArchFromUname(fmt.Sprint(hc.Grains["cpuarch"])); a != "" {
			e, err := hs.r.Store.Get(ctx, a)
			if err != nil {
				return nil, err
			}
			return []*payload.Executor{e}, nil
		}
	}
	if ready := hs.r.Store.Ready(ctx); len(ready) > 0 {
		return ready, nil
	}
	// Nothing prebuilt: build the controller's own arch, the likeliest guess;
	// a host that reports another arch gets its executor built on demand.
	e, err := hs.r.Store.Get(ctx, runtime.GOARCH)
	if err != nil {
		return nil, err
	}
	return []*payload.Executor{e}, nil
}

func shas(es []*payload.Executor) []string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.SHA
	}
	return s
}

// probe checks for a cached executor without running it; it returns the
// host's arch when the executor is missing.
func (hs *hostSession) probe(ctx context.Context, cands []*payload.Executor) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "d=%s; ", quote(hs.thinDir()))
	for _, e := range cands {
		fmt.Fprintf(&b, "[ -x \"$d/brine-exec-%s\" ] && exit 0; ", e.SHA)
	}
	fmt.Fprintf(&b, "echo \"%s $(uname -m)\"", markMissing)
	t0 := time.Now()
	out, _, _, err := hs.c.Run(ctx, b.String(), nil)
	hs.r.trace(hs.h.ID, "exec probe", t0)
	if err != nil {
		return "", err
	}
	m, ok := strings.CutPrefix(strings.TrimSpace(string(out)), markMissing)
	if !ok {
		return "", nil
	}
	arch := payload.ArchFromUname(m)
	if arch == "" {
		return "", fmt.Errorf("no executor for this host's architecture %q", strings.TrimSpace(m))
	}
	return arch, nil
}

// upload copies the executor for arch into the thin dir: by SFTP when the
// server offers it, otherwise streamed through an exec channel.
func (hs *hostSession) upload(ctx context.Context, arch string) ([]*payload.Executor, error) {
	e, err := hs.r.Store.Get(ctx, arch)
	if err != nil {
		return nil, err
	}
	data, err := e.Data()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	defer func() { hs.r.trace(hs.h.ID, fmt.Sprintf("upload executor %s (%d bytes)", e.SHA[:12], len(data)), t0) }()
	if err := uploadSFTP(hs.c, hs.thinDir(), e.SHA, data); err != nil {
		if !errors.Is(err, errNoSFTP) {
			return nil, fmt.Errorf("upload executor: %w", err)
		}
		_, stderr, status, err := hs.c.Run(ctx, uploadScript(hs.thinDir(), e.SHA), data)
		if err != nil {
			return nil, fmt.Errorf("upload executor: %w", err)
		}
		if status != 0 {
			return nil, fmt.Errorf("upload executor to %s: exit %d: %s", hs.thinDir(), status, strings.TrimSpace(string(stderr)))
		}
	}
	// The cache records the executor only once it has answered (and so
	// verified itself); see exec.
	return []*payload.Executor{e}, nil
}

func (hs *hostSession) sudo() string {
	return sudoPrefix(hs.h.Sudo, hs.h.SudoUser, hs.sudoPassword() != "")
}

func (hs *hostSession) sudoPassword() string {
	if !hs.h.Sudo {
		return ""
	}
	return hs.password
}

// remote runs a command line; when sudo needs a password it answers the
// prompt first and only then sends stdin, so the password goes to sudo and
// never to the command, argv or any log.
func (hs *hostSession) remote(ctx context.Context, cmd string, stdin []byte) ([]byte, int, error) {
	pw := hs.sudoPassword()
	if pw == "" {
		out, stderr, status, err := hs.c.Run(ctx, cmd, stdin)
		if err != nil {
			return nil, status, err
		}
		if status != 0 && len(bytes.TrimSpace(out)) == 0 {
			return nil, status, remoteFailure(status, stderr, hs.h.Sudo)
		}
		return out, status, nil
	}
	return hs.remoteSudo(ctx, cmd, stdin, pw)
}

func remoteFailure(status int, stderr []byte, sudo bool) error {
	msg := strings.TrimSpace(string(stderr))
	if sudo && strings.Contains(msg, "password is required") {
		return fmt.Errorf("sudo needs a password on this host: set passwd in the roster or pass --passwd/--askpass (sudo said: %s)", msg)
	}
	if msg == "" {
		msg = "no output"
	}
	return fmt.Errorf("remote command exited %d: %s", status, msg)
}

// remoteSudo drives a `sudo -S` command: it watches stderr for our prompt
// marker and stdout for the executor's ready line.
func (hs *hostSession) remoteSudo(ctx context.Context, cmd string, stdin []byte, pw string) ([]byte, int, error) {
	events := make(chan string, 4)
	stdout := &markWriter{marks: []string{wire.Ready, markMissing}, events: events}
	stderr := &markWriter{marks: []string{markPrompt}, events: events, strip: true}
	s, w, err := hs.c.StdinPipe(cmd, stdout, stderr)
	if err != nil {
		return nil, -1, err
	}
	done := make(chan error, 1)
	go func() { done <- s.Wait(ctx) }()
	prompts := 0
	var werr error
loop:
	for {
		select {
		case ev := <-events:
			switch ev {
			case markPrompt:
				prompts++
				if prompts > 1 {
					w.Close()
					<-done
					return nil, -1, errors.New("sudo: the password was refused (check passwd in the roster or --passwd)")
				}
				_, werr = io.WriteString(w, pw+"\n")
			case wire.Ready:
				_, werr = w.Write(stdin)
				w.Close()
			case markMissing:
				w.Close()
			}
			if werr != nil {
				break loop
			}
		case err := <-done:
			w.Close()
			out := stdout.bytes()
			var ee *connect.ExitError
			status := 0
			if errors.As(err, &ee) {
				status = ee.Status
			} else if err != nil {
				return nil, -1, err
			}
			if status != 0 && len(bytes.TrimSpace(out)) == 0 {
				return nil, status, remoteFailure(status, stderr.bytes(), true)
			}
			return out, status, nil
		}
	}
	w.Close()
	err = <-done
	return nil, -1, fmt.Errorf("sudo session: %v (%v)", werr, err)
}

// markWriter collects output and reports each marker the first time a line
// (or, for prompts, any text) contains it.
type markWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marks  []string
	seen   map[string]int
	events chan string
	strip  bool
}

func (m *markWriter) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf.Write(p)
	if m.seen == nil {
		m.seen = map[string]int{}
	}
	for _, mk := range m.marks {
		n := strings.Count(m.buf.String(), mk)
		for m.seen[mk] < n {
			m.seen[mk]++
			m.events <- mk
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

// parseResponse finds the JSON response in the executor's stdout.
func parseResponse(out []byte) (*wire.Response, error) {
	s := strings.TrimSpace(string(out))
	s = strings.TrimSpace(strings.TrimPrefix(s, wire.Ready))
	if s == "" {
		return nil, errors.New("no answer")
	}
	var r wire.Response
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		return nil, fmt.Errorf("unreadable answer %q: %w", s, err)
	}
	return &r, nil
}

// raw runs a shell command without the executor (salt-ssh -r).
func (hs *hostSession) raw(ctx context.Context, cmd string) report.HostReturn {
	line := cmd
	if hs.h.Sudo {
		line = hs.sudo() + "/bin/sh -c " + quote(cmd)
	}
	var stdout, stderr []byte
	var status int
	var err error
	defer func(t0 time.Time) { hs.r.trace(hs.h.ID, "exec raw", t0) }(time.Now())
	if pw := hs.sudoPassword(); pw != "" {
		// sudo reads the password from stdin before the command starts.
		stdout, stderr, status, err = hs.c.Run(ctx, strings.Replace(line, "-p "+quote(markPrompt), "-p ''", 1), []byte(pw+"\n"))
	} else {
		stdout, stderr, status, err = hs.c.Run(ctx, line, nil)
	}
	if err != nil {
		return report.HostReturn{Retcode: 255, Error: err.Error()}
	}
	return report.HostReturn{Retcode: status, Return: map[string]any{
		"stdout": strings.TrimRight(string(stdout), "\n"), "stderr": strings.TrimRight(string(stderr), "\n"), "retcode": status,
	}}
}

// fromResponse turns an executor response into a host result.
func fromResponse(resp *wire.Response) report.HostReturn {
	out := report.HostReturn{Retcode: resp.Retcode, Error: resp.Error}
	if len(resp.Return) > 0 && string(resp.Return) != "null" {
		var v any
		if err := json.Unmarshal(resp.Return, &v); err != nil {
			return report.HostReturn{Retcode: 1, Error: "decode executor return: " + err.Error()}
		}
		out.Return = v
	}
	return out
}
