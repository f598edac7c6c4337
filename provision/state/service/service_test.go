package service

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/lowstate"
	"brine/provision/state"
	"brine/provision/state/hostcmd"
	"brine/provision/state/statetest"
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

func call(env *state.Env, fun string, c lowstate.Chunk) *lowstate.Result {
	if fun == "mod_watch" {
		return Module().ModWatch(context.Background(), env, c)
	}
	return Module().Funcs[fun](context.Background(), env, c)
}

func TestSysVRunningEnable(t *testing.T) {
	env, f, fx := newSysV(t)
	c := lowstate.Chunk{"name": "nginx", "fun": "running", "enable": true}
	env.Test = true
	pred := call(env, "running", c)
	if pred.Result != nil || f.running || len(fx.Lines()) != 1 {
		t.Fatalf("test mode: %s running=%v cmds=%v", statetest.Result(pred), f.running, fx.Lines())
	}
	env.Test = false
	fx.Reset()
	r := call(env, "running", c)
	if statetest.Result(r) != "true" || !reflect.DeepEqual(r.Changes, pred.Changes) || !reflect.DeepEqual(r.Changes, map[string]any{"nginx": true}) {
		t.Fatalf("run: %s %v %q", statetest.Result(r), r.Changes, r.Comment)
	}
	s := env.Root + "/etc/init.d/nginx"
	want := []string{s + " status", s + " start", s + " status", "update-rc.d nginx defaults"}
	if !reflect.DeepEqual(fx.Lines(), want) {
		t.Errorf("commands %v", fx.Lines())
	}
	if r.Comment != "Started service nginx\nService nginx has been enabled, and is running" {
		t.Errorf("comment %q", r.Comment)
	}
	r = call(env, "running", c)
	if statetest.Result(r) != "true" || len(r.Changes) != 0 {
		t.Errorf("second run %v %q", r.Changes, r.Comment)
	}
}

func TestSysVDeadDisable(t *testing.T) {
	env, f, fx := newSysV(t)
	f.running = true
	call(env, "enabled", lowstate.Chunk{"name": "nginx"})
	fx.Reset()
	r := call(env, "dead", lowstate.Chunk{"name": "nginx", "enable": false})
	if statetest.Result(r) != "true" || f.running || r.Comment != "Service nginx was killed\nService nginx has been disabled, and is dead" {
		t.Fatalf("%s %q", statetest.Result(r), r.Comment)
	}
	if on, _ := (&SysV{env: env}).Enabled(context.Background(), "nginx"); on {
		t.Error("still enabled")
	}
	if l := fx.Lines(); l[len(l)-1] != "update-rc.d nginx disable" {
		t.Errorf("commands %v", l)
	}
	r = call(env, "dead", lowstate.Chunk{"name": "nginx", "enable": false})
	if statetest.Result(r) != "true" || len(r.Changes) != 0 {
		t.Errorf("second %v", r.Changes)
	}
	// enabled again uses "enable", not "defaults", once links exist
	fx.Reset()
	r = call(env, "enabled", lowstate.Chunk{"name": "nginx"})
	if statetest.Result(r) != "true" || fx.Lines()[0] != "update-rc.d nginx enable" {
		t.Errorf("enable: %s %v", statetest.Result(r), fx.Lines())
	}
	if r := call(env, "disabled", lowstate.Chunk{"name": "nginx"}); statetest.Result(r) != "true" || r.Changes["nginx"] != true {
		t.Errorf("disabled %v", r.Changes)
	}
}

func TestSysVStartFailureAndMissing(t *testing.T) {
	env, f, _ := newSysV(t)
	f.startFail = true
	r := call(env, "running", lowstate.Chunk{"name": "nginx"})
	if statetest.Result(r) != "false" || !strings.Contains(r.Comment, "Service nginx failed to start") || !strings.Contains(r.Comment, "bind()") {
		t.Errorf("%s %q", statetest.Result(r), r.Comment)
	}
	r = call(env, "running", lowstate.Chunk{"name": "ghost"})
	if statetest.Result(r) != "false" || r.Comment != "The named service ghost is not available (sysvinit)" {
		t.Errorf("missing: %q", r.Comment)
	}
	if r := call(env, "dead", lowstate.Chunk{"name": "ghost"}); statetest.Result(r) != "true" {
		t.Errorf("dead missing should succeed: %q", r.Comment)
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
	if r := call(env, "mod_watch", c); r.Result != nil || r.Comment != "Service is set to be restarted" || f.pid != 10 {
		t.Fatalf("test: %s %q", statetest.Result(r), r.Comment)
	}
	env.Test = false
	r := call(env, "mod_watch", c)
	if statetest.Result(r) != "true" || r.Comment != "Service restarted" || f.pid != 11 {
		t.Fatalf("restart: %s %q pid %d", statetest.Result(r), r.Comment, f.pid)
	}
	fx.Reset()
	c["reload"] = true
	if r := call(env, "mod_watch", c); r.Comment != "Service reloaded" || fx.Lines()[1] != env.Root+"/etc/init.d/nginx reload" {
		t.Errorf("reload: %q %v", r.Comment, fx.Lines())
	}
	f.running = false
	if r := call(env, "mod_watch", c); r.Comment != "Service started" || !f.running {
		t.Errorf("start: %q", r.Comment)
	}
	if r := call(env, "mod_watch", lowstate.Chunk{"name": "nginx", "fun": "dead"}); r.Comment != "Service stopped" || f.running {
		t.Errorf("dead: %q", r.Comment)
	}
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
	r := call(env, "running", lowstate.Chunk{"name": "nginx", "enable": true})
	if statetest.Result(r) != "true" {
		t.Fatal(r.Comment)
	}
	want := []string{"systemctl show -p LoadState --value nginx", "systemctl is-active --quiet nginx", "systemctl is-enabled nginx",
		"systemctl start nginx", "systemctl is-active --quiet nginx", "systemctl enable nginx"}
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
	if r := call(oenv, "running", lowstate.Chunk{"name": "sshd", "enable": true}); statetest.Result(r) != "true" {
		t.Errorf("openrc: %q", r.Comment)
	}
	if r := call(oenv, "running", lowstate.Chunk{"name": "sshd", "enable": true}); statetest.Result(r) != "true" || len(r.Changes) != 0 {
		t.Errorf("openrc second run: %v", r.Changes)
	}
	got := strings.Join(ofx.Lines(), "\n")
	for _, w := range []string{"rc-service sshd start", "rc-update add sshd default"} {
		if !strings.Contains(got, w) {
			t.Errorf("openrc missing %q in %s", w, got)
		}
	}
}
