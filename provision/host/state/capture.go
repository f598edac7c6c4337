package state

import (
	"fmt"
	"strings"
	"sync"
)

// DefaultMaxOutput is how much of each command's stdout, and of its stderr,
// the executor keeps (Salt keeps all of it; a command that prints gigabytes
// would exhaust the host's and the controller's memory): the first and the
// last half, with a line saying how much was dropped between them.
const DefaultMaxOutput = 16 << 20

// minOutput is the least kept of a stream, however little of the session's
// budget is left.
const minOutput = 64 << 10

// capture keeps the first half of up to max bytes written to it and the
// last half (a ring), counting what it drops between them. The command
// streams into it: nothing unbounded is held.
type capture struct {
	max     int
	head    []byte
	ring    []byte
	start   int // the ring's oldest byte, once it is full
	full    bool
	dropped int64
}

func newCapture(max int) *capture {
	if max < 2 {
		max = 2
	}
	return &capture{max: max}
}

func (c *capture) Write(p []byte) (int, error) {
	n := len(p)
	if room := c.max/2 - len(c.head); room > 0 {
		k := min(room, len(p))
		c.head = append(c.head, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 {
		return n, nil
	}
	tailMax := c.max - c.max/2
	switch {
	case len(p) >= tailMax:
		c.dropped += int64(c.tailLen() + len(p) - tailMax)
		c.ring = append(c.ring[:0], p[len(p)-tailMax:]...)
		c.start, c.full = 0, true
		return n, nil
	case !c.full && len(c.ring)+len(p) <= tailMax:
		c.ring = append(c.ring, p...)
		c.full = len(c.ring) == tailMax
		return n, nil
	case !c.full:
		k := tailMax - len(c.ring)
		c.ring = append(c.ring, p[:k]...)
		p = p[k:]
		c.start, c.full = 0, true
	}
	for len(p) > 0 {
		k := copy(c.ring[c.start:], p)
		c.dropped += int64(k)
		p = p[k:]
		c.start = (c.start + k) % tailMax
	}
	return n, nil
}

func (c *capture) tailLen() int { return len(c.ring) }

// kept is how many bytes the capture holds.
func (c *capture) kept() int { return len(c.head) + len(c.ring) }

// String is what was written, or its head and tail with a line saying how
// many bytes were dropped between them.
func (c *capture) String() string {
	var b strings.Builder
	b.Grow(c.kept() + 160)
	b.Write(c.head)
	if c.dropped > 0 {
		fmt.Fprintf(&b, "\n[brine: %d bytes of output dropped here: only the first and last %d bytes of a command's stdout, and of its stderr, are kept]\n", c.dropped, c.max/2)
	}
	if c.full {
		b.Write(c.ring[c.start:])
		b.Write(c.ring[:c.start])
	} else {
		b.Write(c.ring)
	}
	return b.String()
}

// outputBudget is what all the commands of one executor session may keep
// together: each command gets at most the smaller of MaxOutput and half
// of what is left (but never less than minOutput), so a run of many
// chatty commands stays bounded too.
type outputBudget struct {
	mu   sync.Mutex
	left int64
}

func (b *outputBudget) take(max int) int {
	if b == nil {
		return max
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return max2(minOutput, min(max, int(b.left/2)))
}

func (b *outputBudget) spend(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.left -= int64(n)
	b.mu.Unlock()
}

func max2(a, b int) int {
	if a > b {
		return a
	}
	return b
}
