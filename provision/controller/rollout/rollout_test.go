package rollout_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/result"
	"brine/provision/controller/rollout"
)

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		min  int
		want rollout.Size
		bad  bool
	}{
		{"3", 1, rollout.Size{N: 3}, false},
		{" 25% ", 1, rollout.Size{Percent: 25}, false},
		{"2.5%", 0, rollout.Size{Percent: 2.5}, false},
		{"0", 0, rollout.Size{N: 0}, false},
		{"0", 1, rollout.Size{}, true},
		{"-1", 0, rollout.Size{}, true},
		{"0%", 0, rollout.Size{}, true},
		{"ten", 1, rollout.Size{}, true},
		{"%", 1, rollout.Size{}, true},
		{"NaN%", 1, rollout.Size{}, true},
	} {
		got, err := rollout.ParseSize(c.in, c.min)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseSize(%q, %d) = %+v, %v", c.in, c.min, got, err)
		}
	}
}

// Salt's get_bnum: a percentage rounds down, but a share below one host is
// one host.
func TestBatchRoundsAsSalt(t *testing.T) {
	for _, c := range []struct {
		s     rollout.Size
		total int
		want  int
	}{
		{rollout.Size{Percent: 10}, 15, 1},   // 1.5 -> 1
		{rollout.Size{Percent: 10}, 5, 1},    // 0.5 -> ceil -> 1
		{rollout.Size{Percent: 50}, 7, 3},    // 3.5 -> 3
		{rollout.Size{Percent: 33}, 100, 33}, // exact
		{rollout.Size{Percent: 200}, 4, 8},
		{rollout.Size{N: 4}, 2, 4},
		{rollout.Size{N: 0}, 2, 1},
	} {
		if got := c.s.Batch(c.total); got != c.want {
			t.Errorf("%v of %d hosts: batch %d, want %d", c.s, c.total, got, c.want)
		}
	}
}

func TestExceeded(t *testing.T) {
	ten := rollout.Size{Percent: 10}
	for _, c := range []struct {
		s             rollout.Size
		failed, total int
		want          bool
	}{
		{rollout.Size{N: 1}, 1, 6, false},
		{rollout.Size{N: 1}, 2, 6, true},
		{rollout.Size{N: 0}, 1, 6, true},
		{ten, 2, 25, false}, // 2.5 allowed
		{ten, 3, 25, true},
		{ten, 1, 10, false}, // exactly 10%: not more
		{ten, 2, 10, true},
	} {
		if got := c.s.Exceeded(c.failed, c.total); got != c.want {
			t.Errorf("%v: %d of %d failed: exceeded %v, want %v", c.s, c.failed, c.total, got, c.want)
		}
	}
}

// fleet is a runner over scripted hosts: each host's connect blocks until
// the test ends it with end(id, outcome), so the test decides the order in
// which hosts finish and sees which have started.
type fleet struct {
	t        *testing.T
	release  map[string]chan string
	started  chan string
	finished chan string
}

func newFleet(t *testing.T, ids []string) *fleet {
	f := &fleet{t: t, release: map[string]chan string{}, started: make(chan string, len(ids)), finished: make(chan string, len(ids))}
	for _, id := range ids {
		f.release[id] = make(chan string, 1)
	}
	return f
}

func (f *fleet) Addr(h *roster.Host) string { return h.ID }

func (f *fleet) Dial(ctx context.Context, h *roster.Host) (connect.Conn, error) {
	select {
	case how := <-f.release[h.ID]:
		switch how {
		case "down":
			return nil, errors.New("connect: connection refused")
		case "fail":
			return fakeConn{status: 1}, nil
		}
		return fakeConn{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// end lets host id finish: "ok", "fail" (exit status 1) or "down".
func (f *fleet) end(id, how string) { f.release[id] <- how }

// endWait ends host id and waits until the runner has its result.
func (f *fleet) endWait(id, how string) {
	f.t.Helper()
	f.end(id, how)
	select {
	case got := <-f.finished:
		if got != id {
			f.t.Fatalf("%s finished, want %s", got, id)
		}
	case <-time.After(5 * time.Second):
		f.t.Fatalf("%s did not finish", id)
	}
}

// expectStarted waits for exactly the hosts in want to start (in order)
// and checks no other host starts within a short while.
func (f *fleet) expectStarted(want ...string) {
	f.t.Helper()
	var got []string
	for range want {
		select {
		case id := <-f.started:
			got = append(got, id)
		case <-time.After(5 * time.Second):
			f.t.Fatalf("started %v, want %v", got, want)
		}
	}
	if !reflect.DeepEqual(got, want) {
		f.t.Fatalf("started %v, want %v", got, want)
	}
	select {
	case id := <-f.started:
		f.t.Fatalf("%s started too early (after %v)", id, want)
	case <-time.After(50 * time.Millisecond):
	}
}

type fakeConn struct{ status int }

func (c fakeConn) Start(context.Context, string, io.Writer) (connect.Proc, error) {
	return fakeProc{status: c.status}, nil
}
func (fakeConn) Close() error { return nil }

type fakeProc struct{ status int }

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (fakeProc) Stdin() io.WriteCloser { return nopCloser{io.Discard} }
func (fakeProc) Stdout() io.Reader     { return bytes.NewReader(nil) }
func (p fakeProc) Wait() error {
	if p.status != 0 {
		return &connect.ExitError{Status: p.status}
	}
	return nil
}
func (fakeProc) Kill() {}

func ids(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("h%d", i))
	}
	return out
}

// run starts the real runner on the scripted fleet with gate g and returns
// a channel with the results.
func (f *fleet) run(ctx context.Context, hostIDs []string, g *rollout.Gate, procs int) <-chan []result.HostReturn {
	var hosts []*roster.Host
	for _, id := range hostIDs {
		hosts = append(hosts, &roster.Host{ID: id})
	}
	r := &dispatch.Runner{Connector: f, MaxProcs: procs, Gate: g, Observer: f}
	out := make(chan []result.HostReturn, 1)
	go func() { out <- r.Run(ctx, hosts, dispatch.Job{Fun: "cmd.raw", Raw: true, Args: []string{"true"}}) }()
	return out
}

// Started and Finished make the fleet the runner's observer.
func (f *fleet) Started(id string, _ time.Time) { f.started <- id }

func (f *fleet) Finished(r result.HostReturn) {
	if r.Failure != result.NotRun {
		f.finished <- r.ID
	}
}

func notRun(res []result.HostReturn) map[string]string {
	m := map[string]string{}
	for _, r := range res {
		if r.Failure == result.NotRun {
			m[r.ID] = r.Error
		}
	}
	return m
}

func TestBatchesStartOnlyWhenThePreviousEnded(t *testing.T) {
	hosts := ids(5)
	f := newFleet(t, hosts)
	var batches []string
	g := rollout.New(rollout.Options{Hosts: hosts, Batch: &rollout.Size{N: 2},
		OnBatch: func(n, of int, ids []string) { batches = append(batches, fmt.Sprintf("%d/%d %v", n, of, ids)) }})
	done := f.run(context.Background(), hosts, g, 25)
	f.expectStarted("h1", "h2")
	f.end("h2", "ok")
	f.expectStarted() // h1 still runs: batch 2 waits
	f.end("h1", "fail")
	f.expectStarted("h3", "h4")
	f.end("h3", "down")
	f.end("h4", "ok")
	f.expectStarted("h5")
	f.end("h5", "ok")
	res := <-done
	if len(notRun(res)) != 0 {
		t.Errorf("no limit, yet not run: %v", notRun(res))
	}
	want := []string{"1/3 [h1 h2]", "2/3 [h3 h4]", "3/3 [h5]"}
	if !reflect.DeepEqual(batches, want) {
		t.Errorf("batches %q, want %q", batches, want)
	}
}

// --batch-size 2 --max-fail 1 on 6 hosts where h2 and h3 fail: batch 2 is
// the one where the limit is passed; its other host finishes, batch 3 never
// starts.
func TestMaxFailStopsBatches(t *testing.T) {
	hosts := ids(6)
	f := newFleet(t, hosts)
	g := rollout.New(rollout.Options{Hosts: hosts, Batch: &rollout.Size{N: 2}, MaxFail: &rollout.Size{N: 1}})
	done := f.run(context.Background(), hosts, g, 25)
	f.expectStarted("h1", "h2")
	f.end("h1", "ok")
	f.end("h2", "fail")
	f.expectStarted("h3", "h4")
	f.end("h3", "down")
	f.end("h4", "ok")
	res := <-done
	want := map[string]string{"h5": "not run: stopped after 2 failed hosts", "h6": "not run: stopped after 2 failed hosts"}
	if got := notRun(res); !reflect.DeepEqual(got, want) {
		t.Errorf("not run %v, want %v", got, want)
	}
	if res[3].Failed() || !res[2].Unreachable {
		t.Errorf("h4 should have finished fine and h3 be unreachable: %+v %+v", res[3], res[2])
	}
}

// Without batches, hosts in flight finish and no new host starts.
func TestMaxFailWithoutBatches(t *testing.T) {
	hosts := ids(6)
	f := newFleet(t, hosts)
	g := rollout.New(rollout.Options{Hosts: hosts, MaxFail: &rollout.Size{N: 0}})
	done := f.run(context.Background(), hosts, g, 3)
	f.expectStarted("h1", "h2", "h3")
	f.endWait("h2", "ok")
	f.expectStarted("h4")
	// h3's failure is known before h1 frees its slot.
	f.endWait("h3", "fail")
	f.end("h1", "ok")
	f.end("h4", "ok")
	res := <-done
	want := map[string]string{"h5": "not run: stopped after 1 failed host", "h6": "not run: stopped after 1 failed host"}
	if got := notRun(res); !reflect.DeepEqual(got, want) {
		t.Errorf("not run %v, want %v", got, want)
	}
}

// A percentage is of the targeted hosts, and hosts that failed before the
// run (targeting) count.
func TestMaxFailPercentCountsPriorFailures(t *testing.T) {
	hosts := ids(4)
	f := newFleet(t, hosts)
	// 5 targeted, 20%: one failure is allowed, the second stops the run.
	g := rollout.New(rollout.Options{Hosts: hosts, MaxFail: &rollout.Size{Percent: 20}, Targeted: 5})
	g.Prior(result.HostReturn{ID: "gone", Unreachable: true})
	done := f.run(context.Background(), hosts, g, 1)
	f.expectStarted("h1")
	f.end("h1", "fail")
	res := <-done
	if got := notRun(res); len(got) != 3 || got["h2"] != "not run: stopped after 2 failed hosts" {
		t.Errorf("not run %v", got)
	}
}

func TestInterruptedAtABatchBoundary(t *testing.T) {
	hosts := ids(4)
	f := newFleet(t, hosts)
	ctx, cancel := context.WithCancel(context.Background())
	g := rollout.New(rollout.Options{Hosts: hosts, Batch: &rollout.Size{Percent: 50}})
	done := f.run(ctx, hosts, g, 25)
	f.expectStarted("h1", "h2")
	f.end("h1", "ok")
	cancel()
	res := <-done
	for _, id := range []string{"h3", "h4"} {
		if got := notRun(res)[id]; !strings.Contains(got, "interrupted") {
			t.Errorf("%s: %q, want not run: interrupted", id, got)
		}
	}
}
