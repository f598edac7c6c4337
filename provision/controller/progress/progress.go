// Package progress shows a run's progress on the controller while hosts are
// in flight: on a terminal, one status line redrawn in place (done/total,
// ok, changed, failed, unreachable, running, the slowest host still
// running and an estimate of the time left); elsewhere (--progress in CI
// logs) plain lines at most once a second:
//
//	progress: 37/200 done, 2 failed, 1 unreachable, 25 running
//
// A Meter is told when hosts start and finish (the runner's events) and
// draws on its own ticker, which ends with the run.
package progress

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"brine/provision/controller/result"
)

// Mode is how progress is shown.
type Mode int

const (
	// Live redraws one status line in place (stderr is a terminal).
	Live Mode = iota + 1
	// Lines prints plain lines, at most one per Interval.
	Lines
)

// Options configure a Meter.
type Options struct {
	// W receives the status (the controller's stderr).
	W    io.Writer
	Mode Mode
	// Total is the number of hosts in the run.
	Total int
	// Concurrency is how many hosts can run at once (--max-procs, or the
	// batch size when smaller); the time-left estimate divides by it.
	Concurrency int
	// Color colours the live line (never the plain lines).
	Color bool
	// Width, when set, is the terminal's width in columns, asked at each
	// redraw: the live line is cut to fit.
	Width func() int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Interval is the time between redraws (default 200ms live, 1s for
	// lines: "at most once a second").
	Interval time.Duration
	// Heartbeat, for lines, prints an unchanged line again after this long,
	// so a CI log shows the run is alive (default 30s).
	Heartbeat time.Duration
}

// Meter counts hosts and draws the status. Its methods are safe for
// concurrent use.
type Meter struct {
	o Options

	mu          sync.Mutex
	running     map[string]time.Time
	done        int
	ok          int
	changed     int
	failed      int
	unreachable int
	notRun      int
	ran         int           // hosts that ended after running (not "not run")
	ranTime     time.Duration // their total duration
	drawn       bool          // a live line is on screen
	shown       string        // the live line on screen
	last        string        // the last plain line printed
	lastAt      time.Time
	stopped     bool

	stop chan struct{}
	over chan struct{}
}

// New returns a meter; call Start to draw as time passes and Stop at the end.
func New(o Options) *Meter {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Interval <= 0 {
		o.Interval = 200 * time.Millisecond
		if o.Mode == Lines {
			o.Interval = time.Second
		}
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 30 * time.Second
	}
	return &Meter{o: o, running: map[string]time.Time{}}
}

// Start draws every Interval until Stop is called or ctx ends.
func (m *Meter) Start(ctx context.Context) {
	m.mu.Lock()
	if m.stop != nil || m.stopped {
		m.mu.Unlock()
		return
	}
	m.stop, m.over = make(chan struct{}), make(chan struct{})
	stop, over := m.stop, m.over
	m.mu.Unlock()
	go func() {
		defer close(over)
		t := time.NewTicker(m.o.Interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-stop:
				return
			case <-t.C:
				m.Tick()
			}
		}
	}()
}

// Stop ends the ticker and waits for it; then the live line is cleared, or
// the final plain line printed. Nothing is drawn after Stop.
func (m *Meter) Stop() {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return
	}
	stop, over := m.stop, m.over
	m.mu.Unlock()
	if stop != nil {
		close(stop)
		<-over
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopped = true
	switch m.o.Mode {
	case Live:
		m.clear()
	case Lines:
		m.printLine(true)
	}
}

// Started records that host id started at t.
func (m *Meter) Started(id string, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.running[id] = t
}

// Finished records a host's result (a host never started too).
func (m *Meter) Finished(r result.HostReturn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.running, r.ID)
	m.done++
	st := r.States()
	switch {
	case r.Failure == result.NotRun:
		m.notRun++
	case r.Unreachable:
		m.unreachable++
	case r.Failed() || st.Failed:
		m.failed++
	default:
		m.ok++
	}
	if r.Failure != result.NotRun {
		m.ran++
		m.ranTime += r.Duration
	}
	if st.Changed > 0 {
		m.changed++
	}
}

// Above clears the live line, runs print (which writes to the same
// terminal) and draws the line again: output never mixes with the status.
func (m *Meter) Above(print func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.o.Mode == Live {
		m.clear()
	}
	print()
	if m.o.Mode == Live && m.stop != nil && !m.stopped {
		m.drawLive(true)
	}
}

// Tick draws now: the live line, or a plain line when the counts changed
// (or Heartbeat passed). The ticker calls it.
func (m *Meter) Tick() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	switch m.o.Mode {
	case Live:
		m.drawLive(false)
	case Lines:
		m.printLine(false)
	}
}

// Line is the plain progress line, in its fixed form for scripts:
// "progress: 37/200 done, 2 failed, 1 unreachable, 25 running".
func (m *Meter) Line() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.line()
}

func (m *Meter) line() string {
	return fmt.Sprintf("progress: %d/%d done, %d failed, %d unreachable, %d running",
		m.done, m.o.Total, m.failed, m.unreachable, len(m.running))
}

func (m *Meter) printLine(final bool) {
	l := m.line()
	now := m.o.Now()
	if !final && l == m.last && now.Sub(m.lastAt) < m.o.Heartbeat {
		return
	}
	m.last, m.lastAt = l, now
	fmt.Fprintln(m.o.W, l)
}

func (m *Meter) clear() {
	if m.drawn {
		io.WriteString(m.o.W, "\r\x1b[K")
		m.drawn = false
	}
}

// drawLive draws the live line, unless the same line is on screen already
// (always, with force).
func (m *Meter) drawLive(force bool) {
	width := 0
	if m.o.Width != nil {
		width = m.o.Width()
	}
	s := m.status(width)
	if m.drawn && s == m.shown && !force {
		return
	}
	io.WriteString(m.o.W, "\r"+s+"\x1b[K")
	m.drawn, m.shown = true, s
}

// segment is one part of the live line and its colour.
type segment struct{ text, color string }

const (
	green = "\x1b[0;32m"
	cyan  = "\x1b[0;36m"
	red   = "\x1b[0;31m"
	reset = "\x1b[0m"
)

// status is the live line, cut to width columns (all but the last, so the
// terminal never wraps; 0: no limit).
func (m *Meter) status(width int) string {
	now := m.o.Now()
	segs := []segment{
		{fmt.Sprintf("[%d/%d]", m.done, m.o.Total), ""},
		{fmt.Sprintf("ok %d", m.ok), green},
		{fmt.Sprintf("changed %d", m.changed), cyan},
		{fmt.Sprintf("failed %d", m.failed), red},
		{fmt.Sprintf("unreachable %d", m.unreachable), red},
	}
	if m.notRun > 0 {
		segs = append(segs, segment{fmt.Sprintf("not run %d", m.notRun), red})
	}
	segs = append(segs, segment{fmt.Sprintf("running %d", len(m.running)), ""})
	if id, since, ok := m.slowest(); ok {
		segs = append(segs, segment{fmt.Sprintf("slowest %s %s", id, Short(now.Sub(since))), ""})
	}
	if left, ok := m.left(now); ok {
		segs = append(segs, segment{"~" + Short(left) + " left", ""})
	}
	// Counts of zero stay uncoloured: the eye goes to what happened.
	zero := map[int]bool{1: m.ok == 0, 2: m.changed == 0, 3: m.failed == 0, 4: m.unreachable == 0}
	var b strings.Builder
	room := width - 1
	put := func(text, color string) bool {
		if width > 0 {
			n := utf8.RuneCountInString(text)
			if n > room {
				text = cut(text, room)
			}
			room -= min(n, room)
		}
		if text == "" {
			return false
		}
		if color != "" {
			text = color + text + reset
		}
		b.WriteString(text)
		return true
	}
	for i, s := range segs {
		if i > 0 && !put("  ", "") {
			break
		}
		color := s.color
		if !m.o.Color || zero[i] {
			color = ""
		}
		if !put(s.text, color) {
			break
		}
	}
	return b.String()
}

// cut keeps the first n runes of s.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// slowest is the host running longest (the earliest start; ids break ties).
func (m *Meter) slowest() (string, time.Time, bool) {
	var id string
	var since time.Time
	for h, t := range m.running {
		if id == "" || t.Before(since) || t.Equal(since) && h < id {
			id, since = h, t
		}
	}
	return id, since, id != ""
}

// minEstimate is how many hosts must have run before the time left means
// something.
const minEstimate = 3

// left estimates the time left: the work still to do (each running host's
// mean duration minus what it has run, floored at 0, plus the mean for
// every host not started) spread over the hosts that can run at once. It
// is shown once minEstimate hosts have run and the answer is at least a
// second.
func (m *Meter) left(now time.Time) (time.Duration, bool) {
	if m.ran < minEstimate {
		return 0, false
	}
	mean := m.ranTime / time.Duration(m.ran)
	waiting := m.o.Total - m.done - len(m.running)
	work := time.Duration(max(waiting, 0)) * mean
	for _, t := range m.running {
		work += max(mean-now.Sub(t), 0)
	}
	par := len(m.running) + max(waiting, 0)
	if m.o.Concurrency > 0 {
		par = min(par, m.o.Concurrency)
	}
	if par <= 0 {
		return 0, false
	}
	left := work / time.Duration(par)
	return left, left >= time.Second
}

// Short prints a duration for the status line: "7s", "1m05s", "2h03m".
func Short(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
}
