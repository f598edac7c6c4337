package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"brine/provision/controller/progress"
	"brine/provision/controller/report"
	"brine/provision/controller/run"
)

// progressView shows a run's progress on stderr (a progress.Meter): it is
// an observer of the run, and the writer everything else on stderr goes
// through during it so the status line is never broken.
type progressView struct {
	ctx    context.Context
	mode   progress.Mode // 0: no progress shown
	color  bool
	stderr io.Writer
	// sameTTY: stdout and stderr are one terminal, so the status line is
	// cleared before each host's output and drawn again after it.
	sameTTY bool
	meter   *progress.Meter // set by Begin
}

// newProgressView reads the progress flags (before any host is contacted,
// so a mistake costs nothing).
func newProgressView(c *cli.Context, stdout, stderr io.Writer) (*progressView, error) {
	v := &progressView{ctx: c.Context, stderr: stderr}
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

// Begin makes the meter for a run that contacts hosts and starts drawing.
func (v *progressView) Begin(p run.Plan) {
	if v.mode == 0 || p.Offline {
		return
	}
	o := progress.Options{W: v.stderr, Mode: v.mode, Total: len(p.Hosts), Concurrency: p.Concurrency, Color: v.color}
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
	v.meter.Start(v.ctx)
}

func (v *progressView) Started(id string, t time.Time) {
	if v.meter != nil {
		v.meter.Started(id, t)
	}
}

func (v *progressView) Finished(r report.HostReturn) {
	if v.meter != nil {
		v.meter.Finished(r)
	}
}

// End clears the status line (or prints the last progress line) before
// the recap.
func (v *progressView) End(run.Outcome) error {
	if v.meter != nil {
		v.meter.Stop()
	}
	return nil
}

// around runs print, a host's output: with the status line cleared
// around it when stdout shares its terminal.
func (v *progressView) around(print func()) {
	if v.meter != nil && v.sameTTY {
		v.meter.Above(print)
		return
	}
	print()
}

// Stderr writes lines to stderr during the run without breaking the status
// line (it is cleared, the line written, and the status drawn again).
func (v *progressView) Stderr() io.Writer { return aboveWriter{v} }

type aboveWriter struct{ v *progressView }

func (a aboveWriter) Write(p []byte) (n int, err error) {
	if a.v.meter == nil {
		return a.v.stderr.Write(p)
	}
	a.v.meter.Above(func() { n, err = a.v.stderr.Write(p) })
	return n, err
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
