package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"brine/provision/controller/report"
	"brine/provision/controller/run"
)

// output is the chosen printer plus what --static needs. It is the run's
// printing observer: each host as it finishes (unless static), then the
// static document; the fleet recap and the hosts' notes go to stderr.
// Every write is checked: an output that could not be written is an error
// naming where it was going and where the results are instead.
type output struct {
	p      report.Printer
	w      *checked // stdout, or --out-file's file
	stdout io.Writer
	stderr io.Writer
	static bool
	human  bool
	recap  bool
	// verbose prints salt-ssh's "Executing job with jid" lines (-v).
	verbose bool
	opts    report.Options
	// meta is what a static json document carries besides the hosts.
	meta *report.Meta
	// file is --out-file's, nil for stdout.
	file *outFile
	// plan is the run's, once it began.
	plan run.Plan
	// around runs a host's printing (the progress line cleared around
	// it); nil prints directly.
	around func(print func())
}

// stateVerbose reads --state-verbose as Salt does: True or False.
func stateVerbose(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "1", "on":
		return true, nil
	case "false", "no", "0", "off":
		return false, nil
	}
	return false, usagef("--state-verbose %q: want True or False", s)
}

func newOutput(c *cli.Context, fun string, stdout, stderr io.Writer) (*output, error) {
	name := c.String("out")
	if name == "" {
		name = "nested"
		if report.IsStateFun(fun) {
			name = "highstate"
		}
	}
	w, file, err := outputWriter(c.String("out-file"), c.Bool("out-file-append"), stdout)
	if err != nil {
		return nil, err
	}
	verbose, err := stateVerbose(c.String("state-verbose"))
	if err != nil {
		return nil, err
	}
	stateOutput := c.String("state-output")
	if c.Bool("diff") {
		// Ansible's --diff: what changed, with its diff, and failures;
		// states that succeeded without changes are hidden.
		if !c.IsSet("state-output") {
			stateOutput = "changes"
		}
		if !c.IsSet("state-verbose") {
			verbose = false
		}
	}
	color := c.Bool("force-color") || (!c.Bool("no-color") && os.Getenv("NO_COLOR") == "" && isTerminal(w))
	meta := &report.Meta{}
	o := report.Options{Color: color, StateOutput: stateOutput, StateVerbose: verbose, Static: c.Bool("static")}
	if c.IsSet("out-indent") {
		n := c.Int("out-indent")
		o.Indent = &n
	}
	if c.Bool("out-meta") {
		// Off by default: a static document is then exactly salt-ssh's
		// {host_id: return}, which scripts iterate.
		o.Meta = meta
	}
	cw := newChecked(w, "stdout")
	if file != nil {
		cw.name = file.path
	}
	p, err := report.New(cw, name, o)
	if err != nil {
		return nil, run.UsageError{Err: err}
	}
	human := name == "highstate" || name == "nested" || name == "txt"
	return &output{p: p, w: cw, stdout: stdout, stderr: stderr, static: o.Static, human: human, recap: !c.Bool("no-recap"),
		verbose: c.Count("verbose") > 0, opts: o, meta: meta, file: file}, nil
}

// open opens --out-file before the run, so an output that cannot be
// written stops the run before anything is applied.
func (o *output) open() error {
	if o.file == nil {
		return nil
	}
	return o.file.open()
}

// discard drops an --out-file that was opened and never completed.
func (o *output) discard() {
	if o.file != nil && !o.file.done {
		o.file.abort()
	}
}

// Begin keeps the plan; with -v it prints salt-ssh's job id lines.
func (o *output) Begin(p run.Plan) {
	o.plan = p
	if o.verbose && p.JID != "" {
		// salt-ssh prints these with print(): on stdout, whatever the
		// outputter or --out-file.
		msg := "Executing job with jid " + p.JID
		fmt.Fprintf(o.stdout, "%s\n%s\n\n\n", msg, strings.Repeat("-", len(msg)))
	}
	o.meta.JID, o.meta.Index = p.JID, p.Index
}

func (o *output) Started(string, time.Time) {}

// Finished prints a host as it finishes (nothing with --static). A failed
// write is kept by the writer and reported at the end: the run goes on.
func (o *output) Finished(r report.HostReturn) {
	if o.static {
		return
	}
	if o.around == nil {
		o.p.Host(r)
		return
	}
	o.around(func() { o.p.Host(r) })
}

// End prints the end of the output.
func (o *output) End(out run.Outcome) error { return o.finish(out.Hosts) }

// finish prints the static document (with --static), the recap (human
// outputs, more than one host; on stderr) and the hosts' notes (stderr),
// and completes --out-file. A write that failed (other than to a reader
// that went away) is the error returned, saying where the results are.
func (o *output) finish(all []report.HostReturn) error {
	o.p.Finish(all)
	if o.human && o.recap && len(all) > 1 {
		report.Recap(o.stderr, all, report.Options{Color: o.opts.Color && isTerminal(o.stderr)})
	}
	for _, r := range all {
		for _, n := range r.Notes {
			fmt.Fprintf(o.stderr, "brine: note: %s: %s\n", r.ID, n)
		}
	}
	err := o.w.failed()
	if o.file != nil {
		if err != nil {
			o.file.abort()
		} else {
			err = o.file.commit()
		}
	}
	if err == nil {
		return nil
	}
	where := "stdout"
	if o.file != nil {
		where = o.file.path
	}
	msg := fmt.Sprintf("the output could not be written to %s: %v", where, unwrapPath(err))
	switch {
	case o.plan.JID != "" && o.plan.Recorded:
		msg += fmt.Sprintf("; the results are in the job history: brine jobs.lookup_jid %s", o.plan.JID)
	case o.plan.JID != "":
		msg += fmt.Sprintf(" (job %s, not recorded in the job history)", o.plan.JID)
	}
	return errors.New(msg)
}

// unwrapPath drops an *os.PathError's op and path (the message names the
// file already).
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// replay prints hosts already finished (streamed, as they finished) and
// the end of the output for all, as a run would have.
func (o *output) replay(streamed, all []report.HostReturn) error {
	if err := o.open(); err != nil {
		return err
	}
	defer o.discard()
	for _, h := range streamed {
		o.Finished(h)
	}
	return o.finish(all)
}
