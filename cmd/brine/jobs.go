package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"brine/provision/controller/dispatch"
	"brine/provision/controller/history"
	"brine/provision/controller/report"
	"brine/provision/controller/run"
)

// runner answers a runner function (run.RunnerFun) on the controller.
type runner func(c *cli.Context, args []string, stdout, stderr io.Writer) error

// runnerFor is the runner function called name: Salt's jobs runner
// functions brine has.
func runnerFor(name string) (runner, bool) {
	switch name {
	case "jobs.list_jobs":
		return listJobs, true
	case "jobs.list_job":
		return listJob, true
	case "jobs.lookup_jid":
		return lookupJID, true
	case "jobs.merge":
		return mergeJobs, true
	}
	return nil, false
}

// openHistory opens the job history in the cache directory for reading
// only: jobs.* work on a database this user cannot write, and change
// nothing.
func openHistory(c *cli.Context) (*history.DB, error) {
	dir := c.String("cache-dir")
	if dir == "" {
		dir = dispatch.DefaultCacheDir()
	}
	return history.OpenReadOnly(c.Context, history.Path(dir))
}

// listJobs is jobs.list_jobs: {jid: {Function, Arguments, Target,
// Target-type, User, StartTime}} as Salt's format_jid_instance, plus
// EndTime once the job has ended (Salt's list_job key).
func listJobs(c *cli.Context, args []string, stdout, stderr io.Writer) error {
	pos, kw := run.SplitArgs(args)
	f, err := history.ParseFilter(pos, kw, c.Int("max-jobs"))
	if err != nil {
		return run.UsageError{Err: err}
	}
	db, err := openHistory(c)
	if err != nil {
		return err
	}
	defer db.Close()
	jobs, err := history.ListJobs(c.Context, db, f)
	if err != nil {
		return err
	}
	var rows []report.HostReturn
	for _, j := range jobs {
		rows = append(rows, report.HostReturn{ID: j.JID, Fun: "jobs.list_jobs", Return: j.Load()})
	}
	return printRunnerDoc(c, stdout, stderr, rows)
}

// listJob is jobs.list_job: one job's load (as list_jobs), its EndTime,
// Minions (the targeted hosts), TreeHash and Result ({host: {return,
// retcode, success}}, as Salt's job cache returns it).
func listJob(c *cli.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		return usagef("jobs.list_job takes one JID, e.g. brine jobs.list_job last")
	}
	rp, err := lookup(c, args[0])
	if err != nil {
		return err
	}
	v := history.Detail(rp.Job, rp.All, report.Data)
	return printRunnerDoc(c, stdout, stderr, []report.HostReturn{{ID: rp.Job.JID, Fun: "jobs.list_job", Return: v}})
}

// lookup reads the job arg names (a JID, or last) from the history.
func lookup(c *cli.Context, arg string) (*history.Replay, error) {
	db, err := openHistory(c)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	jid, err := run.ResolveJID(c.Context, db, arg)
	if err != nil {
		return nil, err
	}
	rp, err := history.Lookup(c.Context, db, jid)
	if errors.Is(err, history.ErrNotFound) {
		return nil, run.UsageError{Err: err}
	}
	return rp, err
}

// printRunnerDoc prints a runner's return as one document (as Salt
// prints a runner's return), nested by default.
func printRunnerDoc(c *cli.Context, stdout, stderr io.Writer, rows []report.HostReturn) error {
	out, err := newOutput(c, "jobs.list_jobs", stdout, stderr)
	if err != nil {
		return err
	}
	name := c.String("out")
	if name == "" {
		name = "nested"
	}
	opts := out.opts
	opts.Static, opts.Meta = true, nil
	p, err := report.New(out.w, name, opts)
	if err != nil {
		return run.UsageError{Err: err}
	}
	out.p, out.static, out.human = p, true, false
	return out.replay(nil, rows)
}

// lookupJID is jobs.lookup_jid: the stored job printed as its run printed
// it, in any outputter. Its exit code is the run's (0, 20, or 130 when it
// was interrupted); for a run that never ended (killed), 20 when a host
// failed or has no result.
func lookupJID(c *cli.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		return usagef("jobs.lookup_jid takes one JID, e.g. brine jobs.lookup_jid last")
	}
	rp, err := lookup(c, args[0])
	if err != nil {
		return err
	}
	jid := rp.Job.JID
	out, err := newOutput(c, rp.Job.Fun, stdout, stderr)
	if err != nil {
		return err
	}
	out.meta.JID, out.meta.Index = rp.Job.JID, rp.Index
	if !rp.Ended() {
		fmt.Fprintf(stderr, "brine: job %s has no end: it was killed, or is still running\n", jid)
	}
	if len(rp.Missing) > 0 {
		fmt.Fprintf(stderr, "brine: job %s: %d targeted hosts have no result: %s\n", jid, len(rp.Missing), strings.Join(rp.Missing, ", "))
	}
	if err := out.replay(rp.Streamed, rp.All); err != nil {
		return err
	}
	switch {
	case rp.Ended():
		return status(rp.Job.ExitCode)
	case len(rp.Missing) > 0:
		return status(run.ExitFailure)
	}
	return status(run.Outcome{Hosts: rp.All, Interrupted: c.Context.Err() != nil}.ExitCode())
}

// mergeJobs is jobs.merge: the `--out json --static` outputs of several
// runs over one roster (shards) as one result, in roster order, with one
// fleet recap and the aggregate exit code.
func mergeJobs(c *cli.Context, files []string, stdout, stderr io.Writer) error {
	docs := make([]*report.Document, len(files))
	for i, f := range files {
		doc, err := readDocument(c, f)
		if err != nil {
			return usagef("jobs.merge: %s: %v", f, err)
		}
		if !doc.Complete {
			fmt.Fprintf(stderr, "brine: warning: jobs.merge: %s has no brine metadata (not from brine --out json --static?): durations are unknown and retcodes inferred\n", f)
		}
		docs[i] = doc
	}
	merged, fun, err := report.Merge(docs, files)
	if err != nil {
		return usagef("jobs.merge: %v", err)
	}
	out, err := newOutput(c, fun, stdout, stderr)
	if err != nil {
		return err
	}
	out.meta.Index = merged.Index
	if err := out.replay(merged.Hosts, merged.Hosts); err != nil {
		return err
	}
	return status(run.Outcome{Hosts: merged.Hosts, Interrupted: c.Context.Err() != nil}.ExitCode())
}

// readDocument reads one jobs.merge input ("-" is stdin).
func readDocument(c *cli.Context, name string) (*report.Document, error) {
	if name == "-" {
		return report.ReadDocument(c.App.Reader)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return report.ReadDocument(f)
}
