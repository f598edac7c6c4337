package grains

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// initGrains fills init as Salt's _linux_init_system does: systemd when
// /run/systemd/system exists; else from PID 1's command line: an init
// binary (…bin/init) named after upstart, sysvinit or systemd inside,
// supervisord, dumb-init, tini or runit; else "unknown". The systemd grain
// ({version, features}) is there when systemctl and localectl are, as Salt
// adds it.
func (s *system) initGrains(ctx context.Context, g map[string]any) {
	g["init"] = s.initSystem()
	if sc := s.which("systemctl"); sc != "" && s.which("localectl") != "" {
		if sd := s.systemdGrain(ctx, sc); sd != nil {
			g["systemd"] = sd
		}
	}
}

// systemdGrain is Salt's _systemd: the version and features lines of
// `systemctl --version`. Both are string literals in the systemctl binary,
// so they are read from it (a fork and exec costs ~4 ms on every run);
// the command runs only when the binary does not have them.
func (s *system) systemdGrain(ctx context.Context, systemctl string) map[string]any {
	if version, features := s.scanSystemctl(systemctl); version != "" && features != "" {
		return map[string]any{"version": version, "features": features}
	}
	out, err := s.run(ctx, systemctl, "--version")
	if err != nil {
		return nil
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if f := strings.Fields(lines[0]); len(f) > 1 && len(lines) > 1 {
		return map[string]any{"version": f[1], "features": lines[1]}
	}
	return nil
}

// scanSystemctl reads the systemctl binary in chunks (it is over a
// megabyte) until systemdBanner has both strings; a chunk keeps the tail of
// the previous one, so a string split across two is still found.
func (s *system) scanSystemctl(systemctl string) (version, features string) {
	f, err := os.Open(s.path(systemctl))
	if err != nil {
		return "", ""
	}
	defer f.Close()
	const chunk, overlap = 256 << 10, 4 << 10
	buf := make([]byte, 0, chunk+overlap)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		v, ft := systemdBanner(buf)
		if version == "" {
			version = v
		}
		if features == "" {
			features = ft
		}
		if (version != "" && features != "") || err != nil {
			return version, features
		}
		if len(buf) > overlap {
			buf = append(buf[:0], buf[len(buf)-overlap:]...)
		}
	}
}

// systemdBanner finds, in the systemctl binary, the "systemd NNN (" banner
// and the NUL-terminated features string that starts with PAM's flag.
func systemdBanner(b []byte) (version, features string) {
	for rest := b; ; {
		i := bytes.Index(rest, []byte("systemd "))
		if i < 0 {
			break
		}
		rest = rest[i+len("systemd "):]
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n > 0 && bytes.HasPrefix(rest[n:], []byte(" (")) {
			version = string(rest[:n])
			break
		}
	}
	for _, flag := range []string{"+PAM ", "-PAM "} {
		if i := bytes.Index(b, []byte(flag)); i >= 0 {
			if end := bytes.IndexByte(b[i:], 0); end > 0 {
				features = strings.TrimSpace(string(b[i : i+end]))
				break
			}
		}
	}
	return version, features
}

func (s *system) initSystem() string {
	if s.exists("/run/systemd/system") {
		return "systemd"
	}
	cmdline := strings.Fields(strings.ReplaceAll(s.read("/proc/1/cmdline"), "\x00", " "))
	if len(cmdline) == 0 {
		return "unknown"
	}
	bin := cmdline[0]
	if !strings.HasPrefix(bin, "/") {
		bin = s.which(bin)
	} else if _, err := os.Stat(s.path(bin)); err != nil {
		bin = ""
	}
	if bin != "" && strings.HasSuffix(bin, "bin/init") {
		b, err := os.ReadFile(s.path(bin))
		if err == nil {
			b = bytes.ToLower(b)
			for _, name := range []string{"upstart", "sysvinit", "systemd"} {
				if bytes.Contains(b, []byte(name)) {
					return name
				}
			}
		}
		return "unknown"
	}
	has := func(tool string) bool {
		p := s.which(tool)
		if p == "" {
			return false
		}
		for _, a := range cmdline {
			if a == p {
				return true
			}
		}
		return false
	}
	switch {
	case has("supervisord"):
		return "supervisord"
	case has("dumb-init"):
		return "dumb-init"
	case has("tini"):
		return "tini"
	case len(cmdline) == 1 && cmdline[0] == "runit":
		return "runit"
	}
	for _, a := range cmdline {
		if a == "/sbin/my_init" {
			return "runit"
		}
	}
	return "unknown"
}

// dmi reads one /sys/class/dmi/id file ("" when absent or unreadable).
func (s *system) dmi(name string) string {
	return strings.TrimSpace(s.read("/sys/class/dmi/id/" + name))
}

// detectVirt answers what systemd-detect-virt would print, from the files
// it reads itself: a container first (PID 1's container= or
// /run/systemd/container, /.dockerenv, /run/.containerenv), then the
// hypervisor from the kvm-clock source, Xen's /proc/xen and the DMI vendor
// strings; "none" for bare metal.
func (s *system) detectVirt() string {
	for _, kv := range strings.Split(s.read("/proc/1/environ"), "\x00") {
		if v, ok := strings.CutPrefix(kv, "container="); ok && v != "" {
			return v
		}
	}
	if v := strings.TrimSpace(s.read("/run/systemd/container")); v != "" {
		return v
	}
	switch {
	case s.exists("/.dockerenv"):
		return "docker"
	case s.exists("/run/.containerenv"):
		return "podman"
	}
	if strings.Contains(s.read("/sys/devices/system/clocksource/clocksource0/available_clocksource"), "kvm-clock") {
		return "kvm"
	}
	if strings.TrimSpace(s.read("/sys/hypervisor/type")) == "xen" {
		return "xen"
	}
	vendors := []string{s.dmi("sys_vendor"), s.dmi("product_name"), s.dmi("board_vendor"), s.dmi("bios_vendor")}
	for _, v := range vendors {
		switch {
		case strings.HasPrefix(v, "KVM"), strings.HasPrefix(v, "OpenStack"), strings.HasPrefix(v, "KubeVirt"):
			return "kvm"
		case strings.HasPrefix(v, "Amazon EC2"):
			return "amazon"
		case strings.HasPrefix(v, "QEMU"):
			return "qemu"
		case strings.HasPrefix(v, "VMware"), strings.HasPrefix(v, "VMW"):
			return "vmware"
		case strings.HasPrefix(v, "innotek GmbH"), strings.HasPrefix(v, "VirtualBox"), strings.HasPrefix(v, "Oracle Corporation"):
			return "oracle"
		case strings.HasPrefix(v, "Xen"):
			return "xen"
		case strings.HasPrefix(v, "Bochs"):
			return "bochs"
		case strings.HasPrefix(v, "Parallels"):
			return "parallels"
		case strings.HasPrefix(v, "BHYVE"):
			return "bhyve"
		case strings.HasPrefix(v, "Microsoft Corporation"), strings.HasPrefix(v, "Hyper-V"):
			return "microsoft"
		case strings.HasPrefix(v, "Google"):
			return "google"
		}
	}
	return "none"
}

// virtualGrains fills virtual (and virtual_subtype when Salt sets one) the
// way Salt's _virtual does on Linux: the answer of systemd-detect-virt (or
// of virt-what/dmidecode, read here from the same DMI strings) when one of
// those tools is installed, then Salt's own file checks (chroot, OpenVZ,
// Xen, a QEMU CPU, the DMI product name, LXC/Docker in PID 1's cgroup or
// environment).
func (s *system) virtualGrains(_ context.Context, g map[string]any) {
	virtual, subtype := "physical", ""
	switch {
	case s.which("systemd-detect-virt") != "":
		switch out := s.detectVirt(); {
		case out == "qemu" || out == "kvm" || out == "oracle" || out == "xen" || out == "bochs" ||
			out == "chroot" || out == "uml" || out == "systemd-nspawn":
			virtual = out
		case strings.Contains(out, "vmware"):
			virtual = "VMware"
		case strings.Contains(out, "microsoft"):
			virtual = "VirtualPC"
		case strings.Contains(out, "lxc"):
			virtual, subtype = "container", "LXC"
		case strings.Contains(out, "amazon"):
			virtual, subtype = "Nitro", "Amazon EC2"
		}
	case s.which("virt-what") != "" || s.which("dmidecode") != "":
		// virt-what and dmidecode answer from the same DMI tables.
		switch s.detectVirt() {
		case "kvm", "qemu", "bochs", "amazon":
			virtual = "kvm"
		case "vmware":
			virtual = "VMware"
		case "oracle":
			virtual = "VirtualBox"
		case "microsoft":
			virtual = "VirtualPC"
		case "parallels":
			virtual = "Parallels"
		case "xen":
			virtual = "xen"
		}
	}
	if a, b := s.statRoot("/"), s.statRoot("/proc/1/root"); a != nil && b != nil && (a.Dev != b.Dev || a.Ino != b.Ino) {
		subtype = "chroot"
	}
	if s.exists("/proc/vz") {
		if s.exists("/proc/vz/version") {
			virtual = "openvzhn"
		} else if s.exists("/proc/vz/veinfo") {
			virtual = "openvzve"
		}
	}
	for _, line := range strings.Split(s.read("/proc/self/status"), "\n") {
		if v, ok := strings.CutPrefix(line, "envID:"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				virtual = map[bool]string{true: "openvzve", false: "openvzhn"}[n != 0]
			}
		}
	}
	if s.exists("/proc/sys/xen") || s.exists("/sys/bus/xen") || s.exists("/proc/xen") {
		switch caps := s.read("/proc/xen/capabilities"); {
		case s.exists("/proc/xen/xsd_kva"):
			subtype = "Xen Dom0"
		case s.dmi("product_name") == "HVM domU":
			subtype = "Xen HVM DomU"
		case caps != "" && !strings.Contains(caps, "control_d"):
			subtype = "Xen PV DomU"
		case caps != "":
			subtype = "Xen Dom0"
		case s.exists("/sys/bus/xen/drivers/xenconsole"):
			subtype = "Xen PV DomU"
		}
		if strings.Contains(strings.ToLower(subtype), "dom") {
			virtual = "xen"
		}
	}
	if strings.Contains(s.read("/proc/cpuinfo"), "QEMU Virtual CPU") {
		virtual = "kvm"
	}
	switch p := s.read("/sys/devices/virtual/dmi/id/product_name"); {
	case strings.Contains(p, "VirtualBox"):
		virtual = "VirtualBox"
	case strings.Contains(p, "RHEV Hypervisor"):
		virtual, subtype = "kvm", "rhev"
	case strings.Contains(p, "oVirt Node"):
		virtual, subtype = "kvm", "ovirt"
	case strings.Contains(p, "Google"):
		virtual = "gce"
	case strings.Contains(p, "BHYVE"):
		virtual = "bhyve"
	}
	switch cg := s.read("/proc/1/cgroup"); {
	case strings.Contains(cg, ":/lxc/"):
		virtual, subtype = "container", "LXC"
	case strings.Contains(cg, ":/kubepods/"):
		subtype = "kubernetes"
	case strings.Contains(cg, ":/libpod_parent/"):
		subtype = "libpod"
	case strings.Contains(cg, ":/system.slice/docker") || strings.Contains(cg, ":/docker/") || strings.Contains(cg, ":/docker-ce/"):
		virtual, subtype = "container", "Docker"
	}
	if subtype != "LXC" && strings.Contains(s.read("/proc/1/environ"), "container=lxc") {
		virtual, subtype = "container", "LXC"
	}
	if subtype != "" && virtual == "physical" {
		virtual = "virtual"
	}
	if (virtual == "qemu" || virtual == "kvm" || virtual == "xen" || virtual == "amazon") && s.which("dmidecode") != "" &&
		s.dmi("sys_vendor") == "Amazon EC2" {
		if virtual != "xen" {
			virtual = "Nitro"
		}
		subtype = "Amazon EC2"
		if p := s.dmi("product_name"); p != "" {
			subtype = "Amazon EC2 (" + p + ")"
		}
	}
	g["virtual"] = virtual
	if subtype != "" {
		g["virtual_subtype"] = subtype
	}
}

// statRoot stats p under root (nil when it cannot).
func (s *system) statRoot(p string) *syscall.Stat_t {
	var st syscall.Stat_t
	if err := syscall.Stat(s.path(p), &st); err != nil {
		return nil
	}
	return &st
}

// userGrains fills uid, gid, username, groupname and pid of the executor,
// resolving names through /etc/passwd and /etc/group under root.
func (s *system) userGrains(_ context.Context, g map[string]any) {
	g["uid"] = s.uid
	g["gid"] = s.gid
	g["pid"] = s.pid
	g["username"] = lookupName(s.read("/etc/passwd"), s.uid, s.getenv("USER"))
	g["groupname"] = lookupName(s.read("/etc/group"), s.gid, "")
}

// lookupName finds the name for id in a passwd/group style file.
func lookupName(file string, id int, fallback string) string {
	want := strconv.Itoa(id)
	for _, line := range strings.Split(file, "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 3 && f[2] == want {
			return f[0]
		}
	}
	return fallback
}

// miscGrains fills path, systempath, cwd, shell, ps, master, selinux (when
// selinuxenabled is installed), machine_id, locale_info, efi,
// efi-secure-boot, transactional and the zfs grains, as Salt's core and
// extra grains do on Linux.
func (s *system) miscGrains(_ context.Context, g map[string]any) {
	p := strings.TrimSpace(s.getenv("PATH"))
	g["path"] = p
	g["systempath"] = strings.Split(p, ":")
	g["cwd"] = s.getwd()
	shell := s.getenv("SHELL")
	if shell == "" {
		shell = "/bin/sh"
	}
	g["shell"] = shell
	g["ps"] = "ps -efHww"
	if g["virtual"] == "openvzhn" {
		g["ps"] = `ps -fH -p $(grep -l "^envID:[[:space:]]*0\$" /proc/[0-9]*/status | sed -e "s=/proc/\([0-9]*\)/.*=\1=")  | awk '{ $7=""; print }'`
	}
	// salt-ssh's minion configuration leaves master at its default.
	g["master"] = "salt"

	if s.which("selinuxenabled") != "" {
		se := map[string]any{"enabled": s.exists("/sys/fs/selinux/enforce")}
		if s.which("getenforce") != "" {
			switch strings.TrimSpace(s.read("/sys/fs/selinux/enforce")) {
			case "1":
				se["enforced"] = "Enforcing"
			case "0":
				se["enforced"] = "Permissive"
			default:
				se["enforced"] = "Disabled"
			}
		}
		g["selinux"] = se
	}

	for _, f := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		if s.exists(f) {
			g["machine_id"] = strings.TrimSpace(s.read(f))
			break
		}
	}

	lang := first(s.getenv("LC_ALL"), s.getenv("LC_CTYPE"), s.getenv("LANG"))
	if lang == "" {
		lang = parseKV(s.read("/etc/default/locale"))["LANG"]
	}
	language, encoding := "unknown", "unknown"
	if lang != "" && lang != "C" && lang != "POSIX" {
		l, e, ok := strings.Cut(lang, ".")
		language = l
		if ok {
			encoding, _, _ = strings.Cut(e, "@")
		}
	}
	zoneAbbrev, _ := time.Now().Zone()
	g["locale_info"] = map[string]any{
		"defaultlanguage":  language,
		"defaultencoding":  encoding,
		"detectedencoding": "utf-8",
		"timezone":         zoneAbbrev,
	}

	efivars := ""
	for _, d := range []string{"/sys/firmware/efi/efivars", "/sys/firmware/efi/vars"} {
		if s.exists(d) {
			efivars = d
			break
		}
	}
	g["efi"] = efivars != ""
	secure := false
	if efivars != "" {
		if m, _ := filepath.Glob(s.path(efivars) + "/SecureBoot-*/data"); len(m) == 1 {
			b, err := os.ReadFile(m[0])
			secure = err == nil && len(b) > 0 && b[len(b)-1] == 1
		}
	}
	g["efi-secure-boot"] = secure
	g["transactional"] = s.which("transactional-update") != ""

	zfs := s.which("zpool") != "" && (s.exists("/sys/module/zfs") || s.which("zfs-fuse") != "")
	g["zfs_support"] = zfs
	// `man zpool-features` succeeds: man is there, and the page.
	page := false
	if s.which("man") != "" {
		for _, ext := range []string{".gz", "", ".xz", ".bz2"} {
			page = page || s.exists("/usr/share/man/man7/zpool-features.7"+ext)
		}
	}
	g["zfs_feature_flags"] = page
}
