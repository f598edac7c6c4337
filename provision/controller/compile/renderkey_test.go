package compile

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// sharingTree is a formula in the modern layout: a map.jinja found through
// tpldir, filter_by on os_family, pillar merged in, per-host templates.
func sharingTree(t testing.TB) Tree {
	root := t.TempDir()
	files := map[string]string{
		"top.sls": "base:\n  '*':\n    - app\n    - motd\n",
		"app/map.jinja": "{% set app = salt['grains.filter_by']({'Debian': {'pkg': 'nginx'}, 'RedHat': {'pkg': 'nginx-core'}}," +
			" merge=salt['pillar.get']('app:lookup')) %}",
		"app/init.sls": "{% from tpldir ~ '/map.jinja' import app with context %}\n" +
			"app:\n  pkg.installed:\n    - name: {{ app.pkg }}\n" +
			"{% if grains['num_cpus'] > 2 %}big:\n  test.nop: []\n{% endif %}" +
			"conf:\n  file.managed:\n    - name: /etc/app.conf\n    - source: salt://app/app.conf.j2\n    - template: jinja\n",
		"app/app.conf.j2": "workers={{ grains.num_cpus }}\nname={{ salt['config.get']('app:name', 'x') }}\n",
		"motd/init.sls":   "motd:\n  file.managed:\n    - name: /etc/motd\n    - contents: 'Welcome to {{ grains.id }} ({{ grains.os }})'\n",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Tree{FileRoots: map[string][]string{"base": {root}}}
}

func sharingHosts(n int) []Host {
	hosts := make([]Host, n)
	for i := range hosts {
		g := debianGrains(i, "server")
		if i%3 == 0 {
			g["os"], g["os_family"] = "Rocky", "RedHat"
		}
		var p map[string]any
		if i%4 == 0 {
			p = map[string]any{"app": map[string]any{"name": fmt.Sprintf("a%d", i%2), "lookup": map[string]any{"pkg": "nginx-light"}}}
		}
		hosts[i] = Host{ID: g["id"].(string), Grains: g, Pillar: p}
	}
	return hosts
}

// TestSharedRendersEqualFreshCompiles is the property the narrowed render
// keys must keep: compiling many hosts on one compiler (renders shared
// where the template reads the same values) gives exactly what compiling
// each host on a fresh compiler gives.
func TestSharedRendersEqualFreshCompiles(t *testing.T) {
	ctx := context.Background()
	for name, tree := range map[string]Tree{"example": exampleTree(), "formula": sharingTree(t)} {
		shared := New(tree)
		for _, h := range sharingHosts(40) {
			got, err1 := shared.Highstate(ctx, h)
			want, err2 := New(tree).Highstate(ctx, h)
			if fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Fatalf("%s %s: errors differ: %v / %v", name, h.ID, err1, err2)
			}
			if err1 != nil {
				continue
			}
			g, _ := json.Marshal([]any{got.Low, got.Files, got.High})
			w, _ := json.Marshal([]any{want.Low, want.Files, want.High})
			if string(g) != string(w) {
				t.Fatalf("%s %s: the shared compile differs from a fresh one:\n%s\n%s", name, h.ID, g, w)
			}
		}
	}
}

// BenchmarkHighstateSharing compiles a formula and the example tree for 500
// hosts on one compiler: "narrow" keys renders on what each template reads
// (hosts share renders), "whole" on every grain, pillar and opt (no host
// shares a render with another).
func BenchmarkHighstateSharing(b *testing.B) {
	hosts := sharingHosts(500)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		tree Tree
	}{{"formula", sharingTree(b)}, {"example", exampleTree()}} {
		for _, whole := range []bool{false, true} {
			b.Run(tc.name+"/"+map[bool]string{false: "narrow", true: "whole"}[whole], func(b *testing.B) {
				b.ReportAllocs()
				for n := 0; n < b.N; n++ {
					c := New(tc.tree)
					c.wholeKeys = whole
					for _, h := range hosts {
						if _, err := c.Highstate(ctx, h); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(hosts)), "ns/host")
			})
		}
	}
}
