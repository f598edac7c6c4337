package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"brine/provision/controller/report"
	"brine/provision/controller/run"
)

// output is the chosen printer plus what --static needs. It is the run's
// printing observer: each host as it finishes (unless static), then the
// static document, the recap and the hosts' notes.
type output struct {
	p      report.Printer
	w      io.Writer
	stderr io.Writer
	static bool
	human  bool
	opts   report.Options
	// meta is what a static json document carries besides the hosts.
	meta *report.Meta
	// file is --out-file's, nil for stdout.
	file *outFile
	// around runs a host's printing (the progress line cleared around
	// it); nil prints directly.
	around func(print func())
}

func newOutput(c *cli.Context, fun string, w, stderr io.Writer) (*output, error) {
	name := c.String("out")
	if name == "" {
		name = "nested"
		if report.IsStateFun(fun) {
			name = "highstate"
		}
	}
	w, file, err := outputWriter(c.String("out-file"), c.Bool("out-file-append"), w)
	if err != nil {
		return nil, err
	}
	color := c.Bool("force-color") || (!c.Bool("no-color") && os.Getenv("NO_COLOR") == "" && isTerminal(w))
	meta := &report.Meta{}
	o := report.Options{Color: color, StateOutput: c.String("state-output"), StateVerbose: c.Bool("state-verbose"), Static: c.Bool("static")}
	if c.Bool("out-meta") {
		// Off by default: a static document is then exactly salt-ssh's
		// {host_id: return}, which scripts iterate.
		o.Meta = meta
	}
	p, err := report.New(w, name, o)
	if err != nil {
		return nil, run.UsageError{Err: err}
	}
	human := name == "highstate" || name == "nested" || name == "txt"
	return &output{p: p, w: w, stderr: stderr, static: o.Static, human: human, opts: o, meta: meta, file: file}, nil
}

// Begin prints the run's jid on stderr and keeps it and the roster
// positions for the static document.
func (o *output) Begin(p run.Plan) {
	if p.JID != "" {
		fmt.Fprintf(o.stderr, "brine: jid %s\n", p.JID)
	}
	o.meta.JID, o.meta.Index = p.JID, p.Index
}

func (o *output) Started(string, time.Time) {}

// Finished prints a host as it finishes (nothing with --static).
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
// outputs, more than one host) and the hosts' notes on stderr, and
// completes --out-file.
func (o *output) finish(all []report.HostReturn) error {
	err := o.p.Finish(all)
	if err == nil {
		if o.human && len(all) > 1 {
			report.Recap(o.w, all, o.opts)
		}
		for _, r := range all {
			for _, n := range r.Notes {
				fmt.Fprintf(o.stderr, "brine: note: %s: %s\n", r.ID, n)
			}
		}
	}
	return o.closeFile(err)
}

// closeFile finishes --out-file after printing ended with err: the output
// is complete (kept) unless printing failed.
func (o *output) closeFile(err error) error {
	if o.file == nil {
		return err
	}
	if err != nil {
		o.file.abort()
		return err
	}
	return o.file.commit()
}

// replay prints hosts already finished (streamed, as they finished) and
// the end of the output for all, as a run would have.
func (o *output) replay(streamed, all []report.HostReturn) error {
	for _, h := range streamed {
		o.Finished(h)
	}
	return o.finish(all)
}
