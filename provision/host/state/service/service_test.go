package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// fakeSysV is a host with one init script: status answers from running,
// start/stop/restart/reload flip it and count, update-rc.d makes links.
type fakeSysV struct {
	root      string
	running   bool
	pid       int
	noStatus  bool
	startFail bool
}

func (f *fakeSysV) handler(c state.Cmd, line string) (state.CmdResult, bool) {
	a := c.Argv
	switch {
	case a[0] == f.root+"/etc/init.d/nginx":
		switch a[1] {
		case "status":
			if f.noStatus {
				return state.CmdResult{Retcode: 3, Stderr: "Usage: /etc/init.d/nginx {start|stop|restart}"}, true
			}
			if f.running {
				return state.CmdResult{Stdout: "nginx is running."}, true
			}
			return state.CmdResult{Retcode: 3, Stdout: "nginx is not running ... failed!"}, true
		case "start":
			if f.startFail {
				return state.CmdResult{Retcode: 1, Stderr: "bind() to 0.0.0.0:80 failed"}, true
			}
			f.running = true
			f.pid++
		case "stop":
			f.running = false
		case "restart":
			f.running = true
			f.pid++
		case "reload":
		}
		return state.CmdResult{}, true
	case a[0] == "update-rc.d":
		switch a[2] {
		case "defaults":
			for _, l := range []string{"2", "3", "4", "5"} {
				os.MkdirAll(filepath.Join(f.root, "etc/rc"+l+".d"), 0o755)
				os.Symlink("../init.d/nginx", filepath.Join(f.root, "etc/rc"+l+".d/S01nginx"))
			}
			for _, l := range []string{"0", "1", "6"} {
				os.MkdirAll(filepath.Join(f.root, "etc/rc"+l+".d"), 0o755)
				os.Symlink("../init.d/nginx", filepath.Join(f.root, "etc/rc"+l+".d/K01nginx"))
			}
		case "disable", "enable":
			from, to := "S", "K"
			if a[2] == "enable" {
				from, to = "K", "S"
			}
			for _, l := range []string{"2", "3", "4", "5"} {
				d := filepath.Join(f.root, "etc/rc"+l+".d")
				os.Rename(filepath.Join(d, from+"01nginx"), filepath.Join(d, to+"01nginx"))
			}
		}
		return state.CmdResult{}, true
	}
	return state.CmdResult{Retcode: 127, Stderr: "unexpected " + line}, true
}

func newSysV(t *testing.T) (*state.Env, *fakeSysV, *hostcmd.Fake) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/init.d"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/init.d/nginx"), []byte("#!/bin/sh\n"), 0o755)
	os.MkdirAll(filepath.Join(root, "usr/sbin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/sbin/update-rc.d"), []byte("#!/bin/sh\n"), 0o755)
	f := &fakeSysV{root: root}
	fx := &hostcmd.Fake{Handler: f.handler}
	return &state.Env{Root: root, Exec: fx, Grains: map[string]any{"init": "sysvinit"}}, f, fx
}

// expect checks a result against Salt's (salt/states/service.py 3007.1).
func expect(t *testing.T, what string, r *lowstate.Result, result string, comment string, changes map[string]any) {
	t.Helper()
	if statetest.Result(r) != result || r.Comment != comment || !reflect.DeepEqual(r.Changes, changes) {
		t.Errorf("%s:\n got  %s %q %v\n want %s %q %v", what, statetest.Result(r), r.Comment, r.Changes, result, comment, changes)
	}
}

var none = map[string]any{}

func TestSysVRunningEnable(t *testing.T) {
	env, f, fx := newSysV(t)
	c := lowstate.Chunk{"name": "nginx", "fun": "running", "enable": true}
	env.Test = true
	pred := statetest.Call(env, Module(), "service.running", c)
	// Salt predicts the start only; enable is not mentioned and changes
	// stay empty in test mode.
	expect(t, "test", pred, "None", "Service nginx is set to start", none)
	if f.running || len(fx.Lines()) != 1 {
		t.Fatalf("test mode acted: running=%v cmds=%v", f.running, fx.Lines())
	}
	env.Test = false
	fx.Reset()
	r := statetest.Call(env, Module(), "service.running", c)
	expect(t, "run", r, "true", "Service nginx has been enabled, and is running", map[string]any{"nginx": true})
	s := env.Root + "/etc/init.d/nginx"
	want := []string{s + " status", s + " start", s + " status", "update-rc.d nginx defaults"}
	if !reflect.DeepEqual(fx.Lines(), want) {
		t.Errorf("commands %v", fx.Lines())
	}
	expect(t, "second run", statetest.Call(env, Module(), "service.running", c), "true", "The service nginx is already running", none)
	// Running but not enabled: the _enable comment replaces the running one.
	statetest.Call(env, Module(), "service.disabled", lowstate.Chunk{"name": "nginx"})
	env.Test = true
	expect(t, "enable only, test", statetest.Call(env, Module(), "service.running", c), "None", "Service nginx set to be enabled", none)
	env.Test = false
	expect(t, "enable only", statetest.Call(env, Module(), "service.running", c), "true", "Service nginx has been enabled, and is in the desired state", map[string]any{"nginx": true})
	// Started without enable: Salt reports the new status as the change.
	f.running = false
	expect(t, "start", statetest.Call(env, Module(), "service.running", lowstate.Chunk{"name": "nginx"}), "true", "Started service nginx", map[string]any{"nginx": true})
	if r := statetest.Call(env, Module(), "service.running", lowstate.Chunk{"name": "nginx", "enabled": true}); statetest.Result(r) != "false" ||
		r.Comment != `Service nginx uses non-existent option "enabled".  Perhaps "enable" option was intended?` {
		t.Errorf("enabled typo: %q", r.Comment)
	}
}

func TestSysVDeadDisable(t *testing.T) {
	env, f, fx := newSysV(t)
	f.running = true
	statetest.Call(env, Module(), "service.enabled", lowstate.Chunk{"name": "nginx"})
	fx.Reset()
	c := lowstate.Chunk{"name": "nginx", "enable": false}
	env.Test = true
	expect(t, "test", statetest.Call(env, Module(), "service.dead", c), "None", "Service nginx is set to be killed", none)
	env.Test = false
	r := statetest.Call(env, Module(), "service.dead", c)
	expect(t, "run", r, "true", "Service nginx has been disabled, and is dead", map[string]any{"nginx": true})
	if f.running {
		t.Error("still running")
	}
	if on, _ := (&SysV{env: env}).Enabled(context.Background(), "nginx"); on {
		t.Error("still enabled")
	}
	if l := fx.Lines(); l[len(l)-1] != "update-rc.d nginx disable" {
		t.Errorf("commands %v", l)
	}
	expect(t, "second", statetest.Call(env, Module(), "service.dead", c), "true", "The service nginx is already dead", none)
	// enabled again uses "enable", not "defaults", once links exist
	fx.Reset()
	env.Test = true
	expect(t, "enabled, test", statetest.Call(env, Module(), "service.enabled", lowstate.Chunk{"name": "nginx"}), "None", "Service nginx set to be enabled", none)
	env.Test = false
	r = statetest.Call(env, Module(), "service.enabled", lowstate.Chunk{"name": "nginx"})
	expect(t, "enabled", r, "true", "Service nginx has been enabled, and is in the desired state", map[string]any{"nginx": true})
	if fx.Lines()[0] != "update-rc.d nginx enable" {
		t.Errorf("enable: %v", fx.Lines())
	}
	expect(t, "enabled again", statetest.Call(env, Module(), "service.enabled", lowstate.Chunk{"name": "nginx"}), "true", "Service nginx is already enabled, and is in the desired state", none)
	env.Test = true
	expect(t, "disabled, test", statetest.Call(env, Module(), "service.disabled", lowstate.Chunk{"name": "nginx"}), "None", "Service nginx set to be disabled", none)
	env.Test = false
	expect(t, "disabled", statetest.Call(env, Module(), "service.disabled", lowstate.Chunk{"name": "nginx"}), "true", "Service nginx has been disabled, and is in the desired state", map[string]any{"nginx": true})
	expect(t, "disabled again", statetest.Call(env, Module(), "service.disabled", lowstate.Chunk{"name": "nginx"}), "true", "Service nginx is already disabled, and is in the desired state", none)
}

func TestSysVStartFailure(t *testing.T) {
	env, f, _ := newSysV(t)
	f.startFail = true
	r := statetest.Call(env, Module(), "service.running", lowstate.Chunk{"name": "nginx"})
	if statetest.Result(r) != "false" || !strings.HasPrefix(r.Comment, "Service nginx failed to start\n") || !strings.Contains(r.Comment, "bind()") {
		t.Errorf("%s %q", statetest.Result(r), r.Comment)
	}
}

// TestNotInstalled: a service whose package an earlier state installs.
// Salt predicts (None) in test mode and fails only for real.
func TestNotInstalled(t *testing.T) {
	env, _, _ := newSysV(t)
	for _, tc := range []struct {
		fun        string
		test       bool
		result, cm string
	}{
		{"running", true, "None", "Service ghost not present; if created in this state run, it would have been started"},
		{"running", false, "false", "The named service ghost is not available"},
		{"dead", true, "None", "Service ghost not present; if created in this state run, it would have been stopped"},
		{"dead", false, "true", "The named service ghost is not available"},
		{"enabled", true, "None", "Service ghost not present; if created in this state run, it would have been enabled"},
		{"enabled", false, "false", "The named service ghost is not available"},
		{"disabled", true, "true", "The named service ghost is not available"},
		{"disabled", false, "true", "The named service ghost is not available"},
	} {
		env.Test = tc.test
		expect(t, fmt.Sprintf("%s test=%v", tc.fun, tc.test), statetest.Call(env, Module(), "service."+tc.fun, lowstate.Chunk{"name": "ghost", "enable": true}), tc.result, tc.cm, none)
	}
	env.Test = true
	expect(t, "mod_watch test", statetest.Call(env, Module(), "service.mod_watch", lowstate.Chunk{"name": "ghost", "sfun": "running"}), "None", "Service is set to be started", none)
	expect(t, "mod_watch dead", statetest.Call(env, Module(), "service.mod_watch", lowstate.Chunk{"name": "ghost", "sfun": "dead"}), "true", "Service is already stopped", none)
	env.Test = false
	if r := statetest.Call(env, Module(), "service.mod_watch", lowstate.Chunk{"name": "ghost", "sfun": "running"}); statetest.Result(r) != "false" || !strings.HasPrefix(r.Comment, "Failed to start the service") {
		t.Errorf("mod_watch of a missing service: %s %q", statetest.Result(r), r.Comment)
	}
}

func TestSysVStatusFallbackToProc(t *testing.T) {
	env, f, _ := newSysV(t)
	f.noStatus = true
	m := &SysV{env: env}
	if on, _ := m.Running(context.Background(), "nginx"); on {
		t.Fatal("running without pid or process")
	}
	os.MkdirAll(filepath.Join(env.Root, "proc/4242"), 0o755)
	os.MkdirAll(filepath.Join(env.Root, "run"), 0o755)
	os.WriteFile(filepath.Join(env.Root, "run/nginx.pid"), []byte("4242\n"), 0o644)
	if on, _ := m.Running(context.Background(), "nginx"); !on {
		t.Error("pidfile with live /proc entry not seen")
	}
	os.Remove(filepath.Join(env.Root, "run/nginx.pid"))
	os.WriteFile(filepath.Join(env.Root, "proc/4242/comm"), []byte("nginx\n"), 0o644)
	if on, _ := m.Running(context.Background(), "nginx"); !on {
		t.Error("/proc comm scan missed the process")
	}
}

func TestModWatch(t *testing.T) {
	env, f, fx := newSysV(t)
	f.running = true
	f.pid = 10
	c := lowstate.Chunk{"name": "nginx", "fun": "running"}
	env.Test = true
	expect(t, "test", statetest.Call(env, Module(), "service.mod_watch", c), "None", "Service is set to be restarted", none)
	if f.pid != 10 {
		t.Fatal("test mode restarted")
	}
	env.Test = false
	expect(t, "restart", statetest.Call(env, Module(), "service.mod_watch", c), "true", "Service restarted", map[string]any{"nginx": true})
	if f.pid != 11 {
		t.Fatalf("restart: pid %d", f.pid)
	}
	fx.Reset()
	c["reload"] = true
	if r := statetest.Call(env, Module(), "service.mod_watch", c); r.Comment != "Service reloaded" || fx.Lines()[1] != env.Root+"/etc/init.d/nginx reload" {
		t.Errorf("reload: %q %v", r.Comment, fx.Lines())
	}
	f.running = false
	if r := statetest.Call(env, Module(), "service.mod_watch", c); r.Comment != "Service started" || !f.running {
		t.Errorf("start: %q", r.Comment)
	}
	if r := statetest.Call(env, Module(), "service.mod_watch", lowstate.Chunk{"name": "nginx", "fun": "dead"}); r.Comment != "Service stopped" || f.running {
		t.Errorf("dead: %q", r.Comment)
	}
	f.running = true
	c["force"] = true
	env.Test = true
	expect(t, "force reload", statetest.Call(env, Module(), "service.mod_watch", c), "None", "Service is set to be forcefully reloaded", none)
	expect(t, "other sfun", statetest.Call(env, Module(), "service.mod_watch", lowstate.Chunk{"name": "nginx", "sfun": "enabled"}), "false", "Unable to trigger watch for service.enabled", none)
}

func TestSystemdAndOpenRCCommands(t *testing.T) {
	on := false
	fx := &hostcmd.Fake{Handler: func(c state.Cmd, line string) (state.CmdResult, bool) {
		switch line {
		case "systemctl show -p LoadState --value nginx":
			return state.CmdResult{Stdout: "loaded\n"}, true
		case "systemctl is-active --quiet nginx":
			if on {
				return state.CmdResult{}, true
			}
			return state.CmdResult{Retcode: 3}, true
		case "systemctl is-enabled nginx":
			return state.CmdResult{Stdout: "disabled\n", Retcode: 1}, true
		case "systemctl start nginx":
			on = true
			return state.CmdResult{}, true
		}
		return state.CmdResult{}, false
	}}
	env := &state.Env{Root: t.TempDir(), Exec: fx, Grains: map[string]any{"init": "systemd"}}
	r := statetest.Call(env, Module(), "service.running", lowstate.Chunk{"name": "nginx", "enable": true})
	if statetest.Result(r) != "true" {
		t.Fatal(r.Comment)
	}
	// Salt's running: available, status, enabled; start; status, enabled;
	// then _enable: available, enabled, enable, enabled.
	want := []string{"systemctl show -p LoadState --value nginx", "systemctl is-active --quiet nginx", "systemctl is-enabled nginx",
		"systemctl start nginx", "systemctl is-active --quiet nginx", "systemctl is-enabled nginx",
		"systemctl show -p LoadState --value nginx", "systemctl is-enabled nginx", "systemctl enable nginx", "systemctl is-enabled nginx"}
	if !reflect.DeepEqual(fx.Lines(), want) {
		t.Errorf("systemd commands %v", fx.Lines())
	}

	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/init.d"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/init.d/sshd"), []byte("#!/sbin/openrc-run\n"), 0o755)
	sshd := 3
	ofx := &hostcmd.Fake{Handler: func(c state.Cmd, line string) (state.CmdResult, bool) {
		switch line {
		case "rc-service sshd status":
			return state.CmdResult{Retcode: sshd}, true
		case "rc-service sshd start":
			sshd = 0
		case "rc-update add sshd default":
			os.MkdirAll(filepath.Join(root, "etc/runlevels/default"), 0o755)
			os.Symlink("/etc/init.d/sshd", filepath.Join(root, "etc/runlevels/default/sshd"))
		}
		return state.CmdResult{}, true
	}}
	oenv := &state.Env{Root: root, Exec: ofx, Grains: map[string]any{"init": "openrc"}}
	if r := statetest.Call(oenv, Module(), "service.running", lowstate.Chunk{"name": "sshd", "enable": true}); statetest.Result(r) != "true" {
		t.Errorf("openrc: %q", r.Comment)
	}
	if r := statetest.Call(oenv, Module(), "service.running", lowstate.Chunk{"name": "sshd", "enable": true}); statetest.Result(r) != "true" || len(r.Changes) != 0 {
		t.Errorf("openrc second run: %v", r.Changes)
	}
	got := strings.Join(ofx.Lines(), "\n")
	for _, w := range []string{"rc-service sshd start", "rc-update add sshd default"} {
		if !strings.Contains(got, w) {
			t.Errorf("openrc missing %q in %s", w, got)
		}
	}
}

func TestInitDelay(t *testing.T) {
	env, _, _ := newSysV(t)
	r := statetest.Call(env, Module(), "service.running", lowstate.Chunk{"name": "nginx", "init_delay": 0.05})
	expect(t, "init_delay", r, "true", "Started service nginx\nDelayed return for 0.05 seconds", map[string]any{"nginx": true})
}

// TestSystemdModWatchTrustsSystemctl: a watched service's start counts as
// done when systemctl says so, as Salt's mod_watch does (recorded with
// salt-ssh 3007.1 in e2e/testdata/formulas/chrony: chrony's
// ConditionCapability=CAP_SYS_TIME is not met in a container, systemctl
// start succeeds, the unit stays inactive, Salt says "Service started");
// systemctl's own failure is its message.
func TestSystemdModWatchTrustsSystemctl(t *testing.T) {
	startRC := 0
	fx := &hostcmd.Fake{Handler: func(c state.Cmd, line string) (state.CmdResult, bool) {
		switch line {
		case "systemctl show -p LoadState --value chrony":
			return state.CmdResult{Stdout: "loaded\n"}, true
		case "systemctl is-active --quiet chrony":
			return state.CmdResult{Retcode: 3}, true
		case "systemctl stop chrony":
			return state.CmdResult{}, true
		case "systemctl start chrony":
			if startRC != 0 {
				return state.CmdResult{Retcode: startRC, Stderr: "Job for chrony.service failed.\n"}, true
			}
			return state.CmdResult{}, true
		}
		return state.CmdResult{}, false
	}}
	env := &state.Env{Root: t.TempDir(), Exec: fx, Grains: map[string]any{"init": "systemd"}}
	c := lowstate.Chunk{"name": "chrony", "sfun": "running"}
	r := statetest.Call(env, Module(), "service.mod_watch", c)
	if statetest.Result(r) != "true" || r.Comment != "Service started" || !reflect.DeepEqual(r.Changes, map[string]any{"chrony": true}) {
		t.Errorf("started: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	startRC = 1
	r = statetest.Call(env, Module(), "service.mod_watch", c)
	if statetest.Result(r) != "false" || r.Comment != "Job for chrony.service failed." || len(r.Changes) != 0 {
		t.Errorf("failed: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
}

// TestSystemdEnabledAsSalt: a unit counts as enabled when systemctl
// is-enabled succeeds (a static unit too: Salt says "already enabled",
// recorded in e2e/testdata/trees/fn-service), and an alias as the unit
// behind it.
func TestSystemdEnabledAsSalt(t *testing.T) {
	fx := &hostcmd.Fake{Handler: func(c state.Cmd, line string) (state.CmdResult, bool) {
		switch line {
		case "systemctl is-enabled fnstatic":
			return state.CmdResult{Stdout: "static\n"}, true
		case "systemctl is-enabled off":
			return state.CmdResult{Stdout: "disabled\n", Retcode: 1}, true
		case "systemctl is-enabled sshd":
			return state.CmdResult{Stdout: "alias\n"}, true
		case "systemctl show sshd -P Id":
			return state.CmdResult{Stdout: "ssh.service\n"}, true
		case "systemctl is-enabled ssh.service":
			return state.CmdResult{Stdout: "disabled\n", Retcode: 1}, true
		}
		return state.CmdResult{}, false
	}}
	m := &Systemd{env: &state.Env{Root: t.TempDir(), Exec: fx}}
	for name, want := range map[string]bool{"fnstatic": true, "off": false, "sshd": false} {
		if got, err := m.Enabled(context.Background(), name); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", name, got, err, want)
		}
	}
}
