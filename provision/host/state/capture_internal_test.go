package state

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"
)

// TestCaptureKeepsHeadAndTail writes streams of many sizes in random
// chunks and compares with the head and tail cut from the whole.
func TestCaptureKeepsHeadAndTail(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, max := range []int{2, 3, 10, 64} {
		for _, size := range []int{0, 1, max / 2, max - 1, max, max + 1, 3 * max, 10*max + 7} {
			data := make([]byte, size)
			for i := range data {
				data[i] = byte('a' + i%26)
			}
			c := newCapture(max)
			for rest := data; len(rest) > 0; {
				n := 1 + rng.Intn(2*max)
				n = min(n, len(rest))
				c.Write(rest[:n])
				rest = rest[n:]
			}
			want := string(data)
			if size > max {
				h, tl := max/2, max-max/2
				want = string(data[:h]) + fmt.Sprintf("\n[brine: %d bytes of output dropped here: only the first and last %d bytes of a command's stdout, and of its stderr, are kept]\n", size-max, max/2) + string(data[size-tl:])
			}
			if got := c.String(); got != want {
				t.Errorf("max %d, size %d:\n got %q\nwant %q", max, size, got, want)
			}
			if c.kept() > max {
				t.Errorf("max %d, size %d: kept %d bytes", max, size, c.kept())
			}
		}
	}
}

// TestCommandOutputIsBounded: a command printing far more than the bound
// leaves the executor with the bound, and a session's commands share a
// budget.
func TestCommandOutputIsBounded(t *testing.T) {
	ex := NewHostExecutorWith(HostOptions{MaxOutput: 1 << 20, MaxTotal: 3 << 20})
	res := ex.Run(t.Context(), Cmd{Line: "yes | head -c 50000000; yes err | head -c 3000000 >&2"})
	if res.Retcode != 0 || len(res.Stdout) > 1<<20+200 || len(res.Stderr) > 1<<20+200 {
		t.Fatalf("retcode %d, stdout %d bytes, stderr %d bytes", res.Retcode, len(res.Stdout), len(res.Stderr))
	}
	if !bytes.Contains([]byte(res.Stdout), []byte("[brine: 48951424 bytes of output dropped here")) {
		t.Errorf("stdout does not say what was dropped: %q", res.Stdout[500000:500300])
	}
	// 2 MiB of the 3 MiB budget is spent: the next command keeps at most
	// half of what is left.
	res = ex.Run(t.Context(), Cmd{Line: "yes | head -c 5000000"})
	if n := len(res.Stdout); n > 1<<19+200 || n < 1<<19 {
		t.Errorf("second command kept %d bytes, want half the budget left (512 KiB)", n)
	}
}
