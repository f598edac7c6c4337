package grains

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// kind is a grain's JSON type as Salt returns it.
type kind string

const (
	kStr       kind = "string"
	kInt       kind = "int"
	kBool      kind = "bool"
	kList      kind = "list"
	kMap       kind = "map"
	kBoolOrStr kind = "bool or string" // ip4_gw: False, True or the gateway
)

// saltLinuxGrains is what Salt 3007.1 reports in grains.items on a Debian 12
// Linux host, key by key, with the function of salt/grains/*.py that
// provides it. present says when: "" always, else the condition.
var saltLinuxGrains = []struct {
	key     string
	kind    kind
	from    string
	present string
}{
	{"biosreleasedate", kStr, "core._hw_data", "/sys/class/dmi/id/bios_date"},
	{"biosvendor", kStr, "core._hw_data", "/sys/class/dmi/id/bios_vendor"},
	{"biosversion", kStr, "core._hw_data", "/sys/class/dmi/id/bios_version"},
	{"boardname", kStr, "core._hw_data", "/sys/class/dmi/id/board_name"},
	{"cpu_flags", kList, "core._linux_cpudata", ""},
	{"cpu_model", kStr, "core._linux_cpudata", ""},
	{"cpuarch", kStr, "core.os_data (platform.uname)", ""},
	{"cwd", kStr, "core.cwd", ""},
	{"disks", kList, "disks._linux_disks", ""},
	{"dns", kMap, "core.dns", "a resolv.conf"},
	{"domain", kStr, "core.hostname", ""},
	{"efi", kBool, "extra.uefi", ""},
	{"efi-secure-boot", kBool, "extra.uefi", ""},
	{"fqdn", kStr, "core.hostname", ""},
	{"fqdn_ip4", kList, "core.ip_fqdn", ""},
	{"fqdn_ip6", kList, "core.ip_fqdn", ""},
	{"fqdns", kList, "core.fqdns", ""},
	{"gid", kInt, "minion_process.grains", ""},
	{"gpus", kList, "core.os_data / _linux_gpu_data", ""},
	{"groupname", kStr, "minion_process.grains", ""},
	{"host", kStr, "core.hostname", ""},
	{"hwaddr_interfaces", kMap, "core.hwaddr_interfaces", ""},
	{"id", kStr, "core.id_", ""},
	{"init", kStr, "core._linux_init_system", ""},
	{"ip4_gw", kBoolOrStr, "core.default_gateway", "the ip tool"},
	{"ip4_interfaces", kMap, "core.ip4_interfaces", ""},
	{"ip6_gw", kBoolOrStr, "core.default_gateway", "the ip tool"},
	{"ip6_interfaces", kMap, "core.ip6_interfaces", ""},
	{"ip_gw", kBool, "core.default_gateway", "the ip tool"},
	{"ip_interfaces", kMap, "core.ip_interfaces", ""},
	{"ipv4", kList, "core.ip_fqdn", ""},
	{"ipv6", kList, "core.ip_fqdn", ""},
	{"kernel", kStr, "core.os_data", ""},
	{"kernelparams", kList, "core.kernelparams", ""},
	{"kernelrelease", kStr, "core.os_data", ""},
	{"kernelversion", kStr, "core.os_data", ""},
	{"locale_info", kMap, "core.locale_info", ""},
	{"localhost", kStr, "core.hostname", ""},
	{"lsb_distrib_codename", kStr, "core._legacy_linux_distribution_data", ""},
	{"lsb_distrib_id", kStr, "core._legacy_linux_distribution_data", ""},
	{"lsb_distrib_release", kStr, "core._legacy_linux_distribution_data", ""},
	{"lvm", kMap, "lvm._linux_lvm", "the lvm tool"},
	{"machine_id", kStr, "core.get_machine_id", "/etc/machine-id"},
	{"manufacturer", kStr, "core._hw_data", "/sys/class/dmi/id/sys_vendor"},
	{"master", kStr, "core.get_master", ""},
	{"mdadm", kList, "mdadm.mdadm", "/proc/mdstat"},
	{"mem_total", kInt, "core._linux_memdata", ""},
	{"nodename", kStr, "core.os_data", ""},
	{"num_cpus", kInt, "core._linux_cpudata", ""},
	{"num_gpus", kInt, "core.os_data / _linux_gpu_data", ""},
	{"os", kStr, "core._os_release_to_grains", ""},
	{"os_family", kStr, "core._legacy_linux_distribution_data", ""},
	{"osarch", kStr, "core._osarch", ""},
	{"oscodename", kStr, "core._legacy_linux_distribution_data", ""},
	{"osfinger", kStr, "core._osrelease_data", ""},
	{"osfullname", kStr, "core._os_release_to_grains", ""},
	{"osmajorrelease", kInt, "core._osrelease_data", ""},
	{"osrelease", kStr, "core._legacy_linux_distribution_data", ""},
	{"osrelease_info", kList, "core._osrelease_data", ""},
	{"path", kStr, "core.path", ""},
	{"pid", kInt, "minion_process.grains", ""},
	{"productname", kStr, "core._hw_data", "/sys/class/dmi/id/product_name"},
	{"ps", kStr, "core._ps", ""},
	{"saltversion", kStr, "core.saltversion", ""},
	{"saltversioninfo", kList, "core.saltversioninfo", ""},
	{"serialnumber", kStr, "core._hw_data", "readable /sys/class/dmi/id/product_serial"},
	{"server_id", kInt, "core.get_server_id", ""},
	{"shell", kStr, "extra.shell", ""},
	{"ssds", kList, "disks._linux_disks", ""},
	{"swap_total", kInt, "core._linux_memdata", ""},
	{"systemd", kMap, "core._systemd", "systemctl and localectl"},
	{"systempath", kList, "core.path", ""},
	{"transactional", kBool, "extra.transactional", ""},
	{"uid", kInt, "minion_process.grains", ""},
	{"username", kStr, "minion_process.grains", ""},
	{"uuid", kStr, "core._hw_data", "readable /sys/class/dmi/id/product_uuid"},
	{"virtual", kStr, "core._virtual", ""},
	{"zfs_feature_flags", kBool, "zfs.zfs", ""},
	{"zfs_support", kBool, "zfs.zfs", ""},
}

// brineOnly are the grains brine reports that Salt does not.
var brineOnly = map[string]bool{"brine_version": true}

func kindOf(v any) kind {
	b, _ := json.Marshal(v)
	var d any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	_ = dec.Decode(&d)
	switch t := d.(type) {
	case string:
		return kStr
	case json.Number:
		if _, err := t.Int64(); err == nil {
			return kInt
		}
		return "float"
	case bool:
		return kBool
	case []any:
		return kList
	case map[string]any:
		return kMap
	}
	return "null"
}

// debian12VM is a Debian 12 KVM guest with systemd, iproute2, lvm2 and md
// RAID: every conditional grain of saltLinuxGrains is there.
func debian12VM() map[string]string {
	return map[string]string{
		"/etc/os-release":                  "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n",
		"/etc/debian_version":              "12.5\n",
		"/etc/hosts":                       "127.0.0.1\tlocalhost\n10.0.0.5\tweb1.example.org web1\n",
		"/etc/machine-id":                  "0123456789abcdef0123456789abcdef\n",
		"/etc/resolv.conf":                 "nameserver 10.0.0.1\n",
		"/etc/passwd":                      passwd,
		"/etc/group":                       group,
		"/proc/cpuinfo":                    cpuinfoX86,
		"/proc/meminfo":                    meminfo,
		"/proc/cmdline":                    "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=abc ro quiet\n",
		"/proc/mdstat":                     "Personalities : [raid1]\nmd0 : active raid1 vdb1[1] vda1[0]\nunused devices: <none>\n",
		"/proc/net/route":                  "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
		"/run/systemd/system/":             "",
		"/usr/bin/systemctl":               tool,
		"/usr/bin/localectl":               tool,
		"/usr/bin/ip":                      tool,
		"/usr/sbin/lvm":                    tool,
		"/usr/bin/systemd-detect-virt":     tool,
		"/sys/class/dmi/id/sys_vendor":     "QEMU\n",
		"/sys/class/dmi/id/product_name":   "Standard PC (i440FX + PIIX, 1996)\n",
		"/sys/class/dmi/id/board_name":     "\n",
		"/sys/class/dmi/id/bios_vendor":    "SeaBIOS\n",
		"/sys/class/dmi/id/bios_version":   "1.16.2-debian-1.16.2-1\n",
		"/sys/class/dmi/id/bios_date":      "04/01/2014\n",
		"/sys/class/dmi/id/product_uuid":   "4C4C4544-0042-3510-8051-B4C04F4E4A31\n",
		"/sys/class/dmi/id/product_serial": "\n",
		"/sys/block/vda/queue/rotational":  "1\n",
		"/sys/block/dm-0/dm/name":          "vg0-root\n",
		"/sys/block/dm-0/dm/uuid":          "LVM-abc\n",
		"/sys/devices/system/clocksource/clocksource0/available_clocksource": "kvm-clock tsc acpi_pm\n",
	}
}

// TestSaltCoreGrainsKeySet compares grains.items of a Debian 12 host with
// Salt's, key by key: the same keys (plus brine_version), each of Salt's
// type; and on a minimal host without the tools and files some grains need,
// those grains are absent as in Salt.
func TestSaltCoreGrainsKeySet(t *testing.T) {
	s := fakeRoot(t, debian12VM(), amd64)
	g := s.collect(context.Background(), "1.0")
	sv, info, _ := SaltVersion(DefaultSaltVersion)
	g["saltversion"], g["saltversioninfo"] = sv, info
	SetID(g, "web1")
	want := map[string]bool{}
	for _, e := range saltLinuxGrains {
		want[e.key] = true
		v, ok := g[e.key]
		if !ok {
			t.Errorf("%s (Salt's %s) missing", e.key, e.from)
			continue
		}
		k := kindOf(v)
		if k != e.kind && !(e.kind == kBoolOrStr && (k == kBool || k == kStr)) {
			t.Errorf("%s = %#v is a %s; Salt's %s gives a %s", e.key, v, k, e.from, e.kind)
		}
	}
	var extra []string
	for k := range g {
		if !want[k] && !brineOnly[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("grains Salt does not report on this host: %v", extra)
	}
	checks := map[string]any{
		"systemd": map[string]any{"version": "252", "features": "+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified"},
		"ip4_gw":  "10.0.0.1",
		"ip6_gw":  false,
		"ip_gw":   true,
		"virtual": "kvm",
		// Salt splits on every "=": root=UUID=abc has no value for it.
		"kernelparams":    []any{[]any{"BOOT_IMAGE", "/boot/vmlinuz-6.1.0-18-amd64"}, []any{"root", nil}, []any{"ro", nil}, []any{"quiet", nil}},
		"mdadm":           []any{"md0"},
		"lvm":             map[string]any{"vg0": []any{"root"}},
		"disks":           []any{"vda"},
		"uuid":            "4c4c4544-0042-3510-8051-b4c04f4e4a31",
		"fqdns":           []string{"web1.example.org"},
		"num_gpus":        0,
		"ps":              "ps -efHww",
		"master":          "salt",
		"systempath":      []string{"/usr/bin", "/bin"},
		"cwd":             "/home/deploy",
		"saltversion":     "3007.1",
		"saltversioninfo": []any{3007, 1},
	}
	for k, w := range checks {
		if !reflect.DeepEqual(g[k], w) {
			t.Errorf("%s = %#v, want %#v", k, g[k], w)
		}
	}

	// A minimal Debian 12 (debootstrap minbase, no systemd, iproute2, DMI
	// or md): the conditional grains are absent, as in Salt.
	files := debian12VM()
	for _, p := range []string{"/run/systemd/system/", "/usr/bin/systemctl", "/usr/bin/localectl", "/usr/bin/ip", "/usr/sbin/lvm",
		"/usr/bin/systemd-detect-virt", "/proc/mdstat", "/etc/machine-id"} {
		delete(files, p)
	}
	for p := range files {
		if strings.HasPrefix(p, "/sys/class/dmi/id/") {
			delete(files, p)
		}
	}
	g = fakeRoot(t, files, amd64).collect(context.Background(), "1.0")
	for _, e := range saltLinuxGrains {
		if _, ok := g[e.key]; ok && e.present != "" && e.key != "dns" && e.key != "productname" && e.key != "manufacturer" {
			t.Errorf("%s present without %s", e.key, e.present)
		}
	}
	if g["init"] != "unknown" || g["virtual"] != "physical" {
		t.Errorf("minimal host: init %v virtual %v", g["init"], g["virtual"])
	}
}

func TestSaltVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		s    string
		info []any
	}{
		{"3007.1", "3007.1", []any{3007, 1}},
		{"3007", "3007.0", []any{3007, 0}},
		{"3006.9", "3006.9", []any{3006, 9}},
		{"3005", "3005", []any{3005}},
		{"3005.1", "3005.1", []any{3005, 1}},
		{"3000.2", "3000.2", []any{3000, 2}},
		{"2019.2.8", "2019.2.8", []any{2019, 2, 8, 0}},
		{"2016.11", "2016.11.0", []any{2016, 11, 0, 0}},
		{"3007.0rc1", "3007.0rc1", []any{3007, 0}},
	} {
		s, info, err := SaltVersion(tc.in)
		if err != nil || s != tc.s || !reflect.DeepEqual(info, tc.info) {
			t.Errorf("SaltVersion(%q) = %q %v %v, want %q %v", tc.in, s, info, err, tc.s, tc.info)
		}
	}
	for _, bad := range []string{"", "latest", "3007.1.x", "30071.1"} {
		if _, _, err := SaltVersion(bad); err == nil {
			t.Errorf("SaltVersion(%q) accepted", bad)
		}
	}
	g := CollectWith(context.Background(), Options{Root: t.TempDir(), SaltVersion: "3006.9"})
	if g["saltversion"] != "3006.9" || !reflect.DeepEqual(g["saltversioninfo"], []any{3006, 9}) {
		t.Errorf("configured version: %v %v", g["saltversion"], g["saltversioninfo"])
	}
	g = Collect(context.Background(), t.TempDir())
	if g["saltversion"] != "3007.1" || !reflect.DeepEqual(g["saltversioninfo"], []any{3007, 1}) {
		t.Errorf("default version: %v %v", g["saltversion"], g["saltversioninfo"])
	}
}

// TestSystemdGrainFromBinary: the systemd grain comes from the literals in
// the systemctl binary (no exec), even across read chunks; a binary without
// them falls back to `systemctl --version`.
func TestSystemdGrainFromBinary(t *testing.T) {
	bin := "#!" + strings.Repeat("x", 256<<10-12) + "systemd 253 (253.5-1)\x00abc\x00-PAM +AUDIT default-hierarchy=unified\x00tail"
	files := map[string]string{"/usr/bin/systemctl": bin, "/usr/bin/localectl": tool}
	s := fakeRoot(t, files, amd64)
	ran := 0
	s.run = func(context.Context, ...string) (string, error) { ran++; return systemctlVersion, nil }
	g := s.collect(context.Background(), "")
	want := map[string]any{"version": "253", "features": "-PAM +AUDIT default-hierarchy=unified"}
	if !reflect.DeepEqual(g["systemd"], want) || ran != 0 {
		t.Errorf("from the binary: %v (ran %d)", g["systemd"], ran)
	}
	files["/usr/bin/systemctl"] = tool
	s = fakeRoot(t, files, amd64)
	g = s.collect(context.Background(), "")
	if sd, _ := g["systemd"].(map[string]any); sd["version"] != "252" {
		t.Errorf("fallback to systemctl --version: %v", g["systemd"])
	}
}
