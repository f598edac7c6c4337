package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The bounds on what a host can send (issue 13): a broken or hostile host
// fails with "answer too large", alone; the controller's memory stays
// bounded, and so does the executor's on the host.

// maxControllerRSS is the controller's peak RSS allowed while hosts send
// gigabytes.
const maxControllerRSS = 512 << 20

// floodExecutor is an executor directory whose "executor" floods the
// controller on some hosts (2 GB on stdout without a newline, or on
// stderr) and hands over to the real executor, installed at
// /usr/local/bin/brine-exec-real, on the others.
func floodExecutor(t *testing.T, hosts ...*Host) string {
	t.Helper()
	real, err := os.ReadFile(filepath.Join(filepath.Dir(suite.bin), "brine-exec-linux-amd64"))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		if err := os.WriteFile(filepath.Join(h.Root, "usr/local/bin/brine-exec-real"), real, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			os.Remove(filepath.Join(h.Root, "usr/local/bin/brine-exec-real"))
			os.Remove(filepath.Join(h.Root, "usr/local/bin/.brine-exec-real.used"))
		})
	}
	dir := t.TempDir()
	script := `#!/bin/sh
case $(hostname) in
h01) head -c 2000000000 /dev/zero | tr '\0' x; exit 0 ;;
h02) head -c 2000000000 /dev/zero | tr '\0' x >&2; exit 1 ;;
esac
exec /usr/local/bin/brine-exec-real "$@"
`
	if err := os.WriteFile(filepath.Join(dir, "brine-exec-linux-amd64"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestHostFloodsTheController: one host's executor prints 2 GB on stdout,
// another's 2 GB on stderr. Each fails with "answer too large" and its
// connection is closed (nothing keeps printing on the host); the other
// hosts' results are intact; the controller's peak RSS stays bounded.
func TestHostFloodsTheController(t *testing.T) {
	hosts := []*Host{hostByID(t, "h01"), hostByID(t, "h02"), hostByID(t, "h03"), hostByID(t, "h04")}
	c := newClient(t)
	c.execDir = floodExecutor(t, hosts...)
	for _, h := range hosts {
		os.RemoveAll(filepath.Join(h.Root, "var/tmp/.brine_root"))
	}
	t.Cleanup(func() {
		for _, h := range hosts {
			os.RemoveAll(filepath.Join(h.Root, "var/tmp/.brine_root"))
		}
	})
	r, m := c.measure("-L", "h01,h02,h03,h04", "cmd.run", "echo intact", "--out", "json", "--static")
	t.Logf("controller: peak RSS %d MiB, CPU %s, wall %s", m.maxRSS>>20, m.cpu, m.wall)
	if m.maxRSS > maxControllerRSS {
		t.Errorf("controller peak RSS %d MiB, over %d MiB", m.maxRSS>>20, maxControllerRSS>>20)
	}
	if r.code != 20 {
		t.Errorf("exit %d, want 20", r.code)
	}
	out := jsonOut(t, r)
	for _, id := range []string{"h03", "h04"} {
		if out[id] != "intact" {
			t.Errorf("%s: %v", id, out[id])
		}
	}
	for id, want := range map[string]string{"h01": "answer too large (", "h02": "answer too large ("} {
		e, _ := out[id].(map[string]any)
		msg := fmt.Sprint(e["stderr"])
		if !strings.HasPrefix(msg, want) || !strings.Contains(msg, "passed the limit of") {
			t.Errorf("%s: %v", id, out[id])
		}
	}
	if e, _ := out["h02"].(map[string]any); !strings.Contains(fmt.Sprint(e["stderr"]), "stderr passed the limit of 1 MiB") {
		t.Errorf("h02: %v", out["h02"])
	}
	if e, _ := out["h01"].(map[string]any); !strings.Contains(fmt.Sprint(e["stderr"]), "the answer passed the limit of 64 MiB") {
		t.Errorf("h01: %v", out["h01"])
	}
	for _, h := range hosts[:2] {
		if left := h.WaitProcs(10*time.Second, func(p Proc) bool { return p.Comm == "head" || p.Comm == "tr" }); len(left) > 0 {
			t.Errorf("%s: still printing after its connection was closed: %+v", h.ID, left)
		}
	}
}

// peakRSS samples the peak RSS (VmHWM) of h's processes that match, until
// stop is closed.
func peakRSS(h *Host, match func(Proc) bool, stop <-chan struct{}) <-chan int64 {
	res := make(chan int64, 1)
	go func() {
		var peak int64
		for {
			for _, p := range h.Procs() {
				if !match(p) {
					continue
				}
				b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID))
				if err != nil {
					continue
				}
				for _, l := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
						kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
						peak = max(peak, kb<<10)
					}
				}
			}
			select {
			case <-stop:
				res <- peak
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return res
}

// TestCommandFloods: cmd.run printing 500 MB on three hosts (and a state's
// cmd.run printing 500 MB on a fourth). Each keeps the head and the tail
// of the output and says how much it dropped; the controller's peak RSS
// stays bounded, and so does each executor's on its host.
func TestCommandFloods(t *testing.T) {
	c := newClient(t)
	ids := []string{"h05", "h06", "h07"}
	flood := "yes | head -c 500000000"
	var hosts []*Host
	for _, id := range append(ids, "h08") {
		hosts = append(hosts, hostByID(t, id))
	}
	// Warm up: executors cached, grains known; then sample the executors'
	// peak RSS on every host through the run.
	if r := c.run("-L", "h05,h06,h07,h08", "test.ping"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	stop := make(chan struct{})
	var peaks []<-chan int64
	for _, h := range hosts {
		peaks = append(peaks, peakRSS(h, executorProc, stop))
	}
	var wg sync.WaitGroup
	var sr result
	wg.Add(1)
	go func() {
		defer wg.Done()
		tree := writeTree(t, map[string]string{"top.sls": "base:\n  '*':\n    - flood\n", "flood.sls": "flood:\n  cmd.run:\n    - name: " + flood + "\n"})
		sr = c.run("-L", "h08", "state.apply", "--file-root", tree, "--out", "json", "--static")
	}()
	r, m := c.measure("-L", strings.Join(ids, ","), "cmd.run", flood)
	wg.Wait()
	close(stop)
	t.Logf("controller: peak RSS %d MiB, CPU %s, wall %s", m.maxRSS>>20, m.cpu, m.wall)
	if m.maxRSS > maxControllerRSS {
		t.Errorf("controller peak RSS %d MiB, over %d MiB", m.maxRSS>>20, maxControllerRSS>>20)
	}
	for i, p := range peaks {
		peak := <-p
		t.Logf("%s: executor peak RSS %d MiB", hosts[i].ID, peak>>20)
		if peak == 0 || peak > 256<<20 {
			t.Errorf("%s: executor peak RSS %d MiB (want under 256 MiB)", hosts[i].ID, peak>>20)
		}
	}
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	dropped := "[brine: " + strconv.Itoa(500000000-16<<20) + " bytes of output dropped here"
	for _, id := range ids {
		i := strings.Index(r.stdout, id+":\n")
		if i < 0 {
			t.Fatalf("no output for %s", id)
		}
		block := r.stdout[i:]
		if j := strings.Index(block[len(id)+2:], "\nh0"); j >= 0 {
			block = block[:len(id)+2+j]
		}
		if !strings.Contains(block, dropped) || strings.Count(block, "\n") < 8<<20 {
			t.Errorf("%s: want the head, the tail and what was dropped (%d lines)", id, strings.Count(block, "\n"))
		}
	}
	if sr.code != 0 {
		t.Fatalf("state run: exit %d\n%s", sr.code, sr.stderr)
	}
	for _, s := range stateResults(t, sr)["h08"] {
		ch, _ := s["changes"].(map[string]any)
		if out, _ := ch["stdout"].(string); !strings.Contains(out, dropped) || len(out) < 16<<20 {
			t.Errorf("state cmd.run: stdout of %d bytes, want the head, the tail and what was dropped", len(out))
		}
	}
}
