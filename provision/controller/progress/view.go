package progress

import (
	"context"
	"io"
	"time"

	"brine/provision/controller/result"
	"brine/provision/controller/run"
)

// View shows each run's progress: it is an observer of the run
// (run.Observer) that makes a Meter when a run that contacts hosts begins
// and stops it at its end, and the writer everything else on the same
// terminal goes through meanwhile, so the status line is never broken.
type View struct {
	ctx context.Context
	o   Options
	// sameTTY: the hosts' output shares the status line's terminal, so
	// the line is cleared around each host's output.
	sameTTY bool
	meter   *Meter // set by Begin
}

// NewView returns a view drawing on o.W in o.Mode (0: it shows nothing);
// Total and Concurrency come from each run's plan. sameTTY says the
// hosts' output goes to the same terminal. Drawing stops when ctx ends.
func NewView(ctx context.Context, o Options, sameTTY bool) *View {
	return &View{ctx: ctx, o: o, sameTTY: sameTTY}
}

// Begin makes the meter for a run that contacts hosts and starts drawing.
func (v *View) Begin(p run.Plan) {
	if v.o.Mode == 0 || p.Offline {
		return
	}
	o := v.o
	o.Total, o.Concurrency = len(p.Hosts), p.Concurrency
	v.meter = New(o)
	v.meter.Start(v.ctx)
}

// Started counts a host in flight.
func (v *View) Started(id string, t time.Time) {
	if v.meter != nil {
		v.meter.Started(id, t)
	}
}

// Finished counts a host's result.
func (v *View) Finished(r result.HostReturn) {
	if v.meter != nil {
		v.meter.Finished(r)
	}
}

// End clears the status line (or prints the last progress line), before
// the recap.
func (v *View) End(run.Outcome) error {
	if v.meter != nil {
		v.meter.Stop()
	}
	return nil
}

// Around runs print, which writes a host's output: with the status line
// cleared around it when that output shares its terminal.
func (v *View) Around(print func()) {
	if v.meter != nil && v.sameTTY {
		v.meter.Above(print)
		return
	}
	print()
}

// Writer writes to the status line's terminal without breaking the line
// (it is cleared, the text written, and the status drawn again).
func (v *View) Writer() io.Writer { return aboveWriter{v} }

type aboveWriter struct{ v *View }

func (a aboveWriter) Write(p []byte) (n int, err error) {
	if a.v.meter == nil {
		return a.v.o.W.Write(p)
	}
	a.v.meter.Above(func() { n, err = a.v.o.W.Write(p) })
	return n, err
}
