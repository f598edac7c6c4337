package roster

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSSHConfigHosts(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	if err := os.MkdirAll(filepath.Join(home, ".ssh", "conf.d"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := `# salt-ssh's sshconfig roster takes Host aliases without wildcards
Host *
    ServerAliveInterval 10
Host web1 web2
    HostName 10.0.0.1
    User deploy
Host=db1
  Port 2222
Host *.internal !bad.internal
Host "quoted"
Include conf.d/*.conf
match host x
Host web1
`
	if err := os.WriteFile(filepath.Join(home, ".ssh", "conf.d", "extra.conf"), []byte("Host extra1\n  HostName 10.9.9.9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(home, ".ssh", "config")
	r, err := sshConfig{}.Parse(file, []byte(cfg), map[string]any{"sudo": true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.IDs(), ","); got != "web1,web2,db1,quoted,extra1" {
		t.Errorf("ids: %s", got)
	}
	for _, h := range r.Hosts {
		// The alias is the address: ssh_config's HostName, Port and User
		// for it apply when brine connects.
		if h.Host != h.ID || !h.Sudo || h.Port != 0 || h.User != "" {
			t.Errorf("%s: %+v", h.ID, h)
		}
	}
	if extra, _ := r.Get("extra1"); extra.Line != 1 {
		t.Errorf("extra1 line: %d", extra.Line)
	}
	if _, ok := (sshConfig{}).ScriptArgs(); ok {
		t.Error("an ssh config is never run")
	}
}

func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadRunsExecutableRoster(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	flatScript := writeScript(t, dir, "flat.sh", "#!/bin/sh\necho 'oops: this goes to stderr' >&2\necho '{\"a\": {\"host\": \"10.0.0.1\"}, \"b\": \"10.0.0.2\"}'\n")
	r, err := Read(ctx, Options{File: flatScript, Defaults: map[string]any{"user": "deploy"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.IDs(), ","); got != "a,b" {
		t.Errorf("ids: %s", got)
	}
	if a, _ := r.Get("a"); a.Host != "10.0.0.1" || a.User != "deploy" {
		t.Errorf("a: %+v", a)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "flat.sh: oops: this goes to stderr") {
		t.Errorf("stderr as warnings: %v", r.Warnings)
	}

	// An Ansible dynamic inventory is run with --list.
	ansScript := writeScript(t, dir, "inv.sh", "#!/bin/sh\n[ \"$1\" = --list ] || exit 3\necho '{\"web\": {\"hosts\": [\"w1\"]}}'\n")
	r, err = Read(ctx, Options{Source: "ansible", File: ansScript})
	if err != nil || strings.Join(r.IDs(), ",") != "w1" || strings.Join(r.Groups["web"], ",") != "w1" {
		t.Errorf("ansible script: %v %v", r, err)
	}

	// A plain file is read, not run.
	plain := filepath.Join(dir, "roster.yaml")
	os.WriteFile(plain, []byte("p: 10.0.0.3\n"), 0o644)
	if r, err := Read(ctx, Options{File: plain}); err != nil || r.Hosts[0].Host != "10.0.0.3" {
		t.Errorf("plain: %v %v", r, err)
	}

	cases := map[string]struct {
		body string
		o    Options
		want string
	}{
		"fails":      {"#!/bin/sh\necho 'cannot reach the CMDB' >&2\nexit 3\n", Options{}, "roster script %s failed (exit status 3): cannot reach the CMDB"},
		"garbage":    {"#!/bin/sh\necho '<html>502 Bad Gateway</html>'\n", Options{}, "roster script %s printed no usable flat roster: roster %s:1: the roster must be a map of host ids"},
		"bad yaml":   {"#!/bin/sh\necho '{a: [1'\n", Options{}, "roster script %s printed no usable flat roster"},
		"slow":       {"#!/bin/sh\nsleep 30 &\nsleep 30\n", Options{ScriptTimeout: 200 * time.Millisecond}, "roster script %s did not finish within 200ms: killed"},
		"too big":    {"#!/bin/sh\nwhile :; do echo 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaa: b'; done\n", Options{ScriptMaxOutput: 1 << 20}, "roster script %s printed more than 1 MiB"},
		"no #! line": {"a: 10.0.0.1\n", Options{}, "roster %s is executable, so brine runs it as a roster script, and that failed"},
		"bad host":   {"#!/bin/sh\necho 'a: {thin_dir: rel}'\n", Options{}, "roster script %s printed no usable flat roster: roster %s:1: host \"a\": thin_dir: thin_dir \"rel\" must be an absolute path"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := writeScript(t, dir, strings.ReplaceAll(name, " ", "_")+".sh", c.body)
			c.o.File = p
			start := time.Now()
			_, err := Read(ctx, c.o)
			want := strings.ReplaceAll(c.want, "%s", p)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("want error containing %q, got %v", want, err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("a bounded script took %s", d)
			}
		})
	}
	if _, err := Read(ctx, Options{Source: "cmdb", File: plain}); err == nil || !strings.Contains(err.Error(), "flat, ansible, sshconfig") {
		t.Errorf("unknown source: %v", err)
	}
	if _, err := Read(ctx, Options{File: filepath.Join(dir, "missing.yaml")}); err == nil || !strings.Contains(err.Error(), "--roster-file") {
		t.Errorf("missing file: %v", err)
	}
}
