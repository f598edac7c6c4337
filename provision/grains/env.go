package grains

import (
	"strconv"
	"strings"
	"time"
)

// initGrains detects the init system: systemd when /run/systemd/system
// exists, OpenRC when /sbin/openrc exists (or /etc/init.d with /lib/rc),
// sysvinit otherwise.
func (s *system) initGrains(g map[string]any) {
	switch {
	case s.exists("/run/systemd/system"):
		g["init"] = "systemd"
	case s.exists("/sbin/openrc"), s.exists("/etc/init.d") && s.exists("/lib/rc"):
		g["init"] = "openrc"
	default:
		g["init"] = "sysvinit"
	}
	g["systemd"] = map[string]any{"enabled": g["init"] == "systemd"}
}

// virtualGrains fills virtual (physical, container, kvm, VMware...) and
// virtual_subtype from container marker files, PID 1's cgroup and
// environment, and the DMI vendor strings.
func (s *system) virtualGrains(g map[string]any) {
	virtual, subtype := "physical", ""
	cgroup := s.read("/proc/1/cgroup")
	environ := s.read("/proc/1/environ")
	containerEnv := ""
	for _, kv := range strings.Split(environ, "\x00") {
		if v, ok := strings.CutPrefix(kv, "container="); ok {
			containerEnv = v
		}
	}
	switch {
	case s.exists("/.dockerenv") || strings.Contains(cgroup, "docker"):
		virtual, subtype = "container", "Docker"
	case s.exists("/run/.containerenv") || containerEnv == "podman":
		virtual, subtype = "container", "Podman"
	case strings.Contains(cgroup, "kubepods"):
		virtual, subtype = "container", "Kubernetes"
	case strings.Contains(cgroup, "/lxc") || containerEnv == "lxc":
		virtual, subtype = "container", "LXC"
	case containerEnv == "systemd-nspawn":
		virtual, subtype = "systemd-nspawn", ""
	case containerEnv != "":
		virtual, subtype = "container", containerEnv
	default:
		vendor := strings.TrimSpace(s.read("/sys/class/dmi/id/sys_vendor"))
		product := strings.TrimSpace(s.read("/sys/class/dmi/id/product_name"))
		switch {
		case strings.Contains(product, "VMware") || strings.Contains(vendor, "VMware"):
			virtual = "VMware"
		case strings.Contains(product, "VirtualBox"):
			virtual = "VirtualBox"
		case strings.Contains(vendor, "QEMU") || strings.Contains(product, "KVM") ||
			strings.Contains(product, "Standard PC"):
			virtual = "kvm"
		case strings.Contains(vendor, "Amazon EC2"):
			virtual = "kvm"
		case strings.Contains(vendor, "Google"):
			virtual = "kvm"
		case strings.Contains(vendor, "Xen"):
			virtual = "xen"
		case vendor == "Microsoft Corporation" && product == "Virtual Machine":
			virtual = "HyperV"
		}
		if vendor != "" {
			g["manufacturer"] = vendor
		}
		if product != "" {
			g["productname"] = product
		}
	}
	g["virtual"] = virtual
	if subtype != "" {
		g["virtual_subtype"] = subtype
	}
}

// userGrains fills uid, gid, username, groupname and pid of the executor,
// resolving names through /etc/passwd and /etc/group under root.
func (s *system) userGrains(g map[string]any) {
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

// miscGrains fills path, shell, selinux, machine_id, locale_info and
// timezone.
func (s *system) miscGrains(g map[string]any) {
	g["path"] = s.getenv("PATH")
	shell := s.getenv("SHELL")
	if shell == "" {
		shell = "/bin/sh"
	}
	g["shell"] = shell

	se := map[string]any{"enabled": false, "enforced": "Disabled"}
	if s.exists("/sys/fs/selinux") {
		se["enabled"] = true
		se["enforced"] = "Permissive"
		if strings.TrimSpace(s.read("/sys/fs/selinux/enforce")) == "1" {
			se["enforced"] = "Enforcing"
		}
	}
	g["selinux"] = se

	id := strings.TrimSpace(s.read("/etc/machine-id"))
	if id == "" {
		id = strings.TrimSpace(s.read("/var/lib/dbus/machine-id"))
	}
	if id != "" {
		g["machine_id"] = id
	}

	lang := first(s.getenv("LC_ALL"), s.getenv("LANG"))
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
	g["timezone"] = s.timezone()
}

// timezone returns the IANA zone name from /etc/timezone or the
// /etc/localtime symlink, "UTC" when neither names one.
func (s *system) timezone() string {
	if tz := strings.TrimSpace(s.read("/etc/timezone")); tz != "" {
		return tz
	}
	if target, err := readlink(s.path("/etc/localtime")); err == nil {
		if _, zone, ok := strings.Cut(target, "zoneinfo/"); ok {
			return zone
		}
	}
	return "UTC"
}
