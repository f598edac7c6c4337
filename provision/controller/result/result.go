// Package result is what a run produces for each host: the return, the exit
// status and, when the host's run did not complete, why (a Failure class the
// outputters turn into a heading). It also masks secret values. It holds no
// presentation: the runner fills it in, package report prints it.
package result

import "time"

// Failure classes: why a host has no complete return. The empty string
// means the function ran to its end (its own retcode says how it went).
const (
	// Unreachable: no connection or no login (DNS, refused, auth, host key).
	Unreachable = "unreachable"
	// ConnectionLost: the connection dropped or stopped answering mid-run.
	ConnectionLost = "connection lost"
	// Interrupted: the operator stopped the run (Ctrl-C, SIGTERM).
	Interrupted = "interrupted"
	// TimedOut: --run-timeout passed, or no byte moved for --timeout.
	TimedOut = "timed out"
	// UploadFailed: the executor could not be put on the host.
	UploadFailed = "upload failed"
	// CompileFailed: the state tree did not compile for this host.
	CompileFailed = "compile failed"
	// ExecutorFailed: the executor ran but gave no usable answer.
	ExecutorFailed = "executor failed"
	// NotRun: the host was never started (--max-fail, interruption).
	NotRun = "not run"
)

// HostReturn is one host's answer to a function call.
type HostReturn struct {
	// ID is the roster id of the host.
	ID string
	// Fun is the function that ran, e.g. "state.apply" or "test.ping".
	Fun string
	// Return is the decoded return: for state functions a map of tag to
	// result (lowstate.Results when typed, or decoded JSON), else any value.
	// States that ran before an interruption or a lost connection are kept.
	Return any
	// Retcode is the exit code the executor reported.
	Retcode int
	// Unreachable is true when the host could not be reached or run.
	Unreachable bool
	// Failure is one of the classes above when the run did not complete.
	Failure string `json:",omitempty"`
	// Error says what went wrong (may be multi-line: compile errors).
	Error string
	// Notes are things the operator should know that are not failures
	// (a stale host lock taken over).
	Notes []string `json:",omitempty"`
	// Duration is the wall time the host took.
	Duration time.Duration
}

// Failed reports whether the host counts against the run: unreachable, not
// complete, or a non-zero retcode.
func (r HostReturn) Failed() bool {
	return r.Unreachable || r.Failure != "" || r.Retcode != 0 || r.Error != ""
}
