package grains

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeRoot writes files (path -> content; a trailing "/" makes a directory)
// under a temp dir and returns a system reading from it.
func fakeRoot(t *testing.T, files map[string]string, u unameInfo) *system {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, p)
		if p[len(p)-1] == '/' {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(c, "#!") {
			mode = 0o755 // a tool: which() finds it
		}
		if err := os.WriteFile(full, []byte(c), mode); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"PATH": "/usr/bin:/bin", "LANG": "en_US.UTF-8"}
	return &system{
		root:  root,
		uname: func() unameInfo { return u },
		ifaces: func() []iface {
			return []iface{
				{Name: "lo", HWAddr: "00:00:00:00:00:00", Addrs: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}},
				{Name: "eth0", HWAddr: "52:54:00:12:34:56", Addrs: []net.IP{net.ParseIP("10.0.0.5"), net.ParseIP("fe80::1")}},
			}
		},
		getenv: func(k string) string { return env[k] },
		getwd:  func() string { return "/home/deploy" },
		run: func(_ context.Context, argv ...string) (string, error) {
			if len(argv) == 2 && argv[0] == "/usr/bin/systemctl" && argv[1] == "--version" {
				return systemctlVersion, nil
			}
			return "", fmt.Errorf("unexpected command %v", argv)
		},
		uid: 1000, gid: 1000, pid: 4242,
	}
}

// systemctlVersion is `systemctl --version` on Debian 12.
const systemctlVersion = "systemd 252 (252.22-1~deb12u1)\n+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified\n"

const tool = "#!/bin/sh\n"

const cpuinfoX86 = `processor	: 0
vendor_id	: GenuineIntel
model name	: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz
flags		: fpu vme sse2

processor	: 1
vendor_id	: GenuineIntel
model name	: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz
flags		: fpu vme sse2
`

const cpuinfoARM = `processor	: 0
BogoMIPS	: 50.00
Features	: fp asimd evtstrm
CPU implementer	: 0x41

processor	: 1
BogoMIPS	: 50.00
Features	: fp asimd evtstrm

processor	: 2
processor	: 3
`

const meminfo = `MemTotal:        4026532 kB
MemFree:         1000000 kB
SwapTotal:       1048572 kB
SwapFree:        1048572 kB
`

const passwd = "root:x:0:0:root:/root:/bin/bash\ndeploy:x:1000:1000::/home/deploy:/bin/sh\n"
const group = "root:x:0:\ndeploy:x:1000:\n"

var amd64 = unameInfo{Sysname: "Linux", Nodename: "web1", Release: "6.1.0-18-amd64",
	Version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)", Machine: "x86_64"}

func TestDistributions(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		uname unameInfo
		want  map[string]any
	}{
		{
			name: "debian12",
			files: map[string]string{
				"/etc/os-release": `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`,
				"/etc/debian_version":  "12.5\n",
				"/etc/hosts":           "127.0.0.1\tlocalhost\n127.0.1.1\tweb1.example.org web1\n::1 localhost ip6-localhost\n",
				"/etc/machine-id":      "0123456789abcdef0123456789abcdef\n",
				"/etc/timezone":        "Europe/Berlin\n",
				"/etc/init.d/":         "",
				"/proc/cpuinfo":        cpuinfoX86,
				"/proc/meminfo":        meminfo,
				"/etc/passwd":          passwd,
				"/etc/group":           group,
				"/run/systemd/system/": "",
			},
			uname: amd64,
			want: map[string]any{
				"os": "Debian", "os_family": "Debian", "osfullname": "Debian GNU/Linux",
				"osrelease": "12", "osrelease_info": []any{12}, "osmajorrelease": 12,
				"oscodename": "bookworm", "osfinger": "Debian-12",
				"lsb_distrib_id": "Debian GNU/Linux", "lsb_distrib_codename": "bookworm",
				"lsb_distrib_release": "12",
				"osarch":              "amd64", "cpuarch": "x86_64", "kernel": "Linux",
				"kernelrelease": "6.1.0-18-amd64", "nodename": "web1", "localhost": "web1",
				"fqdn": "web1.example.org", "host": "web1", "domain": "example.org", "id": "web1.example.org",
				"fqdn_ip4": []string{"127.0.1.1"}, "fqdn_ip6": []string{},
				"num_cpus": 2, "cpu_model": "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
				"cpu_flags": []string{"fpu", "vme", "sse2"},
				"mem_total": 3932, "swap_total": 1023, "init": "systemd",
				"machine_id": "0123456789abcdef0123456789abcdef",
				"username":   "deploy", "groupname": "deploy", "uid": 1000, "gid": 1000, "pid": 4242,
				"virtual": "physical", "path": "/usr/bin:/bin", "shell": "/bin/sh",
			},
		},
		{
			name: "ubuntu2204",
			files: map[string]string{
				"/etc/os-release": `PRETTY_NAME="Ubuntu 22.04.3 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.3 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=jammy
`,
				"/etc/lsb-release": "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.3 LTS\"\n",
				"/proc/cpuinfo":    cpuinfoARM,
				"/proc/meminfo":    "MemTotal: 2048000 kB\n",
				"/.dockerenv":      "",
			},
			uname: unameInfo{Sysname: "Linux", Nodename: "db.internal", Release: "5.15.0-91-generic", Machine: "aarch64"},
			want: map[string]any{
				"os": "Ubuntu", "os_family": "Debian", "osfullname": "Ubuntu",
				"osrelease": "22.04", "osrelease_info": []any{22, 4}, "osmajorrelease": 22,
				"oscodename": "jammy", "osfinger": "Ubuntu-22.04",
				"lsb_distrib_id": "Ubuntu", "lsb_distrib_description": "Ubuntu 22.04.3 LTS",
				"osarch": "arm64", "cpuarch": "aarch64",
				"fqdn": "db.internal", "host": "db", "domain": "internal",
				"num_cpus": 4, "cpu_flags": []string{"fp", "asimd", "evtstrm"}, "cpu_model": "Unknown",
				"mem_total": 2000, "swap_total": 0, "init": "unknown",
				// Salt looks for Docker in PID 1's cgroup (v1) only.
				"virtual": "physical",
			},
		},
		{
			name: "rocky9",
			files: map[string]string{
				"/etc/os-release": `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
`,
				"/proc/cpuinfo":                  cpuinfoX86,
				"/proc/meminfo":                  meminfo,
				"/proc/1/cgroup":                 "0::/\n",
				"/sys/class/dmi/id/sys_vendor":   "QEMU\n",
				"/sys/class/dmi/id/product_name": "Standard PC (Q35 + ICH9, 2009)\n",
				"/sys/fs/selinux/enforce":        "1\n",
				"/run/systemd/system/":           "",
				"/usr/bin/systemd-detect-virt":   tool,
				"/usr/sbin/selinuxenabled":       tool,
				"/usr/sbin/getenforce":           tool,
				"/sys/devices/system/clocksource/clocksource0/available_clocksource": "kvm-clock tsc acpi_pm \n",
			},
			uname: unameInfo{Sysname: "Linux", Nodename: "rocky", Release: "5.14.0-362.el9.x86_64", Machine: "x86_64"},
			want: map[string]any{
				"os": "Rocky", "os_family": "RedHat", "osfullname": "Rocky Linux",
				"osrelease": "9.3", "osrelease_info": []any{9, 3}, "osmajorrelease": 9,
				"oscodename": "Blue Onyx", "osfinger": "Rocky Linux-9",
				"osarch": "x86_64", "init": "systemd", "virtual": "kvm",
				"manufacturer": "QEMU", "fqdn": "rocky", "domain": "",
				"selinux": map[string]any{"enabled": true, "enforced": "Enforcing"},
			},
		},
		{
			name: "alpine319",
			files: map[string]string{
				"/etc/os-release": `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
HOME_URL="https://alpinelinux.org/"
`,
				"/sbin/openrc":     "",
				"/etc/init.d/":     "",
				"/proc/meminfo":    meminfo,
				"/etc/hosts":       "127.0.0.1 localhost\n10.1.2.3 alp.lan alp\n",
				"/etc/resolv.conf": "# generated\nsearch lan corp.example\nnameserver 10.1.2.1\nnameserver fd00::53\noptions ndots:2 timeout:1\n",
			},
			uname: unameInfo{Sysname: "Linux", Nodename: "alp", Release: "6.6.14-0-lts", Machine: "x86_64"},
			want: map[string]any{
				"os": "Alpine", "os_family": "Alpine", "osfullname": "Alpine Linux",
				"osrelease": "3.19.1", "osrelease_info": []any{3, 19, 1}, "osmajorrelease": 3,
				"oscodename": "", "osfinger": "Alpine Linux-3",
				"osarch": "x86_64", "init": "unknown", "virtual": "physical",
				"fqdn": "alp.lan", "fqdn_ip4": []string{"10.1.2.3"},
				"dns": map[string]any{"nameservers": []string{"10.1.2.1", "fd00::53"},
					"ip4_nameservers": []string{"10.1.2.1"}, "ip6_nameservers": []string{"fd00::53"},
					"domain": "", "search": []string{"lan", "corp.example"},
					"options": []string{"ndots:2", "timeout:1"}, "sortlist": []string{}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakeRoot(t, tt.files, tt.uname)
			g := s.collect(context.Background(), "1.2.3")
			for k, want := range tt.want {
				got, ok := g[k]
				if !ok {
					t.Errorf("grain %q missing", k)
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("grain %q = %#v, want %#v", k, got, want)
				}
			}
			// Grains Salt does not report (or not on such a host).
			for _, k := range []string{"timezone", "osminorrelease", "virtual_subtype"} {
				if v, ok := g[k]; ok {
					t.Errorf("grain %q = %#v: Salt has no such grain here", k, v)
				}
			}
			if _, ok := tt.want["selinux"]; !ok {
				if v, ok := g["selinux"]; ok {
					t.Errorf("selinux = %v without selinuxenabled", v)
				}
			}
			if _, ok := tt.want["lsb_distrib_description"]; !ok {
				if v, ok := g["lsb_distrib_description"]; ok {
					t.Errorf("lsb_distrib_description = %v without lsb-release data", v)
				}
			}
			if g["brine_version"] != "1.2.3" {
				t.Errorf("brine_version = %v", g["brine_version"])
			}
			if !reflect.DeepEqual(g["ipv4"], []string{"10.0.0.5", "127.0.0.1"}) {
				t.Errorf("ipv4 = %v", g["ipv4"])
			}
			if !reflect.DeepEqual(g["ipv6"], []string{"::1", "fe80::1"}) {
				t.Errorf("ipv6 = %v", g["ipv6"])
			}
		})
	}
}

func TestMissingFilesDoNotPanic(t *testing.T) {
	s := fakeRoot(t, map[string]string{"/tmp/": ""}, unameInfo{})
	g := s.collect(context.Background(), "")
	if g["os"] != "Linux" || g["init"] != "unknown" || g["virtual"] != "physical" {
		t.Errorf("empty root: os=%v init=%v virtual=%v", g["os"], g["init"], g["virtual"])
	}
	if g["kernel"] != "Linux" || g["brine_version"] != "unknown" {
		t.Errorf("kernel=%v brine_version=%v", g["kernel"], g["brine_version"])
	}
	if _, ok := g["osmajorrelease"]; ok {
		t.Errorf("osmajorrelease set without a release: %v", g["osmajorrelease"])
	}
}

func TestNodenameFallsBackToEtcHostname(t *testing.T) {
	s := fakeRoot(t, map[string]string{"/etc/hostname": "box\n"}, unameInfo{Sysname: "Linux"})
	g := s.collect(context.Background(), "")
	if g["nodename"] != "box" || g["fqdn"] != "box" || g["host"] != "box" {
		t.Errorf("nodename=%v fqdn=%v host=%v", g["nodename"], g["fqdn"], g["host"])
	}
}

func TestCancelledContextStopsEarly(t *testing.T) {
	s := fakeRoot(t, map[string]string{}, amd64)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := s.collect(ctx, "v")
	if _, ok := g["os"]; ok {
		t.Errorf("collection went on after cancel: %v", g)
	}
}

func TestSetID(t *testing.T) {
	g := map[string]any{}
	SetID(g, "web1")
	if g["id"] != "web1" {
		t.Fatalf("id = %v", g["id"])
	}
	a := g["server_id"].(int64)
	SetID(g, "web2")
	b := g["server_id"].(int64)
	if a == b || a < 0 || a >= 1<<31 || b < 0 || b >= 1<<31 {
		t.Errorf("server ids %d, %d", a, b)
	}
	// Values computed with Salt's formula:
	// int(hashlib.sha256(id.encode()).hexdigest(), 16) % 2**31
	if a != 1826842219 {
		t.Errorf("server_id(web1) = %d, want 1826842219", a)
	}
	if got := serverID("minion"); got != 279719642 {
		t.Errorf("server_id(minion) = %d, want 279719642", got)
	}
}

func TestParseKVQuotes(t *testing.T) {
	m := parseKV("A=\"x y\"\n# c\nB='q'\nC=plain\nbroken\nD=\"say \\\"hi\\\"\"\n")
	want := map[string]string{"A": "x y", "B": "q", "C": "plain", "D": `say "hi"`}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("parseKV = %#v", m)
	}
}

// TestRealHost collects on this machine and checks keys and types.
func TestRealHost(t *testing.T) {
	start := time.Now()
	g := CollectWith(context.Background(), Options{Version: "test"})
	took := time.Since(start)
	if took > time.Second {
		t.Errorf("collection took %v", took)
	}
	strs := []string{"id", "host", "fqdn", "domain", "nodename", "localhost", "os", "os_family",
		"osrelease", "oscodename", "osfullname", "lsb_distrib_id", "lsb_distrib_codename",
		"lsb_distrib_release", "osfinger", "osarch", "cpuarch",
		"kernel", "kernelrelease", "kernelversion", "cpu_model", "init", "path", "shell",
		"virtual", "username", "brine_version", "saltversion"}
	for _, k := range strs {
		if _, ok := g[k].(string); !ok {
			t.Errorf("grain %q = %#v (%T), want a string", k, g[k], g[k])
		}
	}
	ints := []string{"num_cpus", "mem_total", "swap_total", "uid", "gid", "pid"}
	for _, k := range ints {
		if _, ok := g[k].(int); !ok {
			t.Errorf("grain %q = %#v (%T), want an int", k, g[k], g[k])
		}
	}
	for _, k := range []string{"ipv4", "ipv6", "fqdn_ip4", "cpu_flags"} {
		if _, ok := g[k].([]string); !ok {
			t.Errorf("grain %q = %#v (%T), want []string", k, g[k], g[k])
		}
	}
	for _, k := range []string{"locale_info"} {
		if _, ok := g[k].(map[string]any); !ok {
			t.Errorf("grain %q = %#v (%T), want a map", k, g[k], g[k])
		}
	}
	if g["kernel"] != "Linux" {
		t.Errorf("kernel = %v", g["kernel"])
	}
	if n := g["num_cpus"].(int); n < 1 {
		t.Errorf("num_cpus = %d", n)
	}
	if m := g["mem_total"].(int); m < 16 {
		t.Errorf("mem_total = %d MiB", m)
	}
	found := false
	for _, ip := range g["ipv4"].([]string) {
		found = found || ip == "127.0.0.1"
	}
	if !found {
		t.Errorf("ipv4 %v lacks 127.0.0.1", g["ipv4"])
	}
	if g["pid"] != os.Getpid() || g["uid"] != os.Getuid() {
		t.Errorf("pid/uid = %v/%v", g["pid"], g["uid"])
	}
	switch g["init"] {
	case "systemd", "sysvinit", "upstart", "unknown":
	default:
		t.Errorf("init = %v", g["init"])
	}
}

func BenchmarkCollect(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		Collect(ctx, "")
	}
}

func TestOSMapping(t *testing.T) {
	tests := []struct {
		osRelease                string
		os, family, finger, arch string
	}{
		{"ID=raspbian\nID_LIKE=debian\nNAME=\"Raspbian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
			"Raspbian", "Debian", "Raspbian-12", "arm64"},
		{"ID=\"centos\"\nNAME=\"CentOS Stream\"\nVERSION_ID=\"9\"\n", "CentOS", "RedHat", "CentOS Stream-9", "aarch64"},
		{"ID=\"rhel\"\nNAME=\"Red Hat Enterprise Linux\"\nVERSION_ID=\"9.3\"\nVERSION=\"9.3 (Plow)\"\n",
			"RedHat", "RedHat", "Red Hat Enterprise Linux-9", "aarch64"},
		{"ID=\"almalinux\"\nNAME=\"AlmaLinux\"\nVERSION_ID=\"9.3\"\n", "AlmaLinux", "RedHat", "AlmaLinux-9", "aarch64"},
		{"ID=fedora\nNAME=\"Fedora Linux\"\nVERSION_ID=39\n", "Fedora", "RedHat", "Fedora Linux-39", "aarch64"},
		{"ID=\"opensuse-leap\"\nNAME=\"openSUSE Leap\"\nVERSION_ID=\"15.5\"\n", "SUSE", "Suse", "openSUSE Leap-15.5", "aarch64"},
		{"ID=\"sles\"\nNAME=\"SLES\"\nVERSION_ID=\"15.5\"\n", "SUSE", "Suse", "SLES-15", "aarch64"},
		{"ID=arch\nNAME=\"Arch Linux\"\nBUILD_ID=rolling\n", "Arch", "Arch", "Arch Linux-rolling", "aarch64"},
		{"ID=pop\nID_LIKE=\"ubuntu debian\"\nNAME=\"Pop!_OS\"\nVERSION_ID=\"22.04\"\n", "Pop!_OS", "Debian", "Pop!_OS-22", "arm64"},
	}
	for _, tt := range tests {
		t.Run(tt.os+"/"+tt.finger, func(t *testing.T) {
			s := fakeRoot(t, map[string]string{"/etc/os-release": tt.osRelease},
				unameInfo{Sysname: "Linux", Nodename: "n", Machine: "aarch64"})
			g := s.collect(context.Background(), "")
			got := []any{g["os"], g["os_family"], g["osfinger"], g["osarch"]}
			want := []any{tt.os, tt.family, tt.finger, tt.arch}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("os, os_family, osfinger, osarch = %v, want %v", got, want)
			}
		})
	}
}
