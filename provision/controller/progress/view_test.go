package progress

import (
	"bytes"
	"context"
	"testing"
	"time"

	"brine/provision/controller/result"
	"brine/provision/controller/run"
)

// The view is the run's observer: a meter per run that contacts hosts,
// its output kept clear of the status line.
func TestView(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	v := NewView(context.Background(), Options{W: &buf, Mode: Live, Now: c.Now, Interval: time.Hour}, true)
	var _ run.Observer = v
	// Offline (the controller answers): nothing is drawn.
	v.Begin(run.Plan{Hosts: []string{"a"}, Offline: true})
	v.Started("a", c.Now())
	v.Finished(result.HostReturn{ID: "a"})
	v.Around(func() { buf.WriteString("a:\n") })
	v.Writer().Write([]byte("note\n"))
	if v.End(run.Outcome{}) != nil || buf.String() != "a:\nnote\n" {
		t.Fatalf("offline: %q", buf.String())
	}
	buf.Reset()
	v.Begin(run.Plan{Hosts: []string{"a", "b"}, Concurrency: 1})
	v.Started("a", c.Now())
	v.meter.Tick()
	v.Around(func() { buf.WriteString("a:\n") })
	v.Finished(result.HostReturn{ID: "a"})
	v.Writer().Write([]byte("brine: note\n"))
	v.End(run.Outcome{})
	line := "\r[0/2]  ok 0  changed 0  failed 0  unreachable 0  running 1  slowest a 0s\x1b[K"
	line2 := "\r[1/2]  ok 1  changed 0  failed 0  unreachable 0  running 0\x1b[K"
	want := line + "\r\x1b[K" + "a:\n" + line + "\r\x1b[K" + "brine: note\n" + line2 + "\r\x1b[K"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// Without a shared terminal, host output is printed as it is.
	buf.Reset()
	lines := NewView(context.Background(), Options{W: &buf, Mode: Lines, Now: c.Now, Interval: time.Hour}, false)
	lines.Begin(run.Plan{Hosts: []string{"a"}})
	lines.Around(func() { buf.WriteString("a:\n") })
	lines.Finished(result.HostReturn{ID: "a"})
	lines.End(run.Outcome{})
	if got := buf.String(); got != "a:\nprogress: 1/1 done, 0 failed, 0 unreachable, 0 running\n" {
		t.Errorf("lines: %q", got)
	}
}
