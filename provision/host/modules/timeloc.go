package modules

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"brine/provision/wire/funcs"
)

// timeLocaleFuncs are salt/modules/timezone.py, localemod.py and system.py
// on Debian-like hosts: timedatectl and localectl where systemd runs them,
// /etc/timezone, /etc/localtime and /etc/default/locale otherwise.
func timeLocaleFuncs() map[string]fn {
	return map[string]fn{
		"timezone.get_zone":     {run: func(c *call) (any, error) { return c.getZone() }},
		"timezone.get_zonecode": {run: func(c *call) (any, error) { return c.dateFmt("+%Z") }},
		"timezone.get_offset":   {run: func(c *call) (any, error) { return c.dateFmt("+%z") }},
		"timezone.set_zone":     {run: setZone},
		"timezone.zone_compare": {run: func(c *call) (any, error) {
			tz := c.str("timezone")
			local, err := os.ReadFile(c.host("/etc/localtime"))
			if err != nil {
				return nil, funcs.Raise("CommandExecutionError", "Failed to read /etc/localtime to determine current timezone: %s", strerror(err))
			}
			zone, err := os.ReadFile(c.host("/usr/share/zoneinfo/" + tz))
			if err != nil {
				return nil, funcs.Raise("SaltInvocationError", "Can't find a local timezone \"%s\"", tz)
			}
			return bytes.Equal(local, zone), nil
		}},
		"timezone.get_hwclock": {run: getHwclock},
		"timezone.set_hwclock": {run: setHwclock},
		"locale.get_locale":    {run: getLocale},
		"locale.set_locale":    {run: setLocale},
		"locale.list_avail": {run: func(c *call) (any, error) {
			out, err := c.cmdRun("locale -a", nil)
			if err != nil {
				return nil, err
			}
			return anyList(strings.Split(out, "\n")), nil
		}},
		"locale.avail": {run: func(c *call) (any, error) {
			want := normalizeLocale(c.str("locale"))
			out, err := c.cmdRun("locale -a", nil)
			if err != nil {
				return nil, err
			}
			for _, l := range strings.Split(out, "\n") {
				if normalizeLocale(strings.TrimSpace(l)) == want {
					return true, nil
				}
			}
			return false, nil
		}},
		"locale.gen_locale": {run: genLocale},
		"system.reboot": {run: func(c *call) (any, error) {
			return c.salt("cmd.run", []any{[]any{"shutdown", "-r", orNow(c.str("at_time"))}}, map[string]any{"python_shell": false})
		}},
		"system.shutdown": {run: func(c *call) (any, error) {
			return c.salt("cmd.run", []any{[]any{"shutdown", "-h", orNow(c.str("at_time"))}}, map[string]any{"python_shell": false})
		}},
		"system.poweroff":        {run: func(c *call) (any, error) { return c.cmdRun("poweroff", nil) }},
		"system.halt":            {run: func(c *call) (any, error) { return c.cmdRun("halt", nil) }},
		"system.get_system_time": {run: func(c *call) (any, error) { return c.systemTime("%I:%M:%S %p") }},
		"system.get_system_date": {run: func(c *call) (any, error) { return c.systemTime("%a %m/%d/%Y") }},
	}
}

func orNow(s string) string {
	if s == "" {
		return "now"
	}
	return s
}

// dateFmt runs date FORMAT.
func (c *call) dateFmt(format string) (any, error) {
	out, err := c.salt("cmd.run", []any{[]any{"date", format}}, map[string]any{"python_shell": false})
	return out, err
}

// timedatectl is timezone._timedatectl.
func (c *call) timedatectl() (string, error) {
	v, err := c.salt("cmd.run_all", []any{[]any{"timedatectl"}}, map[string]any{"python_shell": false})
	if err != nil {
		return "", err
	}
	r := v.(map[string]any)
	if r["retcode"] != 0 {
		return "", funcs.Raise("CommandExecutionError", "timedatectl failed: %s", pyStr(r["stderr"]))
	}
	return pyStr(r["stdout"]), nil
}

func (c *call) getZone() (any, error) {
	if c.whichPath("timedatectl") != "" {
		out, err := c.timedatectl()
		if err != nil {
			return nil, err
		}
		re := regexp.MustCompile(`^Time ?zone:\s+(\S+)`)
		for _, l := range strings.Split(out, "\n") {
			if m := re.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
				return m[1], nil
			}
		}
		return nil, funcs.Raise("CommandExecutionError", "Failed to parse timedatectl output: %s\nPlease file an issue with SaltStack", out)
	}
	if fam, _ := c.env.Grains["os_family"].(string); fam == "Debian" || fam == "Gentoo" {
		b, err := os.ReadFile(c.host("/etc/timezone"))
		if err != nil {
			return nil, pyOSError(err, "/etc/timezone")
		}
		return strings.TrimSpace(string(b)), nil
	}
	l, err := os.Readlink(c.host("/etc/localtime"))
	if err == nil {
		if p := pyNormpath(pyJoin("/etc", l)); strings.HasPrefix(p, "/usr/share/zoneinfo/") {
			return strings.TrimPrefix(p, "/usr/share/zoneinfo/"), nil
		}
	}
	return nil, funcs.Raise("CommandExecutionError", "Unable to determine timezone")
}

func pyJoin(a, b string) string {
	if strings.HasPrefix(b, "/") {
		return b
	}
	return strings.TrimRight(a, "/") + "/" + b
}

// setZone is timezone.set_zone: timedatectl set-timezone where it exists,
// then the /etc/localtime link and /etc/timezone (Debian), as Salt does.
func setZone(c *call) (any, error) {
	tz := c.str("timezone")
	if c.whichPath("timedatectl") != "" {
		c.cmdRun("timedatectl set-timezone "+tz, nil)
	}
	zonepath := "/usr/share/zoneinfo/" + tz
	if _, err := os.Stat(c.host(zonepath)); err != nil {
		return "Zone does not exist: " + zonepath, nil
	}
	// the link replaced atomically: a temp link renamed over it
	tmp := c.host("/etc/.localtime.brine")
	os.Remove(tmp)
	if err := os.Symlink(zonepath, tmp); err != nil {
		return nil, pyOSError(err, "/etc/localtime")
	}
	if err := os.Rename(tmp, c.host("/etc/localtime")); err != nil {
		os.Remove(tmp)
		return nil, pyOSError(err, "/etc/localtime")
	}
	if fam, _ := c.env.Grains["os_family"].(string); fam == "Debian" || fam == "Gentoo" {
		if err := c.writeKeep("/etc/timezone", []byte(tz+"\n")); err != nil {
			return nil, err
		}
	}
	return true, nil
}

func getHwclock(c *call) (any, error) {
	if c.whichPath("timedatectl") != "" {
		out, err := c.timedatectl()
		if err != nil {
			return nil, err
		}
		for _, l := range strings.Split(out, "\n") {
			l = strings.TrimSpace(l)
			if strings.Contains(strings.ToLower(l), "rtc in local tz") {
				parts := strings.Split(l, ":")
				if strings.ToLower(strings.TrimSpace(parts[len(parts)-1])) == "yes" {
					return "localtime", nil
				}
				return "UTC", nil
			}
		}
		return nil, funcs.Raise("CommandExecutionError", "Failed to parse timedatectl output: %s\nPlease file an issue with SaltStack", out)
	}
	if b, ok := c.readText("/etc/default/rcS"); ok {
		for _, l := range strings.Split(string(b), "\n") {
			if regexp.MustCompile(`^\s*#`).MatchString(l) {
				continue
			}
			if strings.Contains(l, "UTC=") {
				parts := strings.Split(l, "=")
				if strings.ToLower(parts[len(parts)-1]) == "yes" {
					return "UTC", nil
				}
				return "localtime", nil
			}
		}
	}
	if _, err := os.Stat(c.host("/etc/adjtime")); err == nil {
		return c.salt("cmd.run", []any{[]any{"tail", "-n", "1", "/etc/adjtime"}}, map[string]any{"python_shell": false})
	}
	if _, err := os.Stat(c.host("/dev/rtc")); err == nil {
		return nil, funcs.Raise("CommandExecutionError", "Unable to get hwclock timezone from /etc/adjtime")
	}
	return nil, nil
}

func setHwclock(c *call) (any, error) {
	clock := c.str("clock")
	if c.whichPath("timedatectl") != "" {
		v := "false"
		if clock == "localtime" {
			v = "true"
		}
		r, err := c.salt("cmd.retcode", []any{[]any{"timedatectl", "set-local-rtc", v}}, map[string]any{"python_shell": false})
		return r == 0, err
	}
	zone, err := c.getZone()
	if err != nil {
		return nil, err
	}
	zonepath := "/usr/share/zoneinfo/" + pyStr(zone)
	if _, err := os.Stat(c.host(zonepath)); err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Zone '%s' does not exist", zonepath)
	}
	tmp := c.host("/etc/.localtime.brine")
	os.Remove(tmp)
	if err := os.Symlink(zonepath, tmp); err == nil {
		os.Rename(tmp, c.host("/etc/localtime"))
	}
	if fam, _ := c.env.Grains["os_family"].(string); fam == "Debian" {
		repl := ""
		switch clock {
		case "UTC":
			repl = "UTC=yes"
		case "localtime":
			repl = "UTC=no"
		}
		if repl != "" {
			if _, err := c.salt("file.sed", []any{"/etc/default/rcS", "^UTC=.*", repl}, nil); err != nil {
				return nil, err
			}
		}
	}
	return true, nil
}

// booted is salt.utils.systemd.booted.
func (c *call) booted() bool { return c.initSystem() == "systemd" }

// localectlStatus is localemod._localectl_status's system_locale.
func (c *call) localectlStatus() (map[string]string, error) {
	if c.whichPath("localectl") == "" {
		return nil, funcs.Raise("CommandExecutionError", "Unable to find \"localectl\"")
	}
	out, err := c.cmdRun("localectl status", nil)
	if err != nil {
		return nil, err
	}
	ret := map[string]string{}
	key := ""
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		data := strings.TrimSpace(l)
		if k, d, ok := strings.Cut(l, ": "); ok {
			key = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), " ", "_")
			data = d
		}
		if key == "system_locale" {
			if k, v, ok := strings.Cut(data, "="); ok {
				ret[k] = v
			}
		}
	}
	return ret, nil
}

func getLocale(c *call) (any, error) {
	if c.booted() {
		st, err := c.localectlStatus()
		if err != nil {
			return nil, err
		}
		return st["LANG"], nil
	}
	if fam, _ := c.env.Grains["os_family"].(string); fam != "Debian" {
		return nil, funcs.Raise("CommandExecutionError", "Error: \"%s\" is unsupported!", pyStr(c.env.Grains["oscodename"]))
	}
	out, err := c.cmdRun(`grep "^LANG=" /etc/default/locale`, nil)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(out, "=")
	if len(parts) < 2 {
		return "", nil
	}
	return strings.ReplaceAll(parts[1], `"`, ""), nil
}

func setLocale(c *call) (any, error) {
	loc := c.str("locale")
	if c.booted() {
		if c.whichPath("localectl") == "" {
			return nil, funcs.Raise("CommandExecutionError", "Unable to find \"localectl\"")
		}
		v, err := c.salt("cmd.retcode", []any{"localectl set-locale LANG=" + loc}, map[string]any{"python_shell": false})
		return v == 0, err
	}
	if c.whichPath("update-locale") == "" {
		return nil, funcs.Raise("CommandExecutionError", "Cannot set locale: \"update-locale\" was not found.")
	}
	if _, err := c.cmdRun(c.whichPath("update-locale"), nil); err != nil {
		return nil, err
	}
	if _, err := c.salt("file.replace", []any{"/etc/default/locale", "^LANG=.*", `LANG="` + loc + `"`}, map[string]any{"append_if_not_found": true}); err != nil {
		return nil, err
	}
	return true, nil
}

// normalizeLocale is salt.utils.locales.normalize_locale: the codeset
// lower-cased without dashes ("en_US.utf8").
func normalizeLocale(loc string) string {
	name, cs, ok := strings.Cut(loc, ".")
	if !ok {
		return loc
	}
	mod := ""
	if i := strings.Index(cs, "@"); i >= 0 {
		cs, mod = cs[:i], cs[i:]
	}
	return name + "." + strings.ReplaceAll(strings.ToLower(cs), "-", "") + mod
}

// splitLocale is salt.utils.locales.split_locale.
func splitLocale(loc string) map[string]string {
	split := func(s, sep string) (string, string) {
		a, b, _ := strings.Cut(s, sep)
		return a, b
	}
	c := map[string]string{}
	w := ""
	w, c["charmap"] = split(loc, " ")
	w, c["modifier"] = split(w, "@")
	w, c["codeset"] = split(w, ".")
	c["language"], c["territory"] = split(w, "_")
	return c
}

// joinLocale is salt.utils.locales.join_locale.
func joinLocale(c map[string]string) string {
	loc := c["language"]
	if c["territory"] != "" {
		loc += "_" + c["territory"]
	}
	if c["codeset"] != "" {
		loc += "." + c["codeset"]
	}
	if c["modifier"] != "" {
		loc += "@" + c["modifier"]
	}
	if c["charmap"] != "" {
		loc += " " + c["charmap"]
	}
	return loc
}

// genLocale is localemod.gen_locale: the locale looked up in
// /usr/share/i18n/SUPPORTED (Debian) or /usr/share/i18n/locales, enabled
// in /etc/locale.gen, then locale-gen (or localedef). The locale is put
// into the patterns unescaped, as Salt does.
func genLocale(c *call) (any, error) {
	loc := c.str("locale")
	osName, _ := c.env.Grains["os"].(string)
	fam, _ := c.env.Grains["os_family"].(string)
	onDebian, onUbuntu, onGentoo, onSuse := osName == "Debian", osName == "Ubuntu", fam == "Gentoo", fam == "Suse"
	if fam == "Solaris" {
		avail, err := c.salt("locale.list_avail", nil, nil)
		if err != nil {
			return nil, err
		}
		l, _ := avail.([]any)
		return slicesHas(stringList(l), loc), nil
	}
	info := splitLocale(loc)
	searchStr := info["language"] + "_" + info["territory"]
	if info["charmap"] == "" && !onUbuntu {
		info["charmap"] = info["codeset"]
		loc = joinLocale(info)
	}
	var valid bool
	if onDebian || onGentoo {
		v, err := c.salt("file.search", []any{"/usr/share/i18n/SUPPORTED", "^" + loc + "$"}, map[string]any{"flags": 8})
		if err != nil {
			return nil, err
		}
		valid = truthy(v)
	} else {
		search := "/usr/share/i18n/locales"
		if onSuse {
			search = "/usr/share/locale"
		}
		ents, err := os.ReadDir(c.host(search))
		if err != nil {
			return nil, funcs.Raise("CommandExecutionError", "Locale \"%s\" is not available.", loc)
		}
		for _, e := range ents {
			if e.Name() == searchStr {
				valid = true
			}
		}
	}
	if !valid {
		return false, nil
	}
	if _, err := os.Stat(c.host("/etc/locale.gen")); err == nil {
		if _, err := c.salt("file.replace", []any{"/etc/locale.gen", `^\s*#\s*` + loc + `\s*$`, loc + "\n"},
			map[string]any{"append_if_not_found": true}); err != nil {
			return nil, err
		}
	} else if onUbuntu {
		f := "/var/lib/locales/supported.d/" + info["language"]
		if _, err := c.salt("file.touch", []any{f}, nil); err != nil {
			return nil, err
		}
		if _, err := c.salt("file.replace", []any{f, loc, loc}, map[string]any{"append_if_not_found": true}); err != nil {
			return nil, err
		}
	}
	var cmd []any
	switch {
	case c.whichPath("locale-gen") != "":
		cmd = []any{"locale-gen"}
		if onGentoo {
			cmd = append(cmd, "--generate")
		}
		if onUbuntu {
			cmd = append(cmd, normalizeLocale(loc))
		} else {
			cmd = append(cmd, loc)
		}
	case c.whichPath("localedef") != "":
		v := "--quiet"
		if truthy(c.kw["verbose"]) {
			v = "--verbose"
		}
		cmd = []any{"localedef", "--force", "-i", searchStr, "-f", info["codeset"], searchStr + "." + info["codeset"], v}
	default:
		return nil, funcs.Raise("CommandExecutionError", "Command \"locale-gen\" or \"localedef\" was not found on this system.")
	}
	v, err := c.salt("cmd.run_all", []any{cmd}, nil)
	if err != nil {
		return nil, err
	}
	r := v.(map[string]any)
	if truthy(c.kw["verbose"]) {
		return r, nil
	}
	return r["retcode"] == 0, nil
}

// systemTime is system.get_system_time / get_system_date: now in the
// host's local time, or at a UTC offset ("+0200", "-0530").
func (c *call) systemTime(format string) (any, error) {
	now := time.Now()
	if off := c.str("utc_offset"); off != "" {
		sign := 1
		s := off
		switch {
		case strings.HasPrefix(s, "-"):
			sign, s = -1, s[1:]
		case strings.HasPrefix(s, "+"):
			s = s[1:]
		}
		if len(s) != 4 {
			return nil, funcs.Raise("SaltInvocationError", "Invalid timezone offset: %s", off)
		}
		h, err1 := strconv.Atoi(s[:2])
		m, err2 := strconv.Atoi(s[2:])
		if err1 != nil || err2 != nil {
			return nil, funcs.Raise("SaltInvocationError", "Invalid timezone offset: %s", off)
		}
		now = now.UTC().In(time.FixedZone(off, sign*(h*3600+m*60)))
	}
	return strftime(now, format), nil
}
