package dispatch

import (
	"context"
	"errors"
	"time"

	"brine/provision/controller/result"
	"brine/provision/wire"
	"brine/provision/wire/lowstate"
)

// Job is what to run on every host.
type Job struct {
	Fun    string
	Args   []string
	Kwargs map[string]any
	// Call is an execution function's call with its arguments as the
	// command line gave them (Fun is its name).
	Call *wire.Call
	Test bool
	// Failhard stops a state run at the first failure.
	Failhard    bool
	LockTimeout time.Duration
	// Raw runs Args[0] with /bin/sh on the target, without the executor.
	Raw bool
	// Compile builds a host's bundle from its grains (state functions).
	// call is nil on the first try; when a template needs an answer from
	// the host it fails with an error wrapping ErrNeedsTarget, and the
	// runner compiles again inside the executor's session with call set.
	Compile func(ctx context.Context, id string, grains map[string]any, call Caller) (*lowstate.Bundle, error)
	// Show computes the return on the controller from the host's grains
	// (state.show_*); call works as for Compile.
	Show func(ctx context.Context, id string, grains map[string]any, call Caller) (any, error)
	// Secrets, when set, lists a host's secret values (pillar marked
	// secret); they are masked in its result before anything sees it.
	Secrets func(id string) []string
	// Wipe removes the executor and its thin dir from each host after the
	// run (salt-ssh's --wipe).
	Wipe bool
	// ThinSuffix, when set, runs each host from its own new thin dir,
	// the default one's name with _ThinSuffix (salt-ssh's -W, with Wipe);
	// a roster thin_dir still wins, as in salt-ssh.
	ThinSuffix string
	// PreFlight runs a host's roster ssh_pre_flight script even when its
	// thin dir exists (salt-ssh's --pre-flight).
	PreFlight bool
	// Controller names this run in the host lock (user@host, job id).
	Controller string
}

// Caller runs an execution module function on the host a template is
// being compiled for, through the executor's session.
type Caller func(ctx context.Context, fun string, args []any, kwargs map[string]any) (any, error)

// ErrNeedsTarget is wrapped by a Compile or Show error when a template
// called a function only the host can answer.
var ErrNeedsTarget = errors.New("a template needs answers from the host")

// finish stamps and redacts a host's result.
func (job Job) finish(res result.HostReturn, id string, start time.Time) result.HostReturn {
	res.ID, res.Fun, res.Duration = id, job.Fun, time.Since(start)
	if job.Secrets != nil {
		res = result.Redact(res, job.Secrets(id))
	}
	return res
}

// request is the wire request for the job.
func (job Job) request() *wire.Request {
	return &wire.Request{Fun: job.Fun, Call: job.Call, Test: job.Test, Failhard: job.Failhard,
		LockTimeout: job.LockTimeout.Seconds(), Wipe: job.Wipe, Controller: job.Controller}
}

// Observer is told each host's start and finish. The runner makes one call
// at a time, so an observer needs no lock of its own for what these calls
// share; a call should return soon, as the next host waits for it.
type Observer interface {
	// Started: the host was admitted and its run begins at t.
	Started(id string, t time.Time)
	// Finished: the host has its result. It is called exactly once for
	// each host Run is given, a host never started (Failure "not run")
	// included.
	Finished(r result.HostReturn)
}

// Gate decides when hosts may start: batches and --max-fail implement it
// (package rollout). Unlike an Observer it steers the run: the runner asks
// it before starting each host, in target order, and waits for its answer;
// it is told each started host's result.
type Gate interface {
	// Admit blocks until the host may start and returns "", or returns why
	// it must not start at all ("stopped after 3 failed hosts").
	Admit(ctx context.Context, id string) string
	// Done is told each started host's result.
	Done(r result.HostReturn)
}
