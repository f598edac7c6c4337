package e2e

import (
	"path/filepath"
	"testing"
)

// Fleet benchmarks: wall time of whole brine runs against the ten hosts,
// warm (executor and grains cached), as a user would see them.
//
//	go test -run '^$' -bench Fleet -benchtime 20x ./e2e

func BenchmarkFleetPing(b *testing.B) {
	c := newClient(b)
	if r := c.run("h*", "test.ping"); r.code != 0 {
		b.Fatal(r.stderr)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := c.run("h*", "test.ping", "--out", "json", "--static"); r.code != 0 {
			b.Fatal(r.stderr)
		}
	}
}

func BenchmarkFleetCmdRun(b *testing.B) {
	c := newClient(b)
	c.run("h*", "test.ping")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := c.run("h*", "cmd.run", "uname -a", "--out", "json", "--static"); r.code != 0 {
			b.Fatal(r.stderr)
		}
	}
}

// BenchmarkFleetStateApplyDry compiles the example tree for ten hosts and
// runs it with test=True (compile + bundle + one exec per host).
func BenchmarkFleetStateApplyDry(b *testing.B) {
	c := newClient(b)
	tree, _ := filepath.Abs("../states")
	c.run("h*", "test.ping")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := c.run("h*", "state.apply", "test=True", "--file-root", tree, "--out", "json", "--static"); r.code != 0 {
			b.Fatal(r.stdout, r.stderr)
		}
	}
}
