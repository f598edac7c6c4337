package e2e

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// BenchmarkAdhoc200 measures ad-hoc execution functions on a fleet of
// BRINE_BENCH_ADHOC_HOSTS hosts (default 200, issue 14): pkg.version and
// file.replace against test.ping on the same hosts in the same run, each
// the median of BRINE_BENCH_ROUNDS interleaved rounds (default 5), warm
// (executor and grains cached, as a user's second command finds them).
// Each must stay within 1.2x of test.ping; every host must answer.
//
//	go test -run '^$' -bench Adhoc200 -timeout 60m ./e2e
func BenchmarkAdhoc200(b *testing.B) {
	n := envInt("BRINE_BENCH_ADHOC_HOSTS", 200)
	rounds := envInt("BRINE_BENCH_ROUNDS", 5)
	sf := newScaleFleet(b, n)
	common := []string{"--out", "json", "--static"}
	// warm: the executor uploaded, grains cached; the file to edit
	if m := sf.run(append([]string{"*", "test.ping"}, common...)...); m.code != 0 {
		b.Fatalf("warm-up: exit %d\n%s", m.code, tail([]byte(m.stderr), 4000))
	}
	if m := sf.run(append([]string{"*", "-r", "printf 'listen = 0\\nmode = fast\\n' > /tmp/bench.conf"}, common...)...); m.code != 0 {
		b.Fatalf("set-up: exit %d\n%s", m.code, tail([]byte(m.stderr), 4000))
	}
	type run struct {
		name  string
		args  func(round int) []string
		check func(v any) bool
	}
	runs := []run{
		{"test.ping", func(int) []string { return []string{"test.ping"} }, func(v any) bool { return v == true }},
		{"pkg.version bash", func(int) []string { return []string{"pkg.version", "bash"} },
			func(v any) bool { s, _ := v.(string); return s != "" }},
		// a real edit every round (the value changes): read, replace,
		// backup, temp file and rename, diff
		{"file.replace", func(r int) []string {
			return []string{"file.replace", "/tmp/bench.conf", `^listen = \d+`, fmt.Sprintf("listen = %d", r+1)}
		}, func(v any) bool { s, _ := v.(string); return strings.Contains(s, "+listen = ") }},
	}
	walls := map[string][]time.Duration{}
	cpus := map[string][]time.Duration{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for r := 0; r < rounds; r++ {
			for _, rn := range runs {
				m := sf.run(append(append([]string{"*"}, rn.args(i*rounds+r)...), common...)...)
				var doc map[string]any
				if err := json.Unmarshal([]byte(m.stdout), &doc); err != nil {
					b.Fatalf("%s: not JSON: %v\n%s", rn.name, err, tail([]byte(m.stderr), 4000))
				}
				bad := 0
				for _, v := range doc {
					if !rn.check(v) {
						bad++
					}
				}
				if len(doc) != n || bad > 0 || m.code != 0 {
					b.Fatalf("%s: exit %d, %d answers, %d wrong (e.g. %v)", rn.name, m.code, len(doc), bad, firstValue(doc))
				}
				walls[rn.name] = append(walls[rn.name], m.wall)
				cpus[rn.name] = append(cpus[rn.name], m.cpu)
			}
		}
	}
	b.StopTimer()
	ping := median(walls["test.ping"])
	var s strings.Builder
	fmt.Fprintf(&s, "\n%d hosts, %d CPUs, median of %d rounds (warm)\n", n, runtime.NumCPU(), len(walls["test.ping"]))
	fmt.Fprintf(&s, "  %-18s %8s %8s %14s\n", "function", "wall", "x ping", "ctl CPU/host")
	for _, rn := range runs {
		w := median(walls[rn.name])
		x := w.Seconds() / ping.Seconds()
		fmt.Fprintf(&s, "  %-18s %7.2fs %8.2f %11.2f ms\n", rn.name, w.Seconds(), x, float64(median(cpus[rn.name]).Microseconds())/1000/float64(n))
		metric := strings.NewReplacer(" ", "-", ".", "-").Replace(rn.name)
		b.ReportMetric(w.Seconds(), metric+"-s")
		if rn.name != "test.ping" {
			b.ReportMetric(x, metric+"-x")
			if x > 1.2 {
				b.Errorf("%s: %.2fx test.ping on %d hosts (budget 1.2x)", rn.name, x, n)
			}
		}
	}
	fmt.Print(s.String())
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func firstValue(doc map[string]any) any {
	for k, v := range doc {
		return fmt.Sprintf("%s: %v", k, v)
	}
	return nil
}
