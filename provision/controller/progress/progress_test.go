package progress

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"brine/provision/controller/result"
)

// clock is a fake clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)} }

func changedRun(id string, d time.Duration) result.HostReturn {
	return result.HostReturn{ID: id, Fun: "state.apply", Duration: d, Return: map[string]any{
		"file_|-a_|-/a_|-managed": map[string]any{"result": true, "changes": map[string]any{"diff": "x"}}}}
}

var lineForm = regexp.MustCompile(`^progress: (\d+)/(\d+) done, (\d+) failed, (\d+) unreachable, (\d+) running$`)

func TestLinesAtMostOncePerTickAndFinal(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	m := New(Options{W: &buf, Mode: Lines, Total: 5, Now: c.Now})
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		m.Started(id, c.Now())
	}
	m.Tick()
	c.add(time.Second)
	m.Tick() // unchanged: nothing
	m.Finished(changedRun("a", time.Second))
	m.Finished(result.HostReturn{ID: "b", Unreachable: true, Failure: result.Unreachable, Retcode: 255, Error: "refused"})
	c.add(time.Second)
	m.Tick()
	m.Finished(result.HostReturn{ID: "c", Fun: "test.ping", Retcode: 1, Error: "boom"})
	m.Finished(result.HostReturn{ID: "d", Failure: result.NotRun, Retcode: 1, Error: "not run: stopped after 1 failed host"})
	m.Finished(result.HostReturn{ID: "e", Fun: "test.ping", Return: true})
	m.Stop()
	m.Tick() // after Stop: nothing
	want := "progress: 0/5 done, 0 failed, 0 unreachable, 5 running\n" +
		"progress: 2/5 done, 0 failed, 1 unreachable, 3 running\n" +
		"progress: 5/5 done, 1 failed, 1 unreachable, 0 running\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if !lineForm.MatchString(l) {
			t.Errorf("line %q is not in the fixed form", l)
		}
	}
}

func TestLinesHeartbeat(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	m := New(Options{W: &buf, Mode: Lines, Total: 1, Now: c.Now, Heartbeat: 10 * time.Second})
	m.Started("a", c.Now())
	for i := 0; i < 25; i++ {
		m.Tick()
		c.add(time.Second)
	}
	if n := strings.Count(buf.String(), "\n"); n != 3 {
		t.Errorf("%d lines in 25 s with a 10 s heartbeat, want 3:\n%s", n, buf.String())
	}
}

func TestLiveLine(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	m := New(Options{W: &buf, Mode: Live, Total: 10, Concurrency: 2, Now: c.Now})
	start := c.Now()
	m.Started("web01", start)
	c.add(2 * time.Second)
	m.Started("web02", c.Now())
	c.add(2 * time.Second)
	m.Tick()
	got := buf.String()
	want := "\r[0/10]  ok 0  changed 0  failed 0  unreachable 0  running 2  slowest web01 4s\x1b[K"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// Three hosts of 10 s each have run: the estimate shows.
	for _, id := range []string{"x1", "x2", "x3"} {
		m.Finished(changedRun(id, 10*time.Second))
	}
	buf.Reset()
	m.Tick()
	// Left: web01 (10-4=6s) + web02 (10-2=8s) + 5 waiting × 10s = 64s over
	// 2 at a time = 32s.
	if !strings.Contains(buf.String(), "[3/10]  ok 3  changed 3") || !strings.Contains(buf.String(), "~32s left") {
		t.Errorf("live line %q", buf.String())
	}
}

func TestLiveLineFitsTheTerminal(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	m := New(Options{W: &buf, Mode: Live, Total: 200, Color: true, Now: c.Now, Width: func() int { return 40 }})
	m.Started("a-very-long-host-name.example.com", c.Now())
	m.Finished(result.HostReturn{ID: "b", Fun: "test.ping", Retcode: 1, Error: "x"})
	m.Tick()
	visible := regexp.MustCompile("\x1b\\[[0-9;]*[mK]").ReplaceAllString(strings.TrimPrefix(buf.String(), "\r"), "")
	if n := len([]rune(visible)); n != 39 {
		t.Errorf("visible %q is %d columns, want 39 on a 40-column terminal", visible, n)
	}
	if !strings.Contains(buf.String(), "  "+red+"failed 1"+reset) || strings.Contains(buf.String(), green) {
		t.Errorf("colours: failed 1 in red, ok 0 uncoloured: %q", buf.String())
	}
}

func TestAboveClearsAndRedraws(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	m := New(Options{W: &buf, Mode: Live, Total: 2, Now: c.Now, Interval: time.Hour})
	m.Start(context.Background())
	m.Started("a", c.Now())
	m.Tick()
	m.Above(func() { buf.WriteString("a:\n    True\n") })
	m.Stop()
	got := buf.String()
	want := "\r[0/2]  ok 0  changed 0  failed 0  unreachable 0  running 1  slowest a 0s\x1b[K" +
		"\r\x1b[K" + "a:\n    True\n" +
		"\r[0/2]  ok 0  changed 0  failed 0  unreachable 0  running 1  slowest a 0s\x1b[K" +
		"\r\x1b[K"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// The ticker ends with Stop or with the run's context: no goroutine stays.
func TestTickerEnds(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		var buf bytes.Buffer
		m := New(Options{W: &buf, Mode: Live, Total: 1, Interval: time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		m.Start(ctx)
		if i%2 == 0 {
			cancel()
		}
		time.Sleep(3 * time.Millisecond)
		m.Stop()
		cancel()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after, %d before", n, before)
	}
}

func TestShort(t *testing.T) {
	for d, want := range map[time.Duration]string{
		400 * time.Millisecond: "0s", 7 * time.Second: "7s", 65 * time.Second: "1m05s", 7380 * time.Second: "2h03m",
	} {
		if got := Short(d); got != want {
			t.Errorf("Short(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestNoEstimateTooEarly(t *testing.T) {
	c := newClock()
	m := New(Options{W: &bytes.Buffer{}, Mode: Live, Total: 10, Now: c.Now})
	for i := 0; i < minEstimate-1; i++ {
		m.Finished(changedRun(fmt.Sprint(i), time.Minute))
	}
	if s := m.status(0); strings.Contains(s, "left") {
		t.Errorf("estimate after %d hosts: %q", minEstimate-1, s)
	}
}

// An unchanged live line is not written again.
func TestLiveLineNotRedrawnUnchanged(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	m := New(Options{W: &buf, Mode: Live, Total: 2, Now: c.Now})
	m.Started("a", c.Now())
	m.Tick()
	n := buf.Len()
	m.Tick()
	c.add(100 * time.Millisecond)
	m.Tick()
	if buf.Len() != n {
		t.Errorf("unchanged line written again: %q", buf.String())
	}
	c.add(time.Second)
	m.Tick()
	if !strings.HasSuffix(buf.String(), "slowest a 1s\x1b[K") {
		t.Errorf("changed line not drawn: %q", buf.String())
	}
}
