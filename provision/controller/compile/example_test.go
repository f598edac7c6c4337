package compile

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"brine/provision/wire/lowstate"
)

// exampleTree is the repository's example state tree.
func exampleTree() Tree {
	return Tree{FileRoots: map[string][]string{"base": {filepath.Join("..", "..", "..", "states")}}}
}

// debianGrains are grains of a Debian 12 host, varied by n.
func debianGrains(n int, roles ...string) map[string]any {
	r := make([]any, len(roles))
	for i, x := range roles {
		r[i] = x
	}
	return map[string]any{
		"id": fmt.Sprintf("host%03d", n), "fqdn": fmt.Sprintf("host%03d.example.org", n),
		"os": "Debian", "os_family": "Debian", "osrelease": "12", "oscodename": "bookworm",
		"osarch": "amd64", "num_cpus": 2 + n%4, "mem_total": 2048 + n,
		"ipv4":  []any{"127.0.0.1", fmt.Sprintf("10.0.%d.%d", n/250, n%250+1)},
		"roles": r,
	}
}

func ids(low []lowstate.Chunk) []string {
	var out []string
	for _, c := range low {
		out = append(out, c.State()+"."+c.Fun()+" "+c.ID())
	}
	return out
}

func TestExampleDefaultHighstate(t *testing.T) {
	c := New(exampleTree())
	res, err := c.Highstate(context.Background(), Host{ID: "host001", Grains: debianGrains(1)})
	if err != nil {
		t.Fatal(err)
	}
	got := ids(res.Low)
	want := []string{
		"timezone.system UTC",
		"group.present admins",
		"file.directory /etc/sudoers.d",
		"file.managed /etc/sudoers.d/admins",
		"user.present user-deploy",
		"file.managed motd-file",
		"file.managed motd-issue-net",
		"file.directory /srv/brine",
		"file.managed /etc/cron.d/brine-standalone",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("default highstate:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range res.Low {
		switch c.State() {
		case "pkg", "service", "pkgrepo", "git", "mount", "cmd":
			t.Errorf("package-heavy state %s.%s %s in the default highstate", c.State(), c.Fun(), c.ID())
		}
	}
	motd := chunkNamed(res.Low, "/etc/motd")
	if motd == nil {
		t.Fatal("no /etc/motd chunk")
	}
	body := string(res.Files[motd.Str(lowstate.KeyFile)])
	for _, s := range []string{"managed by brine", "host:     host001", "os:       Debian", "num_cpus: 3", "codename: bookworm"} {
		if !strings.Contains(body, s) {
			t.Errorf("motd lacks %q:\n%s", s, body)
		}
	}
	if m := chunkNamed(res.Low, "/etc/sudoers.d/admins"); m.Str("mode") != "440" {
		t.Errorf("sudoers mode = %v, want \"440\"", m["mode"])
	}
}

func TestExampleAllRoles(t *testing.T) {
	c := New(exampleTree())
	h := Host{ID: "host002", Grains: debianGrains(2, "server", "docker", "salt"),
		Pillar: map[string]any{"docker": map[string]any{"users": []any{"deploy"}}}}
	res, err := c.Highstate(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, s := range ids(res.Low) {
		have[s] = true
	}
	for _, w := range []string{
		"pkg.installed docker.io", "service.running docker", "user.present docker-user-deploy",
		"pkg.installed fail2ban", "pkg.installed openssh-server", "pkg.installed ntpsec",
		"pkg.latest wget", "pkg.installed sysstat", "mount.swap /swapfile", "cmd.wait iptables-restore",
		"pkgrepo.managed salt-minion", "pkg.latest salt-minion", "service.dead salt-minion",
		"git.latest base_states", "git.latest bencane_states", "pkg.installed iptables-pkgs",
	} {
		if !have[w] {
			t.Errorf("all-roles highstate lacks %s", w)
		}
	}
	svc := chunkNamed(res.Low, "ssh")
	if svc == nil || fmt.Sprint(svc["watch"]) != "[map[file:/etc/ssh/sshd_config.d/brine.conf]]" {
		t.Errorf("watch_in did not reach the ssh service: %v", svc)
	}
	var names []string
	for _, c := range res.Low {
		if c.ID() == "iptables-pkgs" {
			names = append(names, c.Name())
		}
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "iptables,iptables-persistent" {
		t.Errorf("names expansion: %v", names)
	}
	all := c.listSLS("base")
	if len(all) < 20 {
		t.Errorf("example tree lists %d SLS: %v", len(all), all)
	}
	for _, name := range all {
		if _, err := c.SLS(context.Background(), h, "base", []string{name}); err != nil {
			t.Errorf("state.show_sls %s: %v", name, err)
		}
	}
}

// TestConcurrentCompile compiles hosts in parallel on one Compiler (run with
// -race to check the caches).
func TestConcurrentCompile(t *testing.T) {
	c := New(exampleTree())
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, err := c.Highstate(context.Background(), Host{ID: fmt.Sprint(i), Grains: debianGrains(i%4, "server")})
			if err == nil && len(res.Low) < 20 {
				err = fmt.Errorf("host %d: %d chunks", i, len(res.Low))
			}
			if err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// BenchmarkHighstate500Hosts compiles the example highstate for 500 hosts
// with distinct grains; it reports ns/host.
func BenchmarkHighstate500Hosts(b *testing.B) {
	hosts := make([]Host, 500)
	for i := range hosts {
		g := debianGrains(i, "server")
		hosts[i] = Host{ID: g["id"].(string), Grains: g}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		c := New(exampleTree())
		for _, h := range hosts {
			if _, err := c.Highstate(ctx, h); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(hosts)), "ns/host")
}

// BenchmarkHighstateSameHost recompiles one host on a warm Compiler: every
// render is a cache hit.
func BenchmarkHighstateSameHost(b *testing.B) {
	c := New(exampleTree())
	h := Host{ID: "host001", Grains: debianGrains(1, "server")}
	ctx := context.Background()
	if _, err := c.Highstate(ctx, h); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := c.Highstate(ctx, h); err != nil {
			b.Fatal(err)
		}
	}
}
