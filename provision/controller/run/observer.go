package run

import (
	"context"
	"errors"
	"sync"
	"time"

	"brine/provision/controller/result"
)

// Observer watches a run: its plan, each host's start and result, and its
// end. It is the one seam for everything that follows a run without
// steering it (the progress meter, the printer, the job history); the
// rollout gate, which decides when hosts start, is not an observer. Run
// calls an observer one call at a time, so it needs no lock for what these
// calls share; a call should return soon, as the run waits for it.
type Observer interface {
	// Begin is told the run's plan once, before any host's result.
	Begin(p Plan)
	// Started is told that a host was admitted and its run begins.
	Started(id string, at time.Time)
	// Finished is told a host's result: exactly once for every host in
	// the plan, hosts that failed during targeting (before the run) and
	// hosts never started (Failure "not run") included.
	Finished(r result.HostReturn)
	// End is told the outcome once every host has its result. Observers
	// end in the order given to Run (the job history last); o.Err holds
	// the first error an earlier End returned. An error returned here
	// means the observer's part failed (the output could not be written):
	// it becomes the run's error.
	End(o Outcome) error
}

// Plan is what a run is about to do.
type Plan struct {
	// JID is the run's job id; "" for answers from the controller's
	// catalog. Recorded says whether the job history holds the run (it
	// may have failed to open: the run goes on unrecorded).
	JID      string
	Recorded bool
	// Fun is the function.
	Fun string
	// Hosts are the targeted hosts' ids, in the order Outcome.Hosts will
	// hold them; Index their roster positions.
	Hosts []string
	Index map[string]int
	// Concurrency is how many hosts can run at once: MaxProcs, or the
	// batch size when smaller.
	Concurrency int
	// Offline: the controller answers for every host; none is contacted.
	Offline bool
}

// Outcome is what a run did.
type Outcome struct {
	// JID is the run's job id ("" when the run was not recorded).
	JID string
	// Hosts are every targeted host's result: hosts that failed during
	// targeting first, then the others in target order.
	Hosts []result.HostReturn
	// Interrupted: the run's context ended before the run did (Ctrl-C);
	// InterruptCode is the exit code its cause asked for (see ExitCode).
	Interrupted   bool
	InterruptCode int
	// RetcodePassthrough: the exit code is the hosts' return codes (see
	// ExitCode).
	RetcodePassthrough bool
	// Err is the first error an observer's End returned.
	Err error
}

// ExitCode is brine's exit status for the outcome: 130 when the run was
// interrupted (or the code the interruption's cause gives, as 129 for
// SIGHUP), 20 when a host failed, was unreachable or was not run, else 0;
// with RetcodePassthrough instead the highest return code a host reported
// (1 for a failure without one), as salt-call exits with its function's;
// when an observer failed (the output could not be written) at least 1.
func (o Outcome) ExitCode() int {
	code := ExitOK
	switch {
	case o.Interrupted:
		code = ExitInterrupted
		if o.InterruptCode != 0 {
			code = o.InterruptCode
		}
	case o.RetcodePassthrough:
		for _, r := range o.Hosts {
			rc := r.Retcode
			if rc == 0 && r.Failed() {
				rc = 1
			}
			code = max(code, rc)
		}
	default:
		for _, r := range o.Hosts {
			if r.Failed() {
				code = ExitFailure
				break
			}
		}
	}
	if o.Err != nil {
		code = max(code, ExitError)
	}
	return code
}

// interruptCode is the exit code the cause of ctx's end asks for (0: the
// default), from its ExitCode method.
func interruptCode(ctx context.Context) int {
	var c interface{ ExitCode() int }
	if errors.As(context.Cause(ctx), &c) {
		return c.ExitCode()
	}
	return 0
}

// fanout is the one Observer the runner and Run talk to: it passes each
// call to every observer in order, one call at a time.
type fanout struct {
	mu  sync.Mutex
	obs []Observer
}

func (f *fanout) Begin(p Plan) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.obs {
		o.Begin(p)
	}
}

func (f *fanout) Started(id string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.obs {
		o.Started(id, at)
	}
}

func (f *fanout) Finished(r result.HostReturn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.obs {
		o.Finished(r)
	}
}

// End ends every observer in order and returns the outcome with the first
// error one returned.
func (f *fanout) End(out Outcome) Outcome {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.obs {
		if err := o.End(out); err != nil && out.Err == nil {
			out.Err = err
		}
	}
	return out
}
