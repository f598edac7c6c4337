package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// progressLine is the fixed form of --progress lines.
var progressLine = regexp.MustCompile(`^progress: (\d+)/(\d+) done, (\d+) failed, (\d+) unreachable, (\d+) running$`)

// progressCounts parses the --progress lines of stderr: done, total,
// failed, unreachable, running per line. Any other line starting with
// "progress" is a test failure.
func progressCounts(t *testing.T, stderr string) [][5]int {
	t.Helper()
	var out [][5]int
	for _, l := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(l, "progress") {
			continue
		}
		m := progressLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("progress line not in the fixed form: %q", l)
		}
		var c [5]int
		for i := range c {
			c[i], _ = strconv.Atoi(m[i+1])
		}
		out = append(out, c)
	}
	return out
}

// stamps reads when each host's state began and ended (nanoseconds, from
// the host's own clock, which is this machine's).
func stamps(t *testing.T, id string) (start, end int64) {
	t.Helper()
	h := hostByID(t, id)
	read := func(name string) int64 {
		b, err := os.ReadFile(filepath.Join(h.Root, "tmp", name))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			t.Fatalf("%s: %s: %v", id, name, err)
		}
		return n
	}
	return read("brine-batch-start"), read("brine-batch-end")
}

// TestBatchesRunOneAfterTheOther: with --batch-size 2 on six hosts, every
// host of batch k+1 starts its states after every host of batch k ended
// (stamps written on the hosts themselves), batches go in target order, and
// the --progress lines never show more hosts running than a batch holds.
func TestBatchesRunOneAfterTheOther(t *testing.T) {
	c := newClient(t)
	tree := writeTree(t, map[string]string{"stamp.sls": `stamp:
  cmd.run:
    - name: date +%s%N > /tmp/brine-batch-start; sleep 0.3; date +%s%N > /tmp/brine-batch-end
`})
	ids := hostIDs(6)
	r := c.run("-L", strings.Join(ids, ","), "state.sls", "stamp", "--file-root", tree, "--batch-size", "2", "--progress", "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for k := 0; k+1 < len(ids)/2; k++ {
		var lastEnd, firstStart int64
		for _, id := range ids[2*k : 2*k+2] {
			_, e := stamps(t, id)
			lastEnd = max(lastEnd, e)
		}
		for _, id := range ids[2*k+2 : 2*k+4] {
			s, _ := stamps(t, id)
			if firstStart == 0 || s < firstStart {
				firstStart = s
			}
		}
		if firstStart <= lastEnd {
			t.Errorf("batch %d started (%d) before batch %d ended (%d)", k+2, firstStart, k+1, lastEnd)
		}
	}
	want := "brine: batch 1/3: h01, h02\nbrine: batch 2/3: h03, h04\nbrine: batch 3/3: h05, h06\n"
	if got := strings.Join(grepLines(r.stderr, "brine: batch "), ""); got != want {
		t.Errorf("batch lines:\n%s\nwant\n%s", got, want)
	}
	lines := progressCounts(t, r.stderr)
	if len(lines) == 0 {
		t.Fatalf("no progress lines:\n%s", r.stderr)
	}
	for _, l := range lines {
		if l[4] > 2 || l[1] != 6 {
			t.Errorf("progress %v: more running than a batch, or a wrong total", l)
		}
	}
	if last := lines[len(lines)-1]; last != [5]int{6, 6, 0, 0, 0} {
		t.Errorf("last progress line %v, want all done", last)
	}
}

// grepLines returns the lines of s starting with prefix, each with its
// newline.
func grepLines(s, prefix string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l+"\n")
		}
	}
	return out
}

// TestMaxFailStopsTheRollout is the case: --batch-size 2
// --max-fail 1 on six hosts of which h02 and h03 fail. Batch 2 passes the
// limit (2 failed > 1); its other host still finishes; batch 3 (h05, h06)
// never starts and is reported not run, with the reason, and exit 20.
func TestMaxFailStopsTheRollout(t *testing.T) {
	c := newClient(t)
	tree := writeTree(t, map[string]string{"roll.sls": `roll:
  cmd.run:
{%- if grains['id'] in ['h02', 'h03'] %}
    - name: echo failing on purpose; exit 1
{%- else %}
    - name: echo fine
{%- endif %}
`})
	ids := hostIDs(6)
	args := []string{"-L", strings.Join(ids, ","), "state.sls", "roll", "--file-root", tree, "--batch-size", "2", "--max-fail", "1"}
	r := c.run(append(args, "--out", "json", "--static")...)
	if r.code != 20 {
		t.Fatalf("exit %d, want 20\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := jsonOut(t, r)
	if len(out) != 6 {
		t.Fatalf("want all 6 hosts reported, got %d", len(out))
	}
	for _, id := range ids {
		m, _ := out[id].(map[string]any)
		notRun := m["_error"] == "Not run"
		switch id {
		case "h05", "h06":
			if !notRun || m["stderr"] != "not run: stopped after 2 failed hosts" {
				t.Errorf("%s: want not run (stopped after 2 failed hosts), got %v", id, out[id])
			}
		default:
			if notRun || m["_error"] != nil {
				t.Errorf("%s ran: want its state result, got %v", id, out[id])
			}
		}
	}
	if got := strings.Join(grepLines(r.stderr, "brine: batch "), ""); got != "brine: batch 1/3: h01, h02\nbrine: batch 2/3: h03, h04\n" {
		t.Errorf("batches started:\n%s", got)
	}
	// The human output: the recap (on stderr, never in stdout's data)
	// names the hosts not run, in batch order.
	r = c.run(args...)
	if r.code != 20 || !regexp.MustCompile(`(?m)^Not run:\s+2  \(h05, h06\)$`).MatchString(r.stderr) ||
		!regexp.MustCompile(`(?m)^Failed:\s+2  \(h02, h03\)$`).MatchString(r.stderr) || strings.Contains(r.stdout, "Fleet recap") {
		t.Errorf("recap: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	// Without batches, a limit of 0 stops at the first failure: with one
	// host at a time, h02 fails and h03..h06 never start.
	r = c.run("-L", strings.Join(ids, ","), "state.sls", "roll", "--file-root", tree, "--max-fail", "0", "--max-procs", "1", "--out", "json", "--static")
	out = jsonOut(t, r)
	for _, id := range ids[2:] {
		if m, _ := out[id].(map[string]any); r.code != 20 || m["stderr"] != "not run: stopped after 1 failed host" {
			t.Errorf("%s: exit %d, %v", id, r.code, out[id])
		}
	}
}

// TestProgressLines: --progress on a run of ten hosts (stderr is a pipe)
// prints lines in the fixed form, counts only grow, and the last line says
// every host is done; a failed and an unreachable host are counted.
func TestProgressLines(t *testing.T) {
	c := newClient(t)
	c.writeRoster(map[string]string{"down": fmt.Sprintf("  host: %s\n  user: root", HostAddr(252))})
	tree := writeTree(t, map[string]string{"slow.sls": `slow:
  cmd.run:
    - name: sleep {{ (grains['id'][1:] | int) * 0.25 }}{% if grains['id'] == 'h10' %}; exit 1{% endif %}
`})
	target := strings.Join(append(hostIDs(10), "down"), ",")
	r := c.run("-L", target, "state.sls", "slow", "--file-root", tree, "--progress", "--out", "json", "--static")
	if r.code != 20 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	lines := progressCounts(t, r.stderr)
	if len(lines) < 2 {
		t.Fatalf("want progress lines during a run of a few seconds and a last one, got %d:\n%s", len(lines), r.stderr)
	}
	prev := [5]int{}
	for i, l := range lines {
		if l[1] != 11 || l[0]+l[4] > 11 {
			t.Errorf("line %d: %v: total 11, done+running <= 11", i, l)
		}
		if l[0] < prev[0] || l[2] < prev[2] || l[3] < prev[3] {
			t.Errorf("line %d: %v after %v: counts went down", i, l, prev)
		}
		prev = l
	}
	if last := lines[len(lines)-1]; last != [5]int{11, 11, 1, 1, 0} {
		t.Errorf("last line %v, want 11/11 done, 1 failed, 1 unreachable, 0 running", last)
	}
	// Plain output without --progress (stderr not a terminal): no lines;
	// with --no-progress neither.
	for _, flag := range []string{"--refresh", "--no-progress"} {
		r = c.run("-L", "h01,h02", "test.ping", flag)
		if strings.Contains(r.stderr, "progress") {
			t.Errorf("%s: progress shown on a pipe:\n%s", flag, r.stderr)
		}
	}
}
