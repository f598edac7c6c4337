package modules

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
)

func fakeOf(env *Env) *hostcmd.Fake { return env.Exec.(*hostcmd.Fake) }

// argvLine is a command's words without its environment.
func argvLine(c state.Cmd) string {
	if len(c.Argv) == 0 {
		return c.Line
	}
	argv := c.Argv
	// cmd.run's stderr-into-stdout wrapper
	if len(argv) > 4 && argv[0] == "/bin/sh" && argv[1] == "-c" && argv[3] == "sh" {
		argv = argv[4:]
	}
	return strings.Join(argv, " ")
}

func regexpMatch(re string, v any) bool {
	s, ok := v.(string)
	return ok && regexp.MustCompile(re).MatchString(s)
}

func writeT(t *testing.T, root, p, s string) {
	t.Helper()
	hp := filepath.Join(root, p)
	if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hp, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// exeT makes empty executables (for which) in the test's root.
func exeT(t *testing.T, root string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		writeT(t, root, p, "")
		os.Chmod(filepath.Join(root, p), 0o755)
	}
}

func TestHosts(t *testing.T) {
	env, root := fileEnv(t)
	writeT(t, root, "/etc/hosts", "# static\n127.0.0.1\tlocalhost\n10.0.0.5 db db.lan # the database\n")
	got := callT(t, env, "hosts.list_hosts", nil, nil)
	want := map[string]any{
		"comment-0": []any{"# static"},
		"127.0.0.1": map[string]any{"aliases": []any{"localhost"}},
		"10.0.0.5":  map[string]any{"aliases": []any{"db", "db.lan"}, "comment": "the database"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("list_hosts %#v", got)
	}
	if v := callT(t, env, "hosts.get_ip", []any{"db.lan"}, nil); v != "10.0.0.5" {
		t.Errorf("get_ip %v", v)
	}
	if v := callT(t, env, "hosts.has_pair", []any{"10.0.0.5", []any{"db", "db.lan"}}, nil); v != true {
		t.Errorf("has_pair list %v", v)
	}
	callT(t, env, "hosts.add_host", []any{"10.0.0.5", "pg"}, nil)
	callT(t, env, "hosts.add_host", []any{"10.0.0.9", "cache"}, nil)
	if v := callT(t, env, "hosts.get_alias", []any{"10.0.0.5"}, nil); !reflect.DeepEqual(v, []any{"db", "db.lan", "pg"}) {
		t.Errorf("get_alias after add %v", v)
	}
	if s := readT(t, root, "/etc/hosts"); !strings.HasSuffix(s, "10.0.0.9\t\tcache\n") || !strings.HasPrefix(s, "# static\n") {
		t.Errorf("hosts after add:\n%s", s)
	}
	callT(t, env, "hosts.rm_host", []any{"10.0.0.5", "db.lan"}, nil)
	if v := callT(t, env, "hosts.has_pair", []any{"10.0.0.5", "db.lan"}, nil); v != false {
		t.Errorf("rm_host left the alias")
	}
	callT(t, env, "hosts.set_host", []any{"10.0.0.9", "redis"}, map[string]any{"comment": "kv"})
	if v := callT(t, env, "hosts.get_alias", []any{"10.0.0.9"}, nil); !reflect.DeepEqual(v, []any{"redis"}) {
		t.Errorf("set_host %v", v)
	}
}

func TestSysctlMountDisk(t *testing.T) {
	env, root := fileEnv(t)
	exeT(t, root, "/usr/sbin/sysctl", "/usr/bin/df")
	writeT(t, root, "/proc/sys/vm/swappiness", "60\n")
	callErr(t, env, "sysctl.assign", []any{"vm.nope", 1}, nil, "sysctl vm.nope does not exist")
	fake := fakeOf(env)
	fake.Handler = func(c state.Cmd, _ string) (state.CmdResult, bool) {
		line := argvLine(c)
		switch {
		case strings.Contains(line, "sysctl -w"):
			return state.CmdResult{Stdout: "vm.swappiness = 10"}, true
		case strings.Contains(line, "sysctl -n"):
			return state.CmdResult{Stdout: "10"}, true
		case strings.Contains(line, "df -P"):
			return state.CmdResult{Stdout: "Filesystem     1024-blocks    Used Available Capacity Mounted on\n/dev/sda1         100000   25000     75000      25% /\ntmpfs               1000       0      1000       0% /run\n"}, true
		}
		return state.CmdResult{}, false
	}
	defer func() {
		if t.Failed() {
			t.Log(fake.Lines())
		}
	}()
	if v := callT(t, env, "sysctl.assign", []any{"vm.swappiness", 10}, nil); !reflect.DeepEqual(v, map[string]any{"vm.swappiness": "10"}) {
		t.Errorf("assign %#v", v)
	}
	if v := callT(t, env, "sysctl.get", []any{"vm.swappiness"}, nil); v != "10" {
		t.Errorf("get %v", v)
	}
	// persist: the config file written, the value assigned
	conf := "/etc/sysctl.conf"
	if v := callT(t, env, "sysctl.persist", []any{"vm.swappiness", 10}, map[string]any{"config": conf}); v != "Updated" {
		t.Errorf("persist %v", v)
	}
	if s := readT(t, root, conf); s != "#\n# Kernel sysctl configuration\n#\nvm.swappiness = 10\n" {
		t.Errorf("persist wrote %q", s)
	}
	if v := callT(t, env, "sysctl.show", nil, map[string]any{"config_file": conf}); !reflect.DeepEqual(v, map[string]any{"vm.swappiness": "10"}) {
		t.Errorf("show config_file %#v", v)
	}

	writeT(t, root, "/etc/fstab", "# <fs> <mp>\nUUID=abc / ext4 errors=remount-ro 0 1\n/dev/sdb1 /data xfs defaults,noatime 0 2\n")
	got := callT(t, env, "mount.fstab", nil, nil).(map[string]any)
	if d := got["/data"].(map[string]any); d["device"] != "/dev/sdb1" || !reflect.DeepEqual(d["opts"], []any{"defaults", "noatime"}) || d["pass"] != "2" {
		t.Errorf("fstab /data %#v", d)
	}
	writeT(t, root, "/proc/self/mounts", "/dev/sda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n")
	if v := callT(t, env, "mount.is_mounted", []any{"/proc"}, nil); v != true {
		t.Errorf("is_mounted /proc %v", v)
	}
	if v := callT(t, env, "mount.is_mounted", []any{"/data"}, nil); v != false {
		t.Errorf("is_mounted /data %v", v)
	}
	// no /etc/mtab: {} as Salt's (df cannot run without it)
	if v := callT(t, env, "disk.usage", nil, nil); !reflect.DeepEqual(v, map[string]any{}) {
		t.Errorf("disk.usage without mtab %#v", v)
	}
	writeT(t, root, "/etc/mtab", "")
	usage := callT(t, env, "disk.usage", nil, nil).(map[string]any)
	if r := usage["/"].(map[string]any); r["filesystem"] != "/dev/sda1" || r["capacity"] != "25%" || r["used"] != "25000" {
		t.Errorf("disk.usage / %#v", r)
	}
	if v := callT(t, env, "disk.percent", []any{"/run"}, nil); v != "0%" {
		t.Errorf("disk.percent /run %v", v)
	}
}

func TestStatusProc(t *testing.T) {
	env, root := fileEnv(t)
	writeT(t, root, "/proc/loadavg", "0.50 0.25 0.10 1/123 4567\n")
	writeT(t, root, "/proc/meminfo", "MemTotal:       2048000 kB\nHugePages_Total:       0\n")
	if v := callT(t, env, "status.loadavg", nil, nil); !reflect.DeepEqual(v, map[string]any{"1-min": 0.5, "5-min": 0.25, "15-min": 0.1}) {
		t.Errorf("loadavg %#v", v)
	}
	want := map[string]any{
		"MemTotal":        map[string]any{"value": "2048000", "unit": "kB"},
		"HugePages_Total": map[string]any{"value": "0"},
	}
	if v := callT(t, env, "status.meminfo", nil, nil); !reflect.DeepEqual(v, want) {
		t.Errorf("meminfo %#v", v)
	}
}

func TestTimezoneLocaleSystem(t *testing.T) {
	env, root := fileEnv(t)
	env.Grains = map[string]any{"os_family": "Debian"}
	writeT(t, root, "/etc/timezone", "Etc/UTC\n")
	writeT(t, root, "/usr/share/zoneinfo/Etc/UTC", "TZif-utc")
	writeT(t, root, "/usr/share/zoneinfo/Europe/Paris", "TZif-paris")
	os.Symlink("/usr/share/zoneinfo/Etc/UTC", filepath.Join(root, "/etc/localtime"))
	if v := callT(t, env, "timezone.get_zone", nil, nil); v != "Etc/UTC" {
		t.Errorf("get_zone %v", v)
	}
	if v := callT(t, env, "timezone.set_zone", []any{"Mars/Base"}, nil); v != "Zone does not exist: /usr/share/zoneinfo/Mars/Base" {
		t.Errorf("set_zone unknown %v", v)
	}
	if v := callT(t, env, "timezone.set_zone", []any{"Europe/Paris"}, nil); v != true {
		t.Errorf("set_zone %v", v)
	}
	if l, _ := os.Readlink(filepath.Join(root, "/etc/localtime")); l != "/usr/share/zoneinfo/Europe/Paris" {
		t.Errorf("localtime -> %s", l)
	}
	if s := readT(t, root, "/etc/timezone"); s != "Europe/Paris\n" {
		t.Errorf("/etc/timezone %q", s)
	}
	// (the link points outside the test's root: a copy stands in)
	os.Remove(filepath.Join(root, "/etc/localtime"))
	writeT(t, root, "/etc/localtime", "TZif-paris")
	if v := callT(t, env, "timezone.zone_compare", []any{"Europe/Paris"}, nil); v != true {
		t.Errorf("zone_compare %v", v)
	}
	callErr(t, env, "timezone.zone_compare", []any{"Mars/Base"}, nil, `Can't find a local timezone "Mars/Base"`)

	exeT(t, root, "/usr/bin/locale", "/usr/sbin/shutdown")
	fake := fakeOf(env)
	fake.Handler = func(c state.Cmd, _ string) (state.CmdResult, bool) {
		if argvLine(c) == "locale -a" {
			return state.CmdResult{Stdout: "C\nC.utf8\nen_US.utf8\nPOSIX"}, true
		}
		return state.CmdResult{}, false
	}
	if v := callT(t, env, "locale.avail", []any{"en_US.UTF-8"}, nil); v != true {
		t.Errorf("avail en_US.UTF-8 %v", v)
	}
	if v := callT(t, env, "locale.avail", []any{"de_DE.UTF-8"}, nil); v != false {
		t.Errorf("avail de_DE %v", v)
	}
	if v := callT(t, env, "system.get_system_time", nil, map[string]any{"utc_offset": "+0000"}); !regexpMatch(`^\d\d:\d\d:\d\d [AP]M$`, v) {
		t.Errorf("get_system_time %v", v)
	}
	callErr(t, env, "system.get_system_date", nil, map[string]any{"utc_offset": "5"}, "Invalid timezone offset: 5")
	// gen_locale as Salt's on Debian: SUPPORTED searched for
	// "en_US.UTF-8 UTF-8" (the codeset as charmap), /etc/locale.gen
	// uncommented, locale-gen run
	env.Grains["os"] = "Debian"
	callErr(t, env, "locale.gen_locale", []any{"en_US.UTF-8"}, nil, "File not found: /usr/share/i18n/SUPPORTED")
	writeT(t, root, "/usr/share/i18n/SUPPORTED", "de_DE.UTF-8 UTF-8\nen_US.UTF-8 UTF-8\n")
	writeT(t, root, "/etc/locale.gen", "# en_US.UTF-8 UTF-8\n")
	exeT(t, root, "/usr/sbin/locale-gen")
	fake.Reset()
	if v := callT(t, env, "locale.gen_locale", []any{"en_US.UTF-8"}, nil); v != true {
		t.Errorf("gen_locale %v", v)
	}
	if s := readT(t, root, "/etc/locale.gen"); s != "en_US.UTF-8 UTF-8\n" {
		t.Errorf("locale.gen %q", s)
	}
	if l := argvLine(fake.Cmds[len(fake.Cmds)-1]); l != "locale-gen en_US.UTF-8 UTF-8" {
		t.Errorf("gen_locale ran %q", l)
	}
	if v := callT(t, env, "locale.gen_locale", []any{"xx_YY.UTF-8"}, nil); v != false {
		t.Errorf("gen_locale unknown %v", v)
	}
	fake.Reset()
	callT(t, env, "system.reboot", nil, nil)
	callT(t, env, "system.shutdown", []any{"+5"}, nil)
	var ran []string
	for _, c := range fake.Cmds {
		ran = append(ran, argvLine(c))
	}
	if !reflect.DeepEqual(ran, []string{"shutdown -r now", "shutdown -h +5"}) {
		t.Errorf("reboot/shutdown ran %q", ran)
	}
}

func TestNetworkConnect(t *testing.T) {
	env, root := fileEnv(t)
	exeT(t, root, "/usr/bin/getent")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	// closed port: refused
	want := map[string]any{"result": false, "comment": fmt.Sprintf("Unable to connect to 127.0.0.1 (127.0.0.1) on tcp port %d", port)}
	if v := callT(t, env, "network.connect", []any{"127.0.0.1", port}, nil); !reflect.DeepEqual(v, want) {
		t.Errorf("closed port: %#v", v)
	}
	ln, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Skip(err)
	}
	defer ln.Close()
	want = map[string]any{"result": true, "comment": fmt.Sprintf("Successfully connected to 127.0.0.1 (127.0.0.1) on tcp port %d", port)}
	if v := callT(t, env, "network.connect", []any{"127.0.0.1", port}, nil); !reflect.DeepEqual(v, want) {
		t.Errorf("open port: %#v", v)
	}
	// a name: the C library's resolver (getent ahosts)
	fakeOf(env).Handler = func(c state.Cmd, _ string) (state.CmdResult, bool) {
		if argvLine(c) == "getent ahosts db.example" {
			return state.CmdResult{Stdout: "127.0.0.1       STREAM db.example\n127.0.0.1       DGRAM\n"}, true
		}
		return state.CmdResult{Retcode: 2}, true
	}
	want = map[string]any{"result": true, "comment": fmt.Sprintf("Successfully connected to db.example (127.0.0.1) on tcp port %d", port)}
	if v := callT(t, env, "network.connect", []any{"db.example", port}, nil); !reflect.DeepEqual(v, want) {
		t.Errorf("by name: %#v", v)
	}
	want = map[string]any{"result": false, "comment": fmt.Sprintf("Unable to resolve host nowhere.example on tcp port %d", port)}
	if v := callT(t, env, "network.connect", []any{"nowhere.example", port}, nil); !reflect.DeepEqual(v, want) {
		t.Errorf("unresolved: %#v", v)
	}
}
