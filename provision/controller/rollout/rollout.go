// Package rollout decides when the hosts of a run may start: in batches
// (--batch-size: the next batch starts only when every host of the current
// one has ended) and not at all once too many hosts have failed
// (--max-fail). A Gate is the runner's dispatch.Gate: the runner waits on
// Admit before it starts each host and tells Done each started host's
// result, so a Gate steers the run, where the run's observers (package
// run) only watch it. It knows nothing of connections or output; package
// run makes it from the options and counts the hosts that failed during
// targeting toward --max-fail (Prior).
package rollout

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"brine/provision/controller/result"
)

// Size is a number of hosts, or a percentage of them ("3", "25%").
type Size struct {
	// N is the number of hosts when Percent is 0.
	N int
	// Percent, when above 0, is the share of the hosts.
	Percent float64
}

// ParseSize reads "N" or "N%" (Salt's --batch-size forms). A count must not
// be negative and a percentage must be above 0; min is the smallest count
// allowed (1 for a batch size, 0 for --max-fail).
func ParseSize(s string, min int) (Size, error) {
	t := strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(t, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
			return Size{}, fmt.Errorf("%q: want a number of hosts or a percentage above 0, e.g. 10 or 25%%", s)
		}
		return Size{Percent: f}, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < min {
		return Size{}, fmt.Errorf("%q: want a number of hosts (at least %d) or a percentage, e.g. 10 or 25%%", s, min)
	}
	return Size{N: n}, nil
}

func (s Size) String() string {
	if s.Percent > 0 {
		return strconv.FormatFloat(s.Percent, 'f', -1, 64) + "%"
	}
	return strconv.Itoa(s.N)
}

// Batch is the batch size for total hosts, as Salt computes it
// (salt/cli/batch.py get_bnum): a percentage is rounded down, except that a
// share below one host is one host. It is at least 1.
func (s Size) Batch(total int) int {
	n := s.N
	if s.Percent > 0 {
		f := s.Percent / 100 * float64(total)
		if f < 1 {
			n = int(math.Ceil(f))
		} else {
			n = int(f)
		}
	}
	return max(n, 1)
}

// Exceeded reports whether failed hosts are more than s of total. A
// percentage is compared exactly, without rounding: 10% of 25 hosts is
// 2.5, so the third failure exceeds it (as Ansible's max_fail_percentage).
func (s Size) Exceeded(failed, total int) bool {
	if s.Percent > 0 {
		return float64(failed)*100 > s.Percent*float64(total)
	}
	return failed > s.N
}

// Options configure a Gate.
type Options struct {
	// Hosts are the ids the runner will run, in its order.
	Hosts []string
	// Batch, when set, runs the hosts in batches of this size (a
	// percentage of len(Hosts)).
	Batch *Size
	// MaxFail, when set, stops starting hosts once more than this many have
	// failed (a percentage of Targeted).
	MaxFail *Size
	// Targeted is the number of targeted hosts a --max-fail percentage is
	// taken of: Hosts plus the hosts that failed before the run (see
	// Gate.Prior). 0 means len(Hosts).
	Targeted int
	// OnBatch, when set, is told as each batch starts: its number (from 1),
	// the number of batches and its hosts.
	OnBatch func(n, of int, ids []string)
}

// Gate admits hosts in order. Its methods are safe for concurrent use.
type Gate struct {
	o        Options
	size     int // hosts per batch; 0 without batches
	targeted int

	mu       sync.Mutex
	admitted int // hosts admitted so far
	finished int // admitted hosts that ended
	failed   int
	stopped  string
	// wake is closed (and replaced) whenever a host ends.
	wake chan struct{}
}

// New returns a gate for o.
func New(o Options) *Gate {
	g := &Gate{o: o, targeted: o.Targeted, wake: make(chan struct{})}
	if g.targeted <= 0 {
		g.targeted = len(o.Hosts)
	}
	if o.Batch != nil {
		g.size = o.Batch.Batch(len(o.Hosts))
	}
	return g
}

// BatchSize is the number of hosts per batch (0 without batches).
func (g *Gate) BatchSize() int { return g.size }

// Prior counts a host that failed before the run (it could not be asked
// for its grains during targeting) toward --max-fail.
func (g *Gate) Prior(r result.HostReturn) {
	if r.Failed() {
		g.mu.Lock()
		g.failed++
		g.mu.Unlock()
	}
}

// Admit blocks until the next host may start and returns "", or returns
// why it must not start: "stopped after 3 failed hosts". The first host of
// a batch waits until every host admitted before it has ended. An ended ctx
// returns "" at once (the runner reports the interruption).
func (g *Gate) Admit(ctx context.Context, id string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	for {
		if g.stopped != "" {
			return g.stopped
		}
		barrier := g.size > 0 && g.admitted > 0 && g.admitted%g.size == 0 && g.finished < g.admitted
		if !barrier {
			break
		}
		wake := g.wake
		g.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
		}
		g.mu.Lock()
		if ctx.Err() != nil {
			return ""
		}
	}
	if g.o.MaxFail != nil && g.o.MaxFail.Exceeded(g.failed, g.targeted) {
		noun := "hosts"
		if g.failed == 1 {
			noun = "host"
		}
		g.stopped = fmt.Sprintf("stopped after %d failed %s", g.failed, noun)
		return g.stopped
	}
	if g.size > 0 && g.admitted%g.size == 0 && g.o.OnBatch != nil {
		end := min(g.admitted+g.size, len(g.o.Hosts))
		of := (len(g.o.Hosts) + g.size - 1) / g.size
		g.o.OnBatch(g.admitted/g.size+1, of, g.o.Hosts[min(g.admitted, end):end])
	}
	g.admitted++
	return ""
}

// Done is told each admitted host's result.
func (g *Gate) Done(r result.HostReturn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.finished++
	if r.Failed() {
		g.failed++
	}
	close(g.wake)
	g.wake = make(chan struct{})
}
