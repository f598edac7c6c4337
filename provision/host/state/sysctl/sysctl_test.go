package sysctl

import (
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

func TestPersistUnderRoot(t *testing.T) {
	root := t.TempDir()
	fx := &hostcmd.Fake{}
	env := &state.Env{Root: root, Exec: fx}
	c := lowstate.Chunk{"name": "vm.swappiness", "value": float64(10)}
	env.Test = true
	pred := statetest.Call(env, Module(), "sysctl.present", c)
	// salt/states/sysctl.py: the key is set nowhere (no running value
	// under a test root, no config) -> "would be changed", no changes.
	if pred.Result != nil || pred.Comment != "Sysctl option vm.swappiness would be changed to 10" || len(pred.Changes) != 0 {
		t.Fatalf("test: %v %q %v", pred.Result, pred.Comment, pred.Changes)
	}
	if _, err := os.Stat(filepath.Join(root, DefaultConfig)); !os.IsNotExist(err) {
		t.Fatal("test mode wrote the config")
	}
	env.Test = false
	r := statetest.Call(env, Module(), "sysctl.present", c)
	if *r.Result != true || !reflect.DeepEqual(r.Changes, map[string]any{"vm.swappiness": "10"}) || r.Comment != "Updated sysctl value vm.swappiness = 10" {
		t.Fatalf("%v %q", r.Changes, r.Comment)
	}
	b, _ := os.ReadFile(filepath.Join(root, DefaultConfig))
	if string(b) != "vm.swappiness = 10\n" {
		t.Errorf("config %q", b)
	}
	if len(fx.Lines()) != 0 {
		t.Errorf("sysctl -w must not run under a test root: %v", fx.Lines())
	}
	if r := statetest.Call(env, Module(), "sysctl.present", c); len(r.Changes) != 0 {
		t.Errorf("second %v", r.Changes)
	}
	// in the config, and the running kernel (here a fake /proc) agrees
	os.MkdirAll(filepath.Join(root, "proc/sys/vm"), 0o755)
	os.WriteFile(filepath.Join(root, "proc/sys/vm/swappiness"), []byte("10\n"), 0o644)
	env.Test = true
	if r := statetest.Call(env, Module(), "sysctl.present", c); r.Result == nil || r.Comment != "Sysctl value vm.swappiness = 10 is already set" {
		t.Errorf("test, set: %q", r.Comment)
	}
	os.WriteFile(filepath.Join(root, "proc/sys/vm/swappiness"), []byte("60\n"), 0o644)
	if r := statetest.Call(env, Module(), "sysctl.present", lowstate.Chunk{"name": "vm.swappiness", "value": "10", "config": "/etc/none.conf"}); r.Result != nil ||
		r.Comment != "Sysctl option vm.swappiness set to be changed to 10" {
		t.Errorf("test, running differs: %q", r.Comment)
	}
	env.Test = false
	// update in place in a custom config, keeping other lines
	conf := "/etc/sysctl.d/10-net.conf"
	os.WriteFile(filepath.Join(root, conf), []byte("# net\nnet.ipv4.ip_forward=0\nnet.core.somaxconn = 1024\n"), 0o644)
	r = statetest.Call(env, Module(), "sysctl.present", lowstate.Chunk{"name": "net.ipv4.ip_forward", "value": "1", "config": conf})
	b, _ = os.ReadFile(filepath.Join(root, conf))
	if *r.Result != true || string(b) != "# net\nnet.ipv4.ip_forward = 1\nnet.core.somaxconn = 1024\n" {
		t.Errorf("custom config %q", b)
	}
}

func TestPersistMultiValue(t *testing.T) {
	got, changed := persist("net.ipv4.tcp_rmem = 4096\t87380   6291456\n", "net.ipv4.tcp_rmem", "4096 87380 6291456")
	if changed || got != "net.ipv4.tcp_rmem = 4096\t87380   6291456\n" {
		t.Errorf("whitespace-only difference counted as change: %q", got)
	}
}

func TestApplyOnRealRoot(t *testing.T) {
	live, ok := running(&state.Env{}, "kernel.pid_max")
	if !ok {
		t.Skip("no /proc/sys/kernel/pid_max")
	}
	want := live + "1"
	conf := filepath.Join(t.TempDir(), "99-test.conf") // absolute: Root "" keeps it as is
	fx := &hostcmd.Fake{}
	fx.Responses = append(fx.Responses, hostcmd.Response{Prefix: "sysctl -w", Result: state.CmdResult{Retcode: 255,
		Stderr: "sysctl: setting key \"kernel.pid_max\": Read-only file system"}})
	env := &state.Env{Exec: fx}
	r := statetest.Call(env, Module(), "sysctl.present", lowstate.Chunk{"name": "kernel.pid_max", "value": want, "config": conf})
	// Salt's words (linux_sysctl.assign), no changes, the config written
	if *r.Result != false || r.Comment != "Failed to set kernel.pid_max to "+want+`: sysctl -w failed: sysctl: setting key "kernel.pid_max": Read-only file system` || len(r.Changes) != 0 {
		t.Errorf("%q %v", r.Comment, r.Changes)
	}
	if got := fx.Lines(); len(got) != 1 || got[0] != "sysctl -w kernel.pid_max="+want {
		t.Errorf("commands %v", got)
	}
	if b, _ := os.ReadFile(conf); string(b) != "kernel.pid_max = "+want+"\n" {
		t.Errorf("config %q", b)
	}
	r = statetest.Call(env, Module(), "sysctl.present", lowstate.Chunk{"name": "kernel.nosuchkey", "value": "1", "config": conf})
	if *r.Result != false || !strings.Contains(r.Comment, "not known to the running kernel") {
		t.Errorf("%q", r.Comment)
	}
}
