package dispatch

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"brine/provision/controller/connect"
	"brine/provision/controller/result"
	"brine/provision/lib/shquote"
)

// maxPreFlight bounds an ssh_pre_flight script brine sends to a host.
const maxPreFlight = 1 << 20

// markPreFlightSkip says the thin dir exists, so the script did not run.
const markPreFlightSkip = "BRINE-PRE-FLIGHT-SKIPPED"

// preFlight runs the host's roster ssh_pre_flight script, as salt-ssh
// does before anything else: when the host's thin dir does not exist yet
// (first contact, after -w), or always with Job.PreFlight. It runs as the
// login user (no sudo), with /bin/sh, from a private temp file removed
// afterwards, in one exec (the check, the copy and the run). failed is
// true when the script failed: res is then the host's result. A script
// that cannot be read on the controller is a note, and the run goes on,
// as salt-ssh logs it and goes on.
func (hr *hostRun) preFlight() (res result.HostReturn, failed bool) {
	if hr.h.PreFlight == "" {
		return res, false
	}
	script, err := os.ReadFile(connect.ExpandHome(hr.h.PreFlight))
	if err == nil && len(script) > maxPreFlight {
		err = fmt.Errorf("larger than %d bytes", maxPreFlight)
	}
	if err != nil {
		hr.note(fmt.Sprintf("the ssh_pre_flight script %s cannot be read (%v): not run", hr.h.PreFlight, err))
		return res, false
	}
	var args []string
	for _, a := range hr.h.PreFlightArgs {
		args = append(args, shquote.Quote(a))
	}
	check := ""
	if !hr.job.PreFlight {
		check = fmt.Sprintf("if [ -d %s ]; then cat >/dev/null; echo %s; exit 0; fi\n", shquote.Quote(path.Clean(hr.thinDir())), markPreFlightSkip)
	}
	cmd := check + `umask 077
f=$(mktemp "${TMPDIR:-/tmp}/.brine-pre-flight.XXXXXXXX") || exit 1
cat > "$f" || { rm -f -- "$f"; exit 1; }
/bin/sh "$f"` + strings.Join(append([]string{""}, args...), " ") + ` </dev/null
rc=$?
rm -f -- "$f"
exit $rc
`
	t0 := time.Now()
	ctx, cancel := context.WithCancel(hr.hard)
	defer cancel()
	stdout, stderr, status, err := connect.RunLimited(ctx, hr.conn, cmd, script, hr.r.maxAnswer(), hr.r.maxStderr())
	hr.r.trace(hr.h.ID, "exec pre-flight", t0)
	if err != nil {
		return hr.errResult(hr.tooLarge(err)), true
	}
	if strings.TrimSpace(string(stdout)) == markPreFlightSkip {
		return res, false
	}
	if status != 0 {
		msg := strings.TrimSpace(string(stderr))
		if msg == "" {
			msg = strings.TrimSpace(string(stdout))
		}
		return result.HostReturn{Failure: result.ExecutorFailed, Retcode: status,
			Error: fmt.Sprintf("the ssh_pre_flight script %s failed (exit %d): %s", path.Base(hr.h.PreFlight), status, clip(msg, 2000))}, true
	}
	return res, false
}

// forward opens the run's remote port forwards on the host's connection
// (a forward the host refuses is a note); the returned func closes them.
func (hr *hostRun) forward() func() {
	if len(hr.r.Forwards) == 0 {
		return func() {}
	}
	fw, ok := hr.conn.(interface {
		Forward(connect.Forward, time.Duration) (func(), error)
	})
	if !ok {
		hr.note("remote port forwards need an SSH connection: none opened")
		return func() {}
	}
	var stops []func()
	for _, f := range hr.r.Forwards {
		stop, err := fw.Forward(f, hr.r.timeout())
		if err != nil {
			hr.note(err.Error())
			continue
		}
		stops = append(stops, stop)
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}
