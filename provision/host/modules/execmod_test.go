package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
)

// testRoot builds a small target tree: users and groups owned by the test
// process's uid/gid (so stat answers name them), files, a directory and
// links, and executables in /usr/bin and /usr/sbin.
func testRoot(t *testing.T) (string, *hostcmd.Fake) {
	t.Helper()
	root := t.TempDir()
	uid, gid := os.Getuid(), os.Getgid()
	write := func(p, s string, mode os.FileMode) {
		t.Helper()
		hp := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(hp, []byte(s), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(hp, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("/etc/passwd", fmt.Sprintf("owner:x:%d:%d:Ops Owner,Room 1,555,,:/home/owner:/bin/bash\nsvc:x:4242:4242::/srv/svc:/usr/sbin/nologin\n", uid, gid), 0o644)
	write("/etc/group", fmt.Sprintf("ownergrp:x:%d:\nadm:x:4:owner,svc\nwww:x:33:owner\nsvc:x:4242:\n", gid), 0o644)
	write("/etc/app.conf", "# comment\n  listen 8080\nmode = fast\n", 0o640)
	write("/etc/hostname", "web1\n", 0o644)
	write("/proc/sys/kernel/hostname", "web1\n", 0o644)
	write("/bin/sh", "#!/bin/sh\n", 0o755)
	write("/usr/bin/git", "#!/bin/sh\n", 0o755)
	write("/usr/sbin/ip", "#!/bin/sh\n", 0o755)
	write("/usr/bin/dpkg-query", "#!/bin/sh\n", 0o755)
	write("/usr/bin/apt-get", "#!/bin/sh\n", 0o755)
	write("/home/owner/.keep", "", 0o644)
	if err := os.MkdirAll(filepath.Join(root, "/etc/app.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("/etc/app.d/b.conf", "b", 0o644)
	write("/etc/app.d/a.conf", "a", 0o644)
	if err := os.Symlink("/etc/app.conf", filepath.Join(root, "/etc/app.link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/nowhere", filepath.Join(root, "/etc/dangling")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SHELL", "/bin/sh")
	t.Setenv("HOME", "/home/owner")
	t.Setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
	return root, &hostcmd.Fake{}
}

func callT(t *testing.T, env *Env, fun string, args []any, kw map[string]any) any {
	t.Helper()
	v, err := Call(context.Background(), env, fun, args, kw)
	if err != nil {
		t.Fatalf("%s%v: %v", fun, args, err)
	}
	// every return crosses the wire as JSON
	if _, err := json.Marshal(v); err != nil {
		t.Fatalf("%s: return not JSON-encodable: %v", fun, err)
	}
	return v
}

func callErr(t *testing.T, env *Env, fun string, args []any, kw map[string]any, want string) {
	t.Helper()
	_, err := Call(context.Background(), env, fun, args, kw)
	if err == nil || err.Error() != want {
		t.Errorf("%s%v: err %v, want %q", fun, args, err, want)
	}
}

func TestNamesAndUnknown(t *testing.T) {
	for _, f := range []string{"file.file_exists", "file.directory_exists", "file.readdir", "file.contains_regex",
		"file.get_user", "file.is_link", "file.stats", "file.get_mode", "user.info", "cmd.run", "cmd.run_all",
		"cmd.run_stdout", "cmd.retcode", "cmd.shell", "cmd.which", "cmd.has_exec", "pkg.version",
		"service.status", "status.time", "network.ip_addrs", "network.interfaces", "network.get_hostname"} {
		if !Has(f) {
			t.Errorf("%s missing", f)
		}
	}
	names := Names()
	if len(names) < 40 || !strings.HasPrefix(strings.Join(names, ","), "archive.") {
		t.Errorf("Names: %v", names)
	}
	if Pure("cmd.run") || Pure("status.time") || !Pure("file.file_exists") || !Pure("pkg.version") {
		t.Error("Pure: cmd.* and status.time must not be memoized, readers must")
	}
	callErr(t, &Env{}, "no_such.fn", nil, nil, "'no_such.fn' is not available.")
}

func TestArgumentBinding(t *testing.T) {
	env := &Env{Root: t.TempDir()}
	callErr(t, env, "file.file_exists", nil, nil, "file_exists() missing 1 required positional argument: 'path'")
	callErr(t, env, "file.file_exists", []any{"/a", "/b"}, nil, "file_exists() takes 1 positional argument but 2 were given")
	callErr(t, env, "file.readlink", []any{"/a", true, 3}, nil, "readlink() takes from 1 to 2 positional arguments but 3 were given")
	callErr(t, env, "file.file_exists", nil, map[string]any{"paht": "/a"}, "file_exists() got an unexpected keyword argument 'paht'")
	callErr(t, env, "file.file_exists", []any{"/a"}, map[string]any{"path": "/a"}, "file_exists() got multiple values for argument 'path'")
	callErr(t, env, "file.contains", nil, nil, "contains() missing 2 required positional arguments: 'path' and 'text'")
	// Salt's loader drops __pub_* keyword arguments
	if v := callT(t, env, "file.file_exists", []any{"/a"}, map[string]any{"__pub_jid": "1"}); v != false {
		t.Errorf("got %v", v)
	}
}

func TestFileReaders(t *testing.T) {
	root, _ := testRoot(t)
	env := &Env{Root: root}
	eq := func(fun string, args []any, kw map[string]any, want any) {
		t.Helper()
		if got := callT(t, env, fun, args, kw); !reflect.DeepEqual(got, want) {
			t.Errorf("%s%v = %#v, want %#v", fun, args, got, want)
		}
	}
	eq("file.file_exists", []any{"/etc/app.conf"}, nil, true)
	eq("file.file_exists", []any{"/etc/app.link"}, nil, true) // os.path.isfile follows links
	eq("file.file_exists", []any{"/etc/app.d"}, nil, false)
	eq("file.file_exists", []any{"/etc/dangling"}, nil, false)
	eq("file.file_exists", []any{"~/.keep"}, nil, true)
	eq("file.file_exists", []any{"~owner/.keep"}, nil, true)
	eq("file.directory_exists", []any{"/etc/app.d"}, nil, true)
	eq("file.directory_exists", []any{"/etc/app.conf"}, nil, false)
	eq("file.is_link", []any{"/etc/app.link"}, nil, true)
	eq("file.is_link", []any{"/etc/dangling"}, nil, true)
	eq("file.is_link", []any{"/etc/app.conf"}, nil, false)
	eq("file.path_exists_glob", []any{"/etc/app.d/*.conf"}, nil, true)
	eq("file.path_exists_glob", []any{"/etc/app.d/*.nope"}, nil, false)
	eq("file.readdir", []any{"/etc/app.d"}, nil, []any{".", "..", "a.conf", "b.conf"})
	callErr(t, env, "file.readdir", []any{"etc"}, nil, "Dir path must be absolute.")
	callErr(t, env, "file.readdir", []any{"/etc/nope"}, nil, "A valid directory was not specified.")
	eq("file.readlink", []any{"/etc/app.link"}, nil, "/etc/app.conf")
	eq("file.readlink", []any{"/etc/app.link"}, map[string]any{"canonicalize": true}, "/etc/app.conf")
	callErr(t, env, "file.readlink", []any{"/etc/app.conf"}, nil, "A valid link was not specified: /etc/app.conf")
	eq("file.contains", []any{"/etc/app.conf", "  listen 8080  "}, nil, true) // text is stripped
	eq("file.contains", []any{"/etc/app.conf", "listen 9090"}, nil, false)
	eq("file.contains", []any{"/etc/nope", "x"}, nil, false)
	eq("file.contains_regex", []any{"/etc/app.conf", `^listen \d+`}, nil, false)
	eq("file.contains_regex", []any{"/etc/app.conf", `^listen \d+`, " "}, nil, true) // lchar strips the indent
	eq("file.contains_regex", []any{"/etc/app.conf", `^mode = (fast|slow)$`}, nil, true)
	eq("file.contains_glob", []any{"/etc/app.conf", "*mode = fa*"}, nil, true)
	eq("file.search", []any{"/etc/app.conf", `^mode = fast$`}, nil, true) // MULTILINE by default
	eq("file.search", []any{"/etc/app.conf", `^MODE`}, map[string]any{"flags": []any{"MULTILINE", "IGNORECASE"}}, true)
	eq("file.search", []any{"/etc/app.conf", `^mode`}, map[string]any{"flags": json.Number("0")}, false)
	eq("file.search", []any{"/etc/nope", "x"}, map[string]any{"ignore_if_missing": true}, false)
	callErr(t, env, "file.search", []any{"/etc/nope", "x"}, nil, "File not found: /etc/nope")

	owner, grp := "owner", "ownergrp"
	eq("file.get_user", []any{"/etc/app.conf"}, nil, owner)
	eq("file.get_group", []any{"/etc/app.conf"}, nil, grp)
	eq("file.get_uid", []any{"/etc/app.conf"}, nil, os.Getuid())
	eq("file.get_mode", []any{"/etc/app.conf"}, nil, "0640")
	eq("file.get_mode", []any{"/etc/app.d"}, nil, "0755")
	callErr(t, env, "file.get_user", []any{"/etc/nope"}, nil, "Path not found: /etc/nope")
	st := callT(t, env, "file.stats", []any{"/etc/app.link"}, map[string]any{"hash_type": "md5"}).(map[string]any)
	if st["type"] != "file" || st["target"] != "/etc/app.conf" || st["mode"] != "0640" || st["size"] != 36 ||
		st["sum"] != "66206f8491e794d532234e91aad174fe" {
		t.Errorf("stats: %v", st)
	}
	for _, k := range []string{"inode", "uid", "gid", "group", "user", "atime", "mtime", "ctime", "size", "mode", "type", "target", "sum"} {
		if _, ok := st[k]; !ok {
			t.Errorf("stats: no %s in %v", k, st)
		}
	}
	if l := callT(t, env, "file.stats", []any{"/etc/app.link"}, map[string]any{"follow_symlinks": false}).(map[string]any); l["type"] != "link" {
		t.Errorf("lstat type %v", l["type"])
	}
	// a dangling link still has stats (os.lstat), as in Salt
	if l := callT(t, env, "file.stats", []any{"/etc/dangling"}, nil).(map[string]any); l["type"] != "link" {
		t.Errorf("dangling %v", l)
	}
	eq("file.get_hash", []any{"/etc/hostname"}, map[string]any{"chunk_size": json.Number("4096")}, "d61d5fc4ba3e3d84e77a0e4c9a2fe69a72afb5d36f19d3887e928422b53b3254")
	callErr(t, env, "file.get_hash", []any{"/etc/hostname", "crc"}, nil, "Invalid hash type: crc")
	callErr(t, env, "file.get_hash", []any{"/etc/nope"}, nil, "[Errno 2] No such file or directory: '/etc/nope'")
	eq("file.get_sum", []any{"/etc/nope"}, nil, "File not found")
	eq("file.read", []any{"/etc/hostname"}, nil, "web1\n")
	eq("file.access", []any{"/etc/hostname", "f"}, nil, true)
	eq("file.access", []any{"/etc/nope", "f"}, nil, false)
	callErr(t, env, "file.access", []any{"/etc/hostname", "q"}, nil, "Invalid mode specified.")
	if l := callT(t, env, "file.lstat", []any{"/etc/hostname"}, nil).(map[string]any); l["st_size"] != 5 {
		t.Errorf("lstat %v", l)
	}
}

func TestUserAndGroup(t *testing.T) {
	root, _ := testRoot(t)
	env := &Env{Root: root}
	got := callT(t, env, "user.info", []any{"owner"}, nil)
	want := map[string]any{"gid": os.Getgid(), "groups": []any{"adm", "ownergrp", "www"}, "home": "/home/owner", "name": "owner",
		"passwd": "x", "shell": "/bin/bash", "uid": os.Getuid(), "fullname": "Ops Owner", "roomnumber": "Room 1",
		"workphone": "555", "homephone": "", "other": ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("user.info = %#v\nwant %#v", got, want)
	}
	if got := callT(t, env, "user.info", []any{"nobody-here"}, nil); !reflect.DeepEqual(got, map[string]any{}) {
		t.Errorf("unknown user: %v", got)
	}
	if got := callT(t, env, "user.list_groups", []any{"svc"}, nil); !reflect.DeepEqual(got, []any{"adm", "svc"}) {
		t.Errorf("list_groups: %v", got)
	}
	if got := callT(t, env, "group.info", []any{"adm"}, nil); !reflect.DeepEqual(got, map[string]any{"name": "adm", "passwd": "x", "gid": 4, "members": []any{"owner", "svc"}}) {
		t.Errorf("group.info: %v", got)
	}
}

func TestCmd(t *testing.T) {
	root, f := testRoot(t)
	env := &Env{Root: root, Exec: f}
	f.Handler = func(c state.Cmd, line string) (state.CmdResult, bool) {
		switch {
		case strings.Contains(line, "git fail"):
			return state.CmdResult{Retcode: 3, Stdout: "out\n", Stderr: "err\n  ", Pid: 7}, true
		}
		return state.CmdResult{Stdout: "hello world\n\n", Pid: 9}, true
	}
	if v := callT(t, env, "cmd.run", []any{`git log -1 --format='%H %s'`}, nil); v != "hello world" {
		t.Errorf("cmd.run = %q (rstrip)", v)
	}
	last := f.Cmds[len(f.Cmds)-1]
	// no shell unless python_shell: shlex-split argv; stderr merged into stdout in order
	if got := last.Argv; !reflect.DeepEqual(got, []string{"/bin/sh", "-c", `exec "$@" 2>&1`, "sh", "git", "log", "-1", "--format=%H %s"}) {
		t.Errorf("argv %q", got)
	}
	if last.Cwd != "/home/owner" || last.Env["LC_ALL"] != "" || last.Env["LC_CTYPE"] != "C" || last.Env["LANGUAGE"] != "C" {
		t.Errorf("cwd %q env %v", last.Cwd, last.Env)
	}
	callT(t, env, "cmd.run", []any{"echo $HOME | wc -c"}, map[string]any{"python_shell": true, "cwd": "/etc", "env": []any{map[string]any{"A": 1}}, "runas": "svc", "umask": "022", "stdin": "in"})
	last = f.Cmds[len(f.Cmds)-1]
	if got := last.Argv[4:]; !reflect.DeepEqual(got, []string{"/bin/sh", "-c", "echo $HOME | wc -c"}) || last.Cwd != "/etc" ||
		last.Env["A"] != "1" || last.RunAs != "svc" || last.Umask != "022" || string(last.Stdin) != "in" {
		t.Errorf("shell cmd %+v", last)
	}
	callT(t, env, "cmd.shell", []any{"echo a && echo b"}, nil)
	if got := f.Cmds[len(f.Cmds)-1].Argv[4:]; !reflect.DeepEqual(got, []string{"/bin/sh", "-c", "echo a && echo b"}) {
		t.Errorf("cmd.shell argv %q", got)
	}
	ra := callT(t, env, "cmd.run_all", []any{"git fail"}, nil)
	if !reflect.DeepEqual(ra, map[string]any{"pid": 7, "retcode": 3, "stdout": "out", "stderr": "err"}) {
		t.Errorf("run_all %#v", ra)
	}
	if got := f.Cmds[len(f.Cmds)-1].Argv; got[0] != "git" {
		t.Errorf("run_all keeps stderr apart: %q", got)
	}
	if v := callT(t, env, "cmd.retcode", []any{"git fail"}, nil); v != 3 {
		t.Errorf("retcode %v", v)
	}
	if v := callT(t, env, "cmd.retcode", []any{"git fail"}, map[string]any{"success_retcodes": []any{json.Number("3")}}); v != 0 {
		t.Errorf("success_retcodes %v", v)
	}
	if v := callT(t, env, "cmd.run_stdout", []any{"git fail"}, nil); v != "out" {
		t.Errorf("run_stdout %v", v)
	}
	if v := callT(t, env, "cmd.run_stderr", []any{"git fail"}, nil); v != "err" {
		t.Errorf("run_stderr %v", v)
	}
	if v := callT(t, env, "cmd.run", []any{"git fail"}, map[string]any{"hide_output": true}); v != "" {
		t.Errorf("hide_output %v", v)
	}
	callErr(t, env, "cmd.run", []any{"git fail"}, map[string]any{"raise_err": true}, "out")
	callErr(t, env, "cmd.run", []any{"nosuchtool --x"}, nil, "Unable to run command '['nosuchtool', '--x']' with the context '{'cwd': '/home/owner', 'shell': False}', reason: [Errno 2] No such file or directory: 'nosuchtool'")
	callErr(t, env, "cmd.run", []any{"git"}, map[string]any{"cwd": "/nope"}, "Specified cwd '/nope' either not absolute or does not exist")
	callErr(t, env, "cmd.run", []any{"git"}, map[string]any{"runas": "ghost"}, "User 'ghost' is not available")
	callErr(t, env, "cmd.run", []any{"git"}, map[string]any{"umask": "000"}, "Zero umask is not allowed.")
	callErr(t, env, "cmd.run", []any{"git 'open"}, nil, "No closing quotation")
	callErr(t, env, "cmd.run", []any{"git"}, map[string]any{"shell": "/bin/zsh", "python_shell": true}, "The shell /bin/zsh is not available")
	if v := callT(t, env, "cmd.which", []any{"git"}, nil); v != "/usr/bin/git" {
		t.Errorf("which %v", v)
	}
	if v := callT(t, env, "cmd.which", []any{"nosuch"}, nil); v != nil {
		t.Errorf("which nosuch %v", v)
	}
	if v := callT(t, env, "cmd.has_exec", []any{"ip"}, nil); v != true {
		t.Errorf("has_exec ip (in /usr/sbin, Salt's default dirs) %v", v)
	}
	// a timeout is Salt's TimedProcTimeoutError: the message as stdout, retcode 1
	f.Handler = func(c state.Cmd, line string) (state.CmdResult, bool) {
		time.Sleep(1500 * time.Millisecond)
		return state.CmdResult{Retcode: -1}, true
	}
	ra = callT(t, env, "cmd.run_all", []any{"git fetch"}, map[string]any{"timeout": 1})
	if m := ra.(map[string]any); m["retcode"] != 1 || !strings.Contains(m["stdout"].(string), "Timed out after 1 seconds") {
		t.Errorf("timeout %v", ra)
	}
}

func TestPkgServiceStatus(t *testing.T) {
	root, f := testRoot(t)
	env := &Env{Root: root, Exec: f, Grains: map[string]any{"os_family": "Debian", "init": "systemd"}}
	f.On("dpkg-query", "install ok installed nginx 1.22.1-9 amd64\ninstall ok installed nginx-common 1.22.1-9 all\n"+
		"deinstall ok config-files vim 2:9.0 amd64\nhold ok installed libc6 2.36-9 amd64\n", 0)
	f.On("systemctl is-active nginx.service", "", 0)
	f.On("systemctl is-active vim.service", "", 3)
	for _, d := range []string{"run/systemd/system", "lib/systemd/system"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "lib/systemd/system/nginx.service"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "lib/systemd/system/ntp.service"), nil, 0o644)
	f.On("systemctl is-enabled", "enabled", 0)
	eq := func(fun string, args []any, kw map[string]any, want any) {
		t.Helper()
		if got := callT(t, env, fun, args, kw); !reflect.DeepEqual(got, want) {
			t.Errorf("%s%v = %#v, want %#v", fun, args, got, want)
		}
	}
	eq("pkg.version", []any{"nginx"}, nil, "1.22.1-9")
	eq("pkg.version", []any{"vim"}, nil, "") // removed, config files left: not installed
	eq("pkg.version", []any{"nginx", "vim"}, nil, map[string]any{"nginx": "1.22.1-9", "vim": ""})
	eq("pkg.version", []any{"nginx*"}, nil, map[string]any{"nginx": "1.22.1-9", "nginx-common": "1.22.1-9"})
	eq("pkg.version", []any{"nginx"}, map[string]any{"versions_as_list": true}, []any{"1.22.1-9"})
	eq("pkg.version", nil, nil, map[string]any{})
	eq("pkg.list_pkgs", nil, nil, map[string]any{"nginx": "1.22.1-9", "nginx-common": "1.22.1-9", "libc6": "2.36-9"})
	eq("service.status", []any{"nginx"}, nil, true)
	eq("service.status", []any{"vim"}, nil, false)
	eq("service.status", []any{"ng*"}, nil, map[string]any{"nginx": true})
	env.Now = func() time.Time { return time.Date(2015, 7, 27, 7, 55, 3, 0, time.UTC) }
	eq("status.time", nil, nil, "Monday, 27. July 2015 07:55AM")
	eq("status.time", []any{"%Y-%m-%d %H:%M:%S %j %a %b %p %y %%"}, nil, "2015-07-27 07:55:03 208 Mon Jul AM 15 %")
	eq("status.time", []any{"%s"}, nil, "1437983703")
}

// ipAddrShow is `ip addr show` output from a Debian 12 host with an alias
// and a secondary address.
const ipAddrShow = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host noprefixroute
       valid_lft forever preferred_lft forever
2: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff link-netnsid 0
    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth0
       valid_lft 86000sec preferred_lft 86000sec
    inet 10.0.2.16/24 brd 10.0.2.255 scope global secondary eth0:1
       valid_lft forever preferred_lft forever
    inet6 fe80::5054:ff:fe12:3456/64 scope link
       valid_lft forever preferred_lft forever
3: eth1: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 52:54:00:ab:cd:ef brd ff:ff:ff:ff:ff:ff
    inet 203.0.113.7/28 brd 203.0.113.15 scope global eth1
       valid_lft forever preferred_lft forever
    inet6 2001:4860::7/64 scope global
       valid_lft forever preferred_lft forever
`

func TestNetwork(t *testing.T) {
	root, f := testRoot(t)
	f.On("/usr/sbin/ip addr show", ipAddrShow, 0)
	env := &Env{Root: root, Exec: f, Grains: map[string]any{"fqdn": "web1.example.org"}}
	eq := func(fun string, args []any, kw map[string]any, want any) {
		t.Helper()
		if got := callT(t, env, fun, args, kw); !reflect.DeepEqual(got, want) {
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			t.Errorf("%s%v =\n %s\nwant\n %s", fun, args, gb, wb)
		}
	}
	eq("network.interfaces", nil, nil, map[string]any{
		"lo": map[string]any{"up": true, "hwaddr": "00:00:00:00:00:00",
			"inet":  []any{map[string]any{"address": "127.0.0.1", "netmask": "255.0.0.0", "broadcast": nil, "label": "lo"}},
			"inet6": []any{map[string]any{"address": "::1", "prefixlen": "128", "scope": "host"}}},
		"eth0": map[string]any{"up": true, "parent": "if9", "hwaddr": "52:54:00:12:34:56",
			"inet":      []any{map[string]any{"address": "10.0.2.15", "netmask": "255.255.255.0", "broadcast": "10.0.2.255", "label": "eth0"}},
			"secondary": []any{map[string]any{"type": "inet", "address": "10.0.2.16", "netmask": "255.255.255.0", "broadcast": "10.0.2.255", "label": "eth0:1"}},
			"inet6":     []any{map[string]any{"address": "fe80::5054:ff:fe12:3456", "prefixlen": "64", "scope": "link"}}},
		"eth1": map[string]any{"up": false, "hwaddr": "52:54:00:ab:cd:ef",
			"inet":  []any{map[string]any{"address": "203.0.113.7", "netmask": "255.255.255.240", "broadcast": "203.0.113.15", "label": "eth1"}},
			"inet6": []any{map[string]any{"address": "2001:4860::7", "prefixlen": "64", "scope": "global"}}},
	})
	eq("network.ip_addrs", nil, nil, []any{"10.0.2.15", "10.0.2.16", "203.0.113.7"})
	eq("network.ipaddrs", nil, map[string]any{"include_loopback": true}, []any{"10.0.2.15", "10.0.2.16", "127.0.0.1", "203.0.113.7"})
	eq("network.ip_addrs", []any{"eth*"}, map[string]any{"cidr": "10.0.0.0/8"}, []any{"10.0.2.15", "10.0.2.16"})
	eq("network.ip_addrs", nil, map[string]any{"type": "public"}, []any{})
	eq("network.ip_addrs", []any{"eth1,lo"}, nil, []any{"203.0.113.7"})
	eq("network.ip_addrs6", nil, nil, []any{"2001:4860::7", "fe80::5054:ff:fe12:3456"})
	eq("network.interface_ip", []any{"eth0"}, nil, "10.0.2.15")
	eq("network.hw_addr", []any{"eth1"}, nil, "52:54:00:ab:cd:ef")
	eq("network.hw_addr", []any{"eth9"}, nil, `Interface "eth9" not in available interfaces: "eth0", "eth1", "lo"`)
	eq("network.subnets", nil, nil, []any{"10.0.2.0/24", "203.0.113.0/28"})
	eq("network.subnets", []any{"eth1"}, nil, []any{"203.0.113.0/28"})
	eq("network.subnets6", nil, nil, []any{"2001:4860::/64", "fe80::/64"})
	eq("network.in_subnet", []any{"203.0.113.0/24"}, nil, true)
	eq("network.in_subnet", []any{"192.168.0.0/16"}, nil, false)
	eq("network.in_subnet", []any{"not-a-cidr"}, nil, false)
	eq("network.ip_in_subnet", []any{"172.17.0.4", "172.16.0.0/12"}, nil, true)
	eq("network.calc_net", []any{"172.17.0.5", "255.255.255.240"}, nil, "172.17.0.0/28")
	eq("network.calc_net", []any{"2a02:f6e:a000:80:84d8:8332:7866:4e07/64"}, nil, "2a02:f6e:a000:80::/64")
	eq("network.convert_cidr", []any{"172.31.0.0/16"}, nil, map[string]any{"network": "172.31.0.0", "netmask": "255.255.0.0", "broadcast": "172.31.255.255"})
	eq("network.is_private", []any{"10.0.0.3"}, nil, true)
	eq("network.is_private", []any{"8.8.8.8"}, nil, false)
	eq("network.is_loopback", []any{"::1"}, nil, true)
	eq("network.get_hostname", nil, nil, "web1")
	eq("network.get_fqdn", nil, nil, "web1.example.org")

	// without an ip command: the kernel's list in the same shape
	if err := os.Remove(filepath.Join(root, "/usr/sbin/ip")); err != nil {
		t.Fatal(err)
	}
	env.Ifaces = func() ([]Iface, error) {
		_, lo4, _ := net.ParseCIDR("127.0.0.1/8")
		lo4.IP = net.ParseIP("127.0.0.1")
		_, e4, _ := net.ParseCIDR("10.0.2.15/24")
		e4.IP = net.ParseIP("10.0.2.15").To4()
		_, e6, _ := net.ParseCIDR("fe80::1/64")
		e6.IP = net.ParseIP("fe80::1")
		return []Iface{{Name: "lo", HWAddr: "00:00:00:00:00:00", Up: true, Addrs: []*net.IPNet{lo4}},
			{Name: "eth0", HWAddr: "52:54:00:12:34:56", Up: true, Broadcast: true, Addrs: []*net.IPNet{e4, e6}}}, nil
	}
	eq("network.interfaces", nil, nil, map[string]any{
		"lo": map[string]any{"up": true, "hwaddr": "00:00:00:00:00:00",
			"inet": []any{map[string]any{"address": "127.0.0.1", "netmask": "255.0.0.0", "broadcast": nil, "label": "lo"}}},
		"eth0": map[string]any{"up": true, "hwaddr": "52:54:00:12:34:56",
			"inet":  []any{map[string]any{"address": "10.0.2.15", "netmask": "255.255.255.0", "broadcast": "10.0.2.255", "label": "eth0"}},
			"inet6": []any{map[string]any{"address": "fe80::1", "prefixlen": "64", "scope": "link"}}},
	})
	eq("network.ip_addrs", nil, nil, []any{"10.0.2.15"})
}
