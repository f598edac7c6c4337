package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"brine/inventory/roster"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/progress"
	"brine/provision/controller/report"
	"brine/provision/controller/rollout"
)

// fleetFlags pace and show a fleet-wide run, and bring new hosts under key
// login.
func fleetFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "batch-size", Aliases: []string{"b"}, Usage: "run the hosts in batches of `N` or N% (of the targeted hosts, rounded down, at least 1); a batch starts when the previous one has ended"},
		&cli.StringFlag{Name: "max-fail", Usage: "start no new host once more than `N` or N% of the targeted hosts have failed or been unreachable; the rest are reported not run (exit 20)"},
		&cli.BoolFlag{Name: "progress", Usage: "show progress even when stderr is not a terminal: a plain line at most once a second (\"progress: 37/200 done, 2 failed, 1 unreachable, 25 running\")"},
		&cli.BoolFlag{Name: "no-progress", Usage: "never show the progress line (shown on stderr when it is a terminal)"},
		&cli.BoolFlag{Name: "key-deploy", Usage: "where a host lets brine in on the password only, add the key (--priv, roster priv, or brine's own ~/.config/brine/brine_ed25519) to the login user's ~/.ssh/authorized_keys, so later runs need no password"},
	}
}

// fleetView paces a run (batches and --max-fail, a rollout gate) and shows
// its progress (a progress meter on stderr).
type fleetView struct {
	batch, maxFail *rollout.Size
	mode           progress.Mode // 0: no progress shown
	color          bool
	stderr         io.Writer
	// sameTTY: stdout and stderr are one terminal, so the status line is
	// cleared before each host's output and drawn again after it.
	sameTTY  bool
	maxProcs int
	meter    *progress.Meter
}

// newFleetView reads the pacing and progress flags (before any host is
// contacted, so a mistake costs nothing).
func newFleetView(c *cli.Context, stdout, stderr io.Writer) (*fleetView, error) {
	v := &fleetView{stderr: stderr, maxProcs: c.Int("max-procs")}
	if s := c.String("batch-size"); s != "" {
		b, err := rollout.ParseSize(s, 1)
		if err != nil {
			return nil, usagef("--batch-size %v", err)
		}
		v.batch = &b
	}
	if s := c.String("max-fail"); s != "" {
		m, err := rollout.ParseSize(s, 0)
		if err != nil {
			return nil, usagef("--max-fail %v", err)
		}
		v.maxFail = &m
	}
	if c.Bool("progress") && c.Bool("no-progress") {
		return nil, usagef("--progress and --no-progress contradict each other: give one")
	}
	switch {
	case c.Bool("no-progress"):
	case isTerminal(stderr) && os.Getenv("TERM") != "dumb":
		v.mode = progress.Live
		v.color = !c.Bool("no-color") && os.Getenv("NO_COLOR") == ""
		v.sameTTY = sameFile(stdout, stderr)
	case c.Bool("progress"):
		v.mode = progress.Lines
	}
	return v, nil
}

// Stderr writes lines to stderr during the run without breaking the status
// line (it is cleared, the line written, and the status drawn again).
func (v *fleetView) Stderr() io.Writer { return aboveWriter{v} }

type aboveWriter struct{ v *fleetView }

func (a aboveWriter) Write(p []byte) (n int, err error) {
	if a.v.meter == nil {
		return a.v.stderr.Write(p)
	}
	a.v.meter.Above(func() { n, err = a.v.stderr.Write(p) })
	return n, err
}

// attach gives the runner its gate and makes the meter for the run: hosts
// run, failed (hosts targeting could not ask for grains) are already done.
func (v *fleetView) attach(runner *dispatch.Runner, hosts []*roster.Host, failed []report.HostReturn) {
	if v.batch != nil || v.maxFail != nil {
		ids := make([]string, len(hosts))
		for i, h := range hosts {
			ids[i] = h.ID
		}
		g := rollout.New(rollout.Options{Hosts: ids, Batch: v.batch, MaxFail: v.maxFail, Targeted: len(hosts) + len(failed),
			OnBatch: func(n, of int, ids []string) {
				fmt.Fprintf(v.Stderr(), "brine: batch %d/%d: %s\n", n, of, someIDs(ids, 10))
			}})
		for _, r := range failed {
			g.Prior(r)
		}
		runner.Gate = g
	}
	if v.mode == 0 {
		return
	}
	procs := v.maxProcs
	if procs <= 0 {
		procs = 25
	}
	if g, ok := runner.Gate.(*rollout.Gate); ok && g.BatchSize() > 0 {
		procs = min(procs, g.BatchSize())
	}
	o := progress.Options{W: v.stderr, Mode: v.mode, Total: len(hosts) + len(failed), Concurrency: procs, Color: v.color}
	if f, ok := v.stderr.(*os.File); ok {
		o.Width = func() int {
			w, _, err := term.GetSize(int(f.Fd()))
			if err != nil {
				return 0
			}
			return w
		}
	}
	v.meter = progress.New(o)
	for _, r := range failed {
		v.meter.Finished(r)
	}
}

// observer is the runner's observer: it feeds the meter and passes each
// finished host on to finished (which prints its output), clearing the
// status line around it when stdout shares its terminal.
func (v *fleetView) observer(finished func(report.HostReturn)) dispatch.Observer {
	return fleetObserver{v: v, finished: finished}
}

type fleetObserver struct {
	v        *fleetView
	finished func(report.HostReturn)
}

func (o fleetObserver) Started(id string, t time.Time) {
	if o.v.meter != nil {
		o.v.meter.Started(id, t)
	}
}

func (o fleetObserver) Finished(r report.HostReturn) {
	if o.v.meter == nil {
		o.finished(r)
		return
	}
	o.v.meter.Finished(r)
	if o.v.sameTTY {
		o.v.meter.Above(func() { o.finished(r) })
	} else {
		o.finished(r)
	}
}

// start starts drawing; stop ends it, clearing the status line (or
// printing the last progress line) before the recap.
func (v *fleetView) start(ctx context.Context) {
	if v.meter != nil {
		v.meter.Start(ctx)
	}
}

func (v *fleetView) stop() {
	if v.meter != nil {
		v.meter.Stop()
	}
}

// sameFile reports whether a and b are the same open file (one terminal).
func sameFile(a, b io.Writer) bool {
	fa, ok1 := a.(*os.File)
	fb, ok2 := b.(*os.File)
	if !ok1 || !ok2 {
		return false
	}
	sa, err1 := fa.Stat()
	sb, err2 := fb.Stat()
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
