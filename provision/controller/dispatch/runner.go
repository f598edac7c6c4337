// Package dispatch is the controller's run loop: for each targeted host it
// opens one connection (SSH, or this machine for --local), makes sure the
// executor is cached there, sends it the request (and the compiled bundle)
// and gathers its JSON answer. Hosts run in parallel, bounded by MaxProcs
// and admitted by a Gate; a failing host is a result, never a crash.
//
// Every wait is bounded: the connect and handshake by the dialer's timeout,
// uploads by an idle timeout (no byte moving for Timeout), the executor's
// session by SSH keepalives and RunTimeout, and an interruption (ctx) by a
// Stop sent to each host and, Grace later, closing its connection.
package dispatch

import (
	"context"
	"runtime"
	"sync"
	"time"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
	"brine/provision/controller/executorbin"
	"brine/provision/controller/result"
	"brine/provision/wire/bundle"
)

// Connector opens the connection to a roster host.
type Connector interface {
	// Addr is where h is reached (host:port, or "local"); the controller's
	// cache entry for h belongs to it.
	Addr(h *roster.Host) string
	// Dial connects to h.
	Dial(ctx context.Context, h *roster.Host) (connect.Conn, error)
}

// SSH connects to hosts over SSH.
type SSH struct {
	Dialer *connect.Dialer
	// Target turns a roster host into connection settings.
	Target func(h *roster.Host) connect.Target
}

// Addr is the host's host:port.
func (s SSH) Addr(h *roster.Host) string { return s.Target(h).Addr() }

// Dial opens the host's one SSH connection.
func (s SSH) Dial(ctx context.Context, h *roster.Host) (connect.Conn, error) {
	return s.Dialer.Dial(ctx, s.Target(h))
}

// Local runs on this machine (--local).
type Local struct{}

// Addr is "local".
func (Local) Addr(*roster.Host) string { return "local" }

// Dial returns a connection to this machine.
func (Local) Dial(context.Context, *roster.Host) (connect.Conn, error) { return &connect.Local{}, nil }

// Runner runs jobs on roster hosts.
type Runner struct {
	Connector Connector
	Store     *executorbin.Store
	Cache     Cache
	// MaxProcs bounds the hosts in flight (salt-ssh's --max-procs).
	MaxProcs int
	// Refresh ignores cached grains.
	Refresh bool
	// Timeout bounds the short steps (probe, the sftp subsystem's start,
	// sudo's prompt) and how long an upload may go without a byte moving
	// (--timeout; default 10 s).
	Timeout time.Duration
	// RunTimeout, when set, bounds each host's whole run: when it passes the
	// host is told to stop, and reported timed out (--run-timeout).
	RunTimeout time.Duration
	// Grace is how long a host has to answer after a stop (interruption or
	// RunTimeout) before its connection is closed (default 5 s).
	Grace time.Duration
	// MaxAnswer bounds what a host may send in one answer (the executor's
	// stdout, a raw command's stdout), MaxStderr what it may print on
	// stderr (default connect.DefaultMaxAnswer, 64 MiB, and
	// connect.DefaultMaxStderr, 1 MiB): past either, that host fails with
	// "answer too large" and its connection is closed. MaxOutput is the
	// executor's bound on each command's stdout and stderr (head and tail
	// kept; default 16 MiB, see wire.Request.MaxOutput).
	MaxAnswer, MaxStderr, MaxOutput int64
	// Forwards are remote port forwards (ssh -R) each host's connection
	// holds open for its run; a host that refuses one gets a note.
	Forwards []connect.Forward
	// Gate admits hosts (batches, --max-fail); nil admits every host.
	Gate Gate
	// Observer, when set, is told each host's start and finish, one call
	// at a time.
	Observer Observer
	// Trace, when set, is told each network step per host (dial, exec,
	// upload) with its duration: the round trips a run costs. It never sees
	// secrets or payloads.
	Trace func(id, step string, d time.Duration)

	packer bundle.Packer
}

func (r *Runner) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return 10 * time.Second
}

func (r *Runner) maxAnswer() int64 {
	if r.MaxAnswer > 0 {
		return r.MaxAnswer
	}
	return connect.DefaultMaxAnswer
}

func (r *Runner) maxStderr() int64 {
	if r.MaxStderr > 0 {
		return r.MaxStderr
	}
	return connect.DefaultMaxStderr
}

func (r *Runner) grace() time.Duration {
	if r.Grace > 0 {
		return r.Grace
	}
	return 5 * time.Second
}

// Run runs job on hosts and returns their results in the given order. Hosts
// start in order as MaxProcs and the Gate allow. When ctx ends (the
// operator interrupted the run), hosts in flight are told to stop and hosts
// not started are reported not run; Run returns once every host has its
// result, at most Grace after ctx ends.
func (r *Runner) Run(ctx context.Context, hosts []*roster.Host, job Job) []result.HostReturn {
	n := r.MaxProcs
	if n <= 0 {
		n = 25
	}
	results := make([]result.HostReturn, len(hosts))
	var mu sync.Mutex
	started := func(id string) {
		if r.Observer != nil {
			mu.Lock()
			defer mu.Unlock()
			r.Observer.Started(id, time.Now())
		}
	}
	finished := func(res result.HostReturn) {
		if r.Observer != nil {
			mu.Lock()
			defer mu.Unlock()
			r.Observer.Finished(res)
		}
	}
	notRun := func(i int, why string) {
		res := result.HostReturn{ID: hosts[i].ID, Fun: job.Fun, Failure: result.NotRun, Retcode: 1, Error: "not run: " + why}
		results[i] = res
		finished(res)
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, h := range hosts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			for j := i; j < len(hosts); j++ {
				notRun(j, "the run was interrupted")
			}
			break
		}
		if r.Gate != nil {
			if why := r.Gate.Admit(ctx, h.ID); why != "" || ctx.Err() != nil {
				<-sem
				if why == "" {
					why = "the run was interrupted"
				}
				for j := i; j < len(hosts); j++ {
					notRun(j, why)
				}
				break
			}
		}
		started(h.ID)
		wg.Add(1)
		go func(i int, h *roster.Host) {
			defer wg.Done()
			start := time.Now()
			res := job.finish(r.one(ctx, h, job), h.ID, start)
			results[i] = res
			if r.Gate != nil {
				r.Gate.Done(res)
			}
			finished(res)
			<-sem
		}(i, h)
	}
	wg.Wait()
	return results
}

func (r *Runner) trace(id, step string, start time.Time) {
	if r.Trace != nil {
		r.Trace(id, step, time.Since(start))
	}
}

// candidates are the executors the host may have: the one for its known
// architecture, or all of them on first contact.
func (r *Runner) candidates(ctx context.Context, hc *HostCache) ([]*executorbin.Executor, error) {
	if hc.Grains != nil {
		if a := executorbin.ArchFromUname(str(hc.Grains["cpuarch"])); a != "" {
			e, err := r.Store.Get(ctx, a)
			if err != nil {
				return nil, err
			}
			return []*executorbin.Executor{e}, nil
		}
	}
	if ready := r.Store.Ready(ctx); len(ready) > 0 {
		return ready, nil
	}
	// Nothing prebuilt: build the controller's own arch, the likeliest
	// guess; a host that reports another arch gets its own built on demand.
	e, err := r.Store.Get(ctx, runtime.GOARCH)
	if err != nil {
		return nil, err
	}
	return []*executorbin.Executor{e}, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
