package modules

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/funcs"
)

// fakeApt is a dpkg/apt host: installed packages, held ones, and what an
// apt-get install or remove does to them.
type fakeApt struct {
	pkgs map[string]string // name -> version
	held map[string]bool
	// fail makes apt-get fail with this stderr
	fail string
}

func (a *fakeApt) handler(c state.Cmd, line string) (state.CmdResult, bool) {
	argv := c.Argv
	switch {
	case strings.HasPrefix(line, "dpkg-query --showformat"):
		var b strings.Builder
		for n, v := range a.pkgs {
			kind := "install"
			if a.held[n] {
				kind = "hold"
			}
			b.WriteString(kind + " ok installed " + n + " " + v + " amd64\n")
		}
		return state.CmdResult{Stdout: b.String()}, true
	case strings.HasPrefix(line, "dpkg --get-selections"):
		var b strings.Builder
		for n := range a.pkgs {
			st := "install"
			if a.held[n] {
				st = "hold"
			}
			if argv[2] == "*" || argv[2] == n {
				b.WriteString(n + "\t\t" + st + "\n")
			}
		}
		return state.CmdResult{Stdout: b.String()}, true
	case strings.HasPrefix(line, "dpkg --set-selections"):
		f := strings.Fields(string(c.Stdin))
		a.held[f[0]] = f[1] == "hold"
		return state.CmdResult{}, true
	case len(argv) > 0 && argv[0] == "apt-get" && (slices.Contains(argv, "install") || slices.Contains(argv, "remove") || slices.Contains(argv, "purge")):
		if a.fail != "" {
			return state.CmdResult{Retcode: 100, Stderr: a.fail}, true
		}
		rm := slices.Contains(argv, "remove") || slices.Contains(argv, "purge")
		for _, x := range argv[4:] {
			if strings.HasPrefix(x, "-") || x == "install" || x == "remove" || x == "purge" || x == "DPkg::Options::=--force-confold" || x == "DPkg::Options::=--force-confdef" {
				continue
			}
			if a.held[x] {
				return state.CmdResult{Retcode: 100, Stderr: "E: held " + x}, true
			}
			n, v, _ := strings.Cut(x, "=")
			if rm {
				delete(a.pkgs, n)
			} else {
				if v == "" {
					v = "1.0-1"
					if cur, ok := a.pkgs[n]; ok {
						v = cur
					}
				}
				a.pkgs[n] = v
			}
		}
		return state.CmdResult{}, true
	case strings.HasPrefix(line, "apt-get -q update"):
		return state.CmdResult{Stdout: "Hit:1 http://deb.debian.org/debian bookworm InRelease\nGet:2 http://deb.debian.org/debian bookworm-updates InRelease [55.4 kB]\nErr:3 http://x y Release\nReading package lists..."}, true
	case strings.HasPrefix(line, "apt-cache -q policy"):
		policy := map[string]string{"tree": "tree:\n  Installed: (none)\n  Candidate: 2.1.0-1\n", "sudo": "sudo:\n  Installed: 1.9.13p3-1+deb12u1\n  Candidate: 1.9.13p3-1+deb12u1\n"}
		var b strings.Builder
		for _, n := range argv[3:] {
			b.WriteString(policy[n])
		}
		return state.CmdResult{Stdout: b.String()}, true
	case strings.HasPrefix(line, "dpkg -S /usr/bin/sudo"):
		return state.CmdResult{Stdout: "sudo: /usr/bin/sudo\n"}, true
	case strings.HasPrefix(line, "dpkg -S"):
		return state.CmdResult{Retcode: 1, Stderr: "dpkg-query: no path found matching pattern " + argv[2]}, true
	}
	return state.CmdResult{}, false
}

func aptEnvFor(t *testing.T, a *fakeApt) (*Env, *hostcmd.Fake) {
	root, f := testRoot(t)
	f.Handler = a.handler
	return &Env{Root: root, Exec: f, Grains: map[string]any{"os_family": "Debian", "cpuarch": "x86_64", "osarch": "amd64"}}, f
}

func TestPkgInstallRemove(t *testing.T) {
	a := &fakeApt{pkgs: map[string]string{"sudo": "1.9", "cron": "3.0"}, held: map[string]bool{"cron": true}}
	env, f := aptEnvFor(t, a)
	got := callT(t, env, "pkg.install", []any{"tree"}, nil)
	if !reflect.DeepEqual(got, map[string]any{"tree": map[string]any{"old": "", "new": "1.0-1"}}) {
		t.Errorf("install: %v", got)
	}
	// several, one pinned, one held: unheld for the install, held again
	got = callT(t, env, "pkg.install", nil, map[string]any{"pkgs": []any{"less", map[string]any{"cron": "3.1"}}})
	if !reflect.DeepEqual(got, map[string]any{"less": map[string]any{"old": "", "new": "1.0-1"}, "cron": map[string]any{"old": "3.0", "new": "3.1"}}) {
		t.Errorf("install pkgs: %v\n%s", got, strings.Join(f.Lines(), "\n"))
	}
	if !a.held["cron"] {
		t.Error("cron not held again after its install")
	}
	// nothing to do for an installed package with no version: apt runs,
	// nothing changes
	if got := callT(t, env, "pkg.install", []any{"sudo"}, nil); !reflect.DeepEqual(got, map[string]any{}) {
		t.Errorf("install installed: %v", got)
	}
	a.fail = "E: Unable to locate package nosuch"
	_, err := Call(context.Background(), env, "pkg.install", []any{"nosuch"}, nil)
	var ex *funcs.Exception
	if !errors.As(err, &ex) || ex.Msg != "Problem encountered installing package(s)" ||
		!reflect.DeepEqual(ex.Info, map[string]any{"errors": []any{"E: Unable to locate package nosuch"}, "changes": map[string]any{}}) {
		t.Errorf("failed install: %#v", err)
	}
	a.fail = ""
	got = callT(t, env, "pkg.remove", []any{"tree"}, nil)
	if !reflect.DeepEqual(got, map[string]any{"tree": map[string]any{"old": "1.0-1", "new": ""}}) {
		t.Errorf("remove: %v", got)
	}
	if got := callT(t, env, "pkg.remove", []any{"tree"}, nil); !reflect.DeepEqual(got, map[string]any{}) {
		t.Errorf("remove absent: %v", got)
	}
	got = callT(t, env, "pkg.install", []any{"tree"}, map[string]any{"version": "2.1.0-1", "refresh": true})
	if !reflect.DeepEqual(got, map[string]any{"tree": map[string]any{"old": "", "new": "2.1.0-1"}}) {
		t.Errorf("install version: %v", got)
	}
	lines := strings.Join(f.Lines(), "\n")
	if !strings.Contains(lines, "apt-get -q update") || !strings.Contains(lines, "install tree=2.1.0-1") {
		t.Errorf("refresh and pinned install:\n%s", lines)
	}
}

func TestPkgQueries(t *testing.T) {
	a := &fakeApt{pkgs: map[string]string{"sudo": "1.9.13p3-1+deb12u1"}, held: map[string]bool{}}
	env, _ := aptEnvFor(t, a)
	if got := callT(t, env, "pkg.refresh_db", nil, nil); !reflect.DeepEqual(got, map[string]any{
		"http://deb.debian.org/debian bookworm InRelease": nil, "http://deb.debian.org/debian bookworm-updates InRelease": true, "http://x y Release": false}) {
		t.Errorf("refresh_db: %v", got)
	}
	if got := callT(t, env, "pkg.latest_version", []any{"tree"}, nil); got != "2.1.0-1" {
		t.Errorf("latest_version tree: %v", got)
	}
	if got := callT(t, env, "pkg.latest_version", []any{"tree", "sudo"}, map[string]any{"refresh": false}); !reflect.DeepEqual(got, map[string]any{"tree": "2.1.0-1", "sudo": ""}) {
		t.Errorf("latest_version several: %v", got)
	}
	if got := callT(t, env, "pkg.upgrade_available", []any{"sudo"}, nil); got != false {
		t.Errorf("upgrade_available: %v", got)
	}
	if got := callT(t, env, "pkg.hold", []any{"sudo"}, nil); !reflect.DeepEqual(got, map[string]any{"sudo": map[string]any{
		"name": "sudo", "result": true, "comment": "Package sudo is now being held.", "changes": map[string]any{"old": "install", "new": "hold"}}}) {
		t.Errorf("hold: %#v", got)
	}
	if got := callT(t, env, "pkg.hold", []any{"sudo"}, nil).(map[string]any)["sudo"].(map[string]any)["comment"]; got != "Package sudo is already set to be held." {
		t.Errorf("hold again: %v", got)
	}
	if got := callT(t, env, "pkg.unhold", []any{"sudo"}, nil).(map[string]any)["sudo"].(map[string]any)["comment"]; got != "Package sudo is no longer being held." {
		t.Errorf("unhold: %v", got)
	}
	if got := callT(t, env, "pkg.owner", []any{"/usr/bin/sudo"}, nil); got != "sudo" {
		t.Errorf("owner: %v", got)
	}
	c := &call{ctx: context.Background(), env: env}
	if got, _ := pkgOwner(&call{ctx: c.ctx, env: env, rest: []any{"/usr/bin/sudo", "/etc/hostname"}}); !reflect.DeepEqual(got, map[string]any{"/usr/bin/sudo": "sudo", "/etc/hostname": ""}) {
		t.Errorf("owner several: %v", got)
	}
	for _, tc := range []struct {
		a, b string
		want int
	}{{"1.2-1", "1.10-1", -1}, {"1:0.9", "2.0", 1}, {"2.0", "2.0", 0}} {
		if got := callT(t, env, "pkg.version_cmp", []any{tc.a, tc.b}, nil); got != tc.want {
			t.Errorf("version_cmp %s %s = %v", tc.a, tc.b, got)
		}
	}
	if got := callT(t, env, "pkg.version_cmp", []any{"1:0.9", "2.0"}, map[string]any{"ignore_epoch": true}); got != -1 {
		t.Errorf("version_cmp ignore_epoch = %v", got)
	}
}
