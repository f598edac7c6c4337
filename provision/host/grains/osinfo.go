package grains

import (
	"context"
	"strconv"
	"strings"
)

// parseKV parses shell-style KEY=value files (os-release, lsb-release),
// removing one level of quotes.
func parseKV(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
			v = strings.NewReplacer(`\"`, `"`, `\$`, `$`, `\\`, `\`, "\\`", "`").Replace(v)
		}
		m[strings.TrimSpace(k)] = v
	}
	return m
}

// osNames maps os-release IDs to Salt's "os" grain.
func osNames() map[string]string {
	return map[string]string{
		"debian": "Debian", "ubuntu": "Ubuntu", "raspbian": "Raspbian",
		"linuxmint": "Mint", "devuan": "Devuan", "kali": "Kali",
		"centos": "CentOS", "rhel": "RedHat", "rocky": "Rocky",
		"almalinux": "AlmaLinux", "fedora": "Fedora", "ol": "OEL",
		"amzn": "Amazon", "alpine": "Alpine", "arch": "Arch",
		"manjaro": "Manjaro", "opensuse": "SUSE", "opensuse-leap": "SUSE",
		"opensuse-tumbleweed": "SUSE", "sles": "SUSE", "sled": "SUSE",
		"gentoo": "Gentoo", "void": "Void",
	}
}

// osFamilies maps Salt's "os" grain to its "os_family".
func osFamilies() map[string]string {
	return map[string]string{
		"Debian": "Debian", "Ubuntu": "Debian", "Raspbian": "Debian",
		"Mint": "Debian", "Devuan": "Debian", "Kali": "Debian",
		"CentOS": "RedHat", "RedHat": "RedHat", "Rocky": "RedHat",
		"AlmaLinux": "RedHat", "Fedora": "RedHat", "OEL": "RedHat",
		"Amazon": "RedHat", "Alpine": "Alpine", "Arch": "Arch",
		"Manjaro": "Arch", "SUSE": "Suse", "Gentoo": "Gentoo", "Void": "Void",
	}
}

// dpkgArch maps uname -m to Debian's architecture names.
func dpkgArch(machine string) string {
	switch machine {
	case "x86_64":
		return "amd64"
	case "aarch64", "arm64":
		return "arm64"
	case "armv7l", "armv6l":
		return "armhf"
	case "i386", "i486", "i586", "i686":
		return "i386"
	case "ppc64le":
		return "ppc64el"
	}
	return machine
}

// osGrains fills os, os_family, osrelease*, oscodename, osfullname, osfinger,
// lsb_distrib_* and osarch from /etc/os-release and /etc/lsb-release, as
// Salt's _linux_distribution_data and _osrelease_data do.
func (s *system) osGrains(_ context.Context, g map[string]any) {
	rel := parseKV(s.read("/etc/os-release"))
	if len(rel) == 0 {
		rel = parseKV(s.read("/usr/lib/os-release"))
	}
	lsb := parseKV(s.read("/etc/lsb-release"))
	if len(rel) == 0 && s.exists("/etc/debian_version") {
		rel = map[string]string{"ID": "debian", "NAME": "Debian GNU/Linux",
			"VERSION_ID": strings.TrimSpace(s.read("/etc/debian_version"))}
	}

	names, families := osNames(), osFamilies()
	osName := names[strings.ToLower(rel["ID"])]
	if osName == "" {
		osName = firstWord(rel["NAME"])
	}
	if osName == "" {
		osName = "Linux"
	}
	family, ok := families[osName]
	if !ok {
		family = osName
		for _, like := range strings.Fields(strings.ToLower(rel["ID_LIKE"])) {
			if f, known := families[names[like]]; known {
				family = f
				break
			}
		}
	}

	fullname := first(lsb["DISTRIB_ID"], rel["NAME"], osName)
	release := first(lsb["DISTRIB_RELEASE"], rel["VERSION_ID"], rel["BUILD_ID"])
	codename := first(lsb["DISTRIB_CODENAME"], rel["VERSION_CODENAME"], rel["UBUNTU_CODENAME"],
		parenthesized(rel["VERSION"]), parenthesized(rel["PRETTY_NAME"]))

	g["os"] = osName
	g["os_family"] = family
	g["osfullname"] = fullname
	g["osrelease"] = release
	g["oscodename"] = codename
	g["lsb_distrib_id"] = fullname
	g["lsb_distrib_release"] = release
	g["lsb_distrib_codename"] = codename
	// Salt has a description only from lsb-release data (Ubuntu's
	// /etc/lsb-release), never from os-release.
	if d := lsb["DISTRIB_DESCRIPTION"]; d != "" {
		g["lsb_distrib_description"] = d
	}

	// Salt's _osrelease_data runs only when there is a release.
	if release != "" {
		info := []any{}
		for _, p := range strings.Split(release, ".") {
			if n, err := strconv.Atoi(p); err == nil {
				info = append(info, n)
			} else {
				info = append(info, p)
			}
		}
		g["osrelease_info"] = info
		if n, ok := info[0].(int); ok {
			g["osmajorrelease"] = n
		}
		// osfinger as Salt builds it: "os" for a few systems, else
		// osfullname; the full release for Ubuntu, Pop and openSUSE, else
		// the first part of it.
		finger := fullname
		switch osName {
		case "Debian", "Raspbian":
			finger = osName
		}
		ver := strings.Split(release, ".")[0]
		if finger == "Ubuntu" || osName == "Pop" || strings.HasPrefix(finger, "openSUSE") {
			ver = release
		}
		g["osfinger"] = finger + "-" + ver
	}

	machine, _ := g["cpuarch"].(string)
	if family == "Debian" {
		g["osarch"] = dpkgArch(machine)
	} else {
		// rpm, apk and pacman report the kernel's machine name.
		g["osarch"] = machine
	}
}

// first returns the first non-empty string.
func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// parenthesized returns the text inside the first "(...)" of s.
func parenthesized(s string) string {
	i := strings.IndexByte(s, '(')
	j := strings.LastIndexByte(s, ')')
	if i < 0 || j <= i {
		return ""
	}
	return strings.TrimSpace(s[i+1 : j])
}
