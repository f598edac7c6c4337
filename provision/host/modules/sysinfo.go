package modules

import (
	"os"
	"regexp"
	"strings"
	"syscall"

	"brine/provision/wire/funcs"
)

// sysinfoFuncs are salt/modules/linux_sysctl.py, mount.py (active, fstab,
// swaps, is_mounted) and disk.py (usage, inodeusage, percent, blkid), as
// Salt runs them on Linux.
func sysinfoFuncs() map[string]fn {
	return map[string]fn{
		"sysctl.get": {run: func(c *call) (any, error) {
			if err := c.need("sysctl"); err != nil {
				return nil, err
			}
			out, err := c.salt("cmd.run", []any{[]any{"sysctl", "-n", c.str("name")}}, map[string]any{"python_shell": false})
			return out, err
		}},
		"sysctl.show":           {run: sysctlShow},
		"sysctl.assign":         {run: func(c *call) (any, error) { return c.sysctlAssign(c.str("name"), pyStr(c.a["value"])) }},
		"sysctl.persist":        {run: sysctlPersist},
		"sysctl.default_config": {run: func(c *call) (any, error) { return c.sysctlDefaultConfig(), nil }},
		"mount.active": {run: func(c *call) (any, error) {
			if c.truth("extended") {
				return c.mountinfo()
			}
			return c.activeMounts()
		}},
		"mount.fstab": {run: mountFstab},
		"mount.swaps": {run: func(c *call) (any, error) {
			ret := map[string]any{}
			b, ok := c.readText("/proc/swaps")
			if !ok {
				return nil, pyOSError(syscall.ENOENT, "/proc/swaps")
			}
			for _, l := range strings.Split(string(b), "\n") {
				f := strings.Fields(l)
				if len(f) < 5 || strings.HasPrefix(l, "Filename") {
					continue
				}
				ret[f[0]] = map[string]any{"type": f[1], "size": f[2], "used": f[3], "priority": f[4]}
			}
			return ret, nil
		}},
		"mount.is_mounted": {run: func(c *call) (any, error) {
			m, err := c.activeMounts()
			if err != nil {
				return nil, err
			}
			_, ok := m[c.str("name")]
			return ok, nil
		}},
		"disk.usage":      {run: func(c *call) (any, error) { return c.df("df -P", false) }},
		"disk.inodeusage": {run: func(c *call) (any, error) { return c.df("df -iP", true) }},
		"disk.percent":    {run: diskPercent},
		"disk.blkid":      {run: diskBlkid},
	}
}

// need is Salt's path.which decorator: the command must be on the host.
func (c *call) need(bin string) error {
	if c.whichPath(bin) == "" {
		return funcs.Raise("CommandExecutionError", "Command '%s' cannot be found", bin)
	}
	return nil
}

// sysctlDefaultConfig is linux_sysctl.default_config.
func (c *call) sysctlDefaultConfig() string {
	if c.initSystem() == "systemd" {
		return "/etc/sysctl.d/99-salt.conf"
	}
	return "/etc/sysctl.conf"
}

func sysctlShow(c *call) (any, error) {
	ret := map[string]any{}
	if cf := c.str("config_file"); c.truth("config_file") {
		b, ok := c.readText(cf)
		if !ok {
			return []any{}, nil
		}
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.TrimSpace(l)
			if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
				ret[strings.TrimRight(k, " \t")] = strings.TrimLeft(v, " \t")
			}
		}
		return ret, nil
	}
	if err := c.need("sysctl"); err != nil {
		return nil, err
	}
	out, err := c.salt("cmd.run_stdout", []any{[]any{"sysctl", "-a"}}, map[string]any{"output_loglevel": "trace"})
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(pyStr(out), "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok {
			ret[k] = v
		}
	}
	return ret, nil
}

// sysctlAssign is linux_sysctl.assign: sysctl -w NAME=VALUE, checked.
func (c *call) sysctlAssign(name, value string) (any, error) {
	file := "/proc/sys/" + strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return '/'
		case '/':
			return '.'
		}
		return r
	}, name)
	if _, err := os.Stat(c.host(file)); err != nil {
		return nil, funcs.Raise("CommandExecutionError", "sysctl %s does not exist", name)
	}
	if err := c.need("sysctl"); err != nil {
		return nil, err
	}
	v, err := c.salt("cmd.run_all", []any{[]any{"sysctl", "-w", name + "=" + value}}, map[string]any{"python_shell": false})
	if err != nil {
		return nil, err
	}
	r := v.(map[string]any)
	out, errs := pyStr(r["stdout"]), pyStr(r["stderr"])
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `\s+=\s+` + regexp.QuoteMeta(value) + `$`)
	if !re.MatchString(out) || strings.Contains(errs, "Invalid argument") {
		msg := out
		if r["retcode"] != 0 && errs != "" {
			msg = errs
		}
		return nil, funcs.Raise("CommandExecutionError", "sysctl -w failed: %s", msg)
	}
	k, nv, _ := strings.Cut(out, " = ")
	return map[string]any{k: nv}, nil
}

// sysctlPersist is linux_sysctl.persist: the value set in the config file
// (rewritten through a temp file and a rename) and assigned.
func sysctlPersist(c *call) (any, error) {
	name, value := c.str("name"), pyStr(c.a["value"])
	config := c.str("config")
	if config == "" {
		config = c.sysctlDefaultConfig()
	}
	ws := regexp.MustCompile(`\s+`)
	san := func(s string) string { return ws.ReplaceAllString(s, "\t") }
	b, err := os.ReadFile(c.host(config))
	if os.IsNotExist(err) {
		if err := os.MkdirAll(c.host(pyDirname(config)), 0o755); err != nil {
			return nil, err
		}
		b = []byte("#\n# Kernel sysctl configuration\n#\n")
	} else if err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Could not read from file: %s", config)
	}
	var out []string
	edited := false
	for _, line := range splitKeep(string(b)) {
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(strings.TrimSpace(k), "#") {
			out = append(out, line)
			continue
		}
		if strings.TrimSpace(k) == name {
			if san(strings.TrimSpace(v)) == san(value) {
				cur, err := c.salt("cmd.run", []any{[]any{"sysctl", "-n", name}}, map[string]any{"python_shell": false})
				if err != nil {
					return nil, err
				}
				if san(pyStr(cur)) != san(value) {
					if _, err := c.sysctlAssign(name, value); err != nil {
						return nil, err
					}
					return "Updated", nil
				}
				return "Already set", nil
			}
			out = append(out, name+" = "+value+"\n")
			edited = true
			continue
		}
		out = append(out, line)
	}
	if !edited {
		out = append(out, name+" = "+value+"\n")
	}
	if err := c.writeKeep(config, []byte(strings.Join(out, ""))); err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Could not write to file: %s", config)
	}
	if _, err := c.sysctlAssign(name, value); err != nil {
		return nil, err
	}
	return "Updated", nil
}

// listMounts is mount._list_mounts: mount point -> device from mount -l.
func (c *call) listMounts() map[string]any {
	out, _ := c.salt("cmd.run_stdout", []any{"mount -l"}, nil)
	ret := map[string]any{}
	ws := regexp.MustCompile(`\s+`)
	for _, l := range strings.Split(pyStr(out), "\n") {
		f := strings.Fields(ws.ReplaceAllString(l, " "))
		if len(f) >= 3 {
			ret[f[2]] = f[0]
		}
	}
	return ret
}

// resolveOpts is mount._resolve_user_group_names.
func (c *call) resolveOpts(opts []string) []any {
	out := make([]any, len(opts))
	for i, o := range opts {
		k, v, ok := strings.Cut(o, "=")
		if ok && (k == "uid" || k == "gid") && !regexp.MustCompile(`^[0-9]+$`).MatchString(v) {
			if k == "uid" {
				if info := c.userInfoMap(v); info["uid"] != nil {
					o = k + "=" + pyStr(info["uid"])
				}
			} else if g := c.groupToGID(v); g != "" {
				o = k + "=" + pyStr(g)
			}
		}
		out[i] = strings.ReplaceAll(o, `\040`, `\ `)
	}
	return out
}

// activeMounts is mount._active_mounts.
func (c *call) activeMounts() (map[string]any, error) {
	b, ok := c.readText("/proc/self/mounts")
	if !ok {
		return nil, funcs.Raise("CommandExecutionError", "File not readable /proc/self/mounts")
	}
	list := c.listMounts()
	ret := map[string]any{}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 4 {
			continue
		}
		ret[f[1]] = map[string]any{"device": f[0], "alt_device": list[f[1]], "fstype": f[2], "opts": c.resolveOpts(strings.Split(f[3], ","))}
	}
	return ret, nil
}

// mountinfo is mount._active_mountinfo.
func (c *call) mountinfo() (map[string]any, error) {
	b, ok := c.readText("/proc/self/mountinfo")
	if !ok {
		return c.activeMounts()
	}
	list := c.listMounts()
	blk, _ := diskBlkid(&call{ctx: c.ctx, env: c.env, a: map[string]any{}})
	blkid, _ := blk.(map[string]any)
	ret := map[string]any{}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		sep := slicesIndex(f, "-")
		if len(f) < 7 || sep < 0 || sep+3 >= len(f) {
			continue
		}
		dev := strings.SplitN(f[2], ":", 2)
		name := f[sep+2]
		var uuid, label any
		if info, ok := blkid[name].(map[string]any); ok {
			if u, ok := info["UUID"].(string); ok {
				uuid = strings.ToLower(u)
			}
			label = info["LABEL"]
		}
		ret[f[4]] = map[string]any{"mountid": f[0], "parentid": f[1], "major": dev[0], "minor": dev[len(dev)-1], "root": f[3],
			"opts": c.resolveOpts(strings.Split(f[5], ",")), "fstype": f[sep+1], "device": strings.ReplaceAll(name, `\040`, `\ `),
			"alt_device": list[f[4]], "superopts": c.resolveOpts(strings.Split(f[sep+3], ",")), "device_uuid": uuid, "device_label": label}
	}
	return ret, nil
}

func slicesIndex(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}

func mountFstab(c *call) (any, error) {
	ret := map[string]any{}
	b, ok := c.readText(c.str("config"))
	if !ok {
		return ret, nil
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		if len(f) < 4 || len(f) > 6 {
			continue
		}
		for len(f) < 6 {
			f = append(f, "0")
		}
		name := f[1]
		for {
			if _, dup := ret[name]; !dup {
				break
			}
			name += "_"
		}
		ret[name] = map[string]any{"device": f[0], "fstype": f[2], "opts": anyList(strings.Split(f[3], ",")), "dump": f[4], "pass": f[5]}
	}
	return ret, nil
}

// df is disk.usage and disk.inodeusage over df's POSIX output.
func (c *call) df(line string, inodes bool) (any, error) {
	if flags := c.str("args"); flags != "" {
		f := strings.TrimLeft(flags, "-")
		if strings.ContainsAny(f, " ;|&$`") {
			return nil, funcs.Raise("SaltInvocationError", "Invalid flags passed: %s", flags)
		}
		line += " -" + f
	}
	if !inodes {
		if _, err := os.Stat(c.host("/etc/mtab")); err != nil {
			return map[string]any{}, nil
		}
	}
	out, err := c.cmdRun(line, map[string]any{"python_shell": false})
	if err != nil {
		return nil, err
	}
	ret := map[string]any{}
	old := ""
	for _, l := range strings.Split(out, "\n") {
		if l == "" || strings.HasPrefix(l, "Filesystem") {
			continue
		}
		if inodes {
			f := strings.Fields(l)
			if len(f) >= 6 {
				ret[f[5]] = map[string]any{"inodes": f[1], "used": f[2], "free": f[3], "use": f[4], "filesystem": f[0]}
			}
			continue
		}
		if old != "" {
			l = old + " " + l
		}
		f := strings.Fields(l)
		if len(f) == 1 {
			old = l
			continue
		}
		old = ""
		f = joinNonNumeric(f)
		if len(f) >= 6 {
			ret[f[5]] = map[string]any{"filesystem": f[0], "1K-blocks": f[1], "used": f[2], "available": f[3], "capacity": f[4]}
		}
	}
	return ret, nil
}

// joinNonNumeric folds df's leading fields until the second is a number
// (a filesystem name with spaces).
func joinNonNumeric(f []string) []string {
	isDigits := func(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
	for len(f) >= 2 && !isDigits(f[1]) {
		f = append([]string{f[0] + " " + f[1]}, f[2:]...)
	}
	return f
}

func diskPercent(c *call) (any, error) {
	out, err := c.cmdRun("df -P", map[string]any{"python_shell": false})
	if err != nil {
		return nil, err
	}
	ret := map[string]any{}
	for _, l := range strings.Split(out, "\n") {
		if l == "" || strings.HasPrefix(l, "Filesystem") {
			continue
		}
		f := joinNonNumeric(strings.Fields(l))
		if len(f) >= 6 {
			ret[f[5]] = f[4]
		}
	}
	if args := c.str("args"); args != "" {
		v, ok := ret[args]
		if !ok {
			return map[string]any{}, nil
		}
		return v, nil
	}
	return ret, nil
}

func diskBlkid(c *call) (any, error) {
	if c.whichPath("blkid") == "" {
		return nil, funcs.Raise("CommandNotFoundError", "The 'blkid' binary was not found in $PATH.")
	}
	cmd := []any{"blkid"}
	if d := c.str("device"); d != "" {
		cmd = append(cmd, d)
	} else if t := c.str("token"); t != "" {
		cmd = append(cmd, "-t", t)
	}
	v, err := c.salt("cmd.run_all", []any{cmd}, map[string]any{"python_shell": false})
	if err != nil {
		return nil, err
	}
	r := v.(map[string]any)
	ret := map[string]any{}
	if n, _ := r["retcode"].(int); n > 0 {
		return ret, nil
	}
	attr := regexp.MustCompile(`"*"`)
	for _, l := range strings.Split(pyStr(r["stdout"]), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		dev := strings.TrimSuffix(f[0], ":")
		_, rest, _ := strings.Cut(l, " ")
		parts := attr.Split(rest, -1)
		info := map[string]any{}
		for i := 0; i+1 < len(parts); i += 2 {
			info[strings.Trim(strings.Trim(parts[i], "="), " ")] = strings.Trim(parts[i+1], `"`)
		}
		ret[dev] = info
	}
	return ret, nil
}
