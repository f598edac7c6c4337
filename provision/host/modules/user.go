package modules

import (
	"fmt"
	"slices"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/funcs"
)

// userFuncs are salt/modules/useradd.py's and groupadd.py's writers and
// lists (useradd, usermod, userdel, groupadd, groupmod, groupdel and
// gpasswd on the host, as Salt runs them).
func userFuncs() map[string]fn {
	chattr := func(key, param string) fn {
		return fn{run: func(c *call) (any, error) { return c.userChattrib(c.str("name"), key, c.a[key], param, false) }}
	}
	gecos := func(key string) fn {
		return fn{run: func(c *call) (any, error) { return c.updateGecos(c.str("name"), key, c.a[key]) }}
	}
	return map[string]fn{
		"user.add":    {run: userAdd},
		"user.delete": {run: userDelete},
		"user.getent": {run: func(c *call) (any, error) {
			users, err := state.Users(c.env.stateEnv())
			if err != nil {
				return nil, err
			}
			out := []any{}
			for _, u := range users {
				out = append(out, c.userFormat(u))
			}
			return out, nil
		}},
		"user.chuid":   chattr("uid", "-u"),
		"user.chgid":   chattr("gid", "-g"),
		"user.chshell": chattr("shell", "-s"),
		"user.chhome": {run: func(c *call) (any, error) {
			return c.userChattrib(c.str("name"), "home", c.a["home"], "-d", c.truth("persist"))
		}},
		"user.chgroups":     {run: userChgroups},
		"user.chfullname":   gecos("fullname"),
		"user.chroomnumber": gecos("roomnumber"),
		"user.chworkphone":  gecos("workphone"),
		"user.chhomephone":  gecos("homephone"),
		"user.chother":      gecos("other"),
		"user.rename": {run: func(c *call) (any, error) {
			if info, _ := userInfo(&call{ctx: c.ctx, env: c.env, a: map[string]any{"name": c.a["new_name"]}}); len(info.(map[string]any)) > 0 {
				return nil, funcs.Raise("CommandExecutionError", "User '%s' already exists", c.str("new_name"))
			}
			return c.userChattrib(c.str("name"), "name", c.a["new_name"], "-l", false)
		}},
		"user.primary_group": {run: func(c *call) (any, error) {
			r := c.command(nil, "", false, "id", "-g", "-n", c.str("name"))
			return r.Stdout, nil
		}},
		"group.add": {run: func(c *call) (any, error) {
			argv := []string{"groupadd"}
			if c.truth("gid") {
				argv = append(argv, "-g "+c.str("gid"))
				if c.truth("non_unique") {
					argv = append(argv, "-o")
				}
			}
			if c.truth("system") {
				argv = append(argv, "-r")
			}
			return c.command(nil, "", false, append(argv, c.str("name"))...).Retcode == 0, nil
		}},
		"group.delete": {run: func(c *call) (any, error) {
			return c.command(nil, "", false, "groupdel", c.str("name")).Retcode == 0, nil
		}},
		"group.getent": {run: func(c *call) (any, error) {
			groups, err := state.Groups(c.env.stateEnv())
			if err != nil {
				return nil, err
			}
			out := []any{}
			for _, g := range groups {
				out = append(out, map[string]any{"name": g.Name, "passwd": "x", "gid": g.GID, "members": anyList(g.Members)})
			}
			return out, nil
		}},
		"group.chgid": {run: func(c *call) (any, error) {
			param := "-g"
			if c.truth("non_unique") {
				param = "-og"
			}
			return c.groupChattrib(c.str("name"), c.a["gid"], param)
		}},
		"group.adduser": {run: func(c *call) (any, error) {
			return c.command(nil, "", false, "gpasswd", "--add", c.str("username"), c.str("name")).Retcode == 0, nil
		}},
		"group.deluser": {run: func(c *call) (any, error) {
			g, _ := state.FindGroup(c.env.stateEnv(), c.str("name"))
			if g == nil || !slices.Contains(g.Members, c.str("username")) {
				return true, nil
			}
			return c.command(nil, "", false, "gpasswd", "--del", c.str("username"), c.str("name")).Retcode == 0, nil
		}},
		"group.members": {run: func(c *call) (any, error) {
			return c.command(nil, "", false, "gpasswd", "--members", c.str("members_list"), c.str("name")).Retcode == 0, nil
		}},
	}
}

// refuseRoot refuses the root parameter (another root directory), which
// brine does not support.
func (c *call) refuseRoot() error {
	if v, ok := c.a["root"]; ok && v != nil {
		return fmt.Errorf("%s: the root argument is not supported by brine", c.fun)
	}
	return nil
}

// userAdd is useradd.add: useradd with Salt's options, then the groups and
// GECOS fields set one by one; False when useradd fails.
func userAdd(c *call) (any, error) {
	if err := c.refuseRoot(); err != nil {
		return nil, err
	}
	name := c.str("name")
	argv := []string{"useradd"}
	if s := c.str("shell"); s != "" {
		argv = append(argv, "-s", s)
	}
	if !c.isNone("uid") && c.str("uid") != "" {
		argv = append(argv, "-u", c.str("uid"))
	}
	groups := c.a["groups"]
	switch {
	case !c.isNone("gid") && c.str("gid") != "":
		argv = append(argv, "-g", c.str("gid"))
	case c.truth("usergroup"):
		argv = append(argv, "-U")
	case groups != nil && slices.Contains(strList(groups), name):
		if b, ok := c.readText("/etc/login.defs"); ok {
			for _, l := range strings.Split(string(b), "\n") {
				if !strings.Contains(l[:min(len(l), 15)], "USERGROUPS_ENAB") {
					continue
				}
				if strings.Contains(l, "yes") {
					argv = append(argv, "-g", pyStr(c.groupToGID(name)))
				}
				break
			}
		}
	}
	if v, ok := c.a["usergroup"]; ok && v == false {
		argv = append(argv, "-N")
	}
	if c.truth("createhome") {
		argv = append(argv, "-m")
	} else {
		argv = append(argv, "-M")
	}
	if c.truth("nologinit") {
		argv = append(argv, "-l")
	}
	if !c.isNone("home") {
		argv = append(argv, "-d", c.str("home"))
	}
	if !c.truth("unique") {
		argv = append(argv, "-o")
	}
	if c.truth("system") {
		argv = append(argv, "-r")
	}
	if r := c.command(nil, "", false, append(argv, name)...); r.Retcode != 0 {
		return false, nil
	}
	if truthy(groups) {
		if _, err := c.setGroups(name, groups, false); err != nil {
			return nil, err
		}
	}
	for _, k := range []string{"fullname", "roomnumber", "workphone", "homephone", "other"} {
		if c.truth(k) {
			if _, err := c.updateGecos(name, k, c.a[k]); err != nil {
				return nil, err
			}
		}
	}
	return true, nil
}

// userDelete is useradd.delete; userdel's exit 12 about the mail spool is
// a success on Debian, as Salt has it.
func userDelete(c *call) (any, error) {
	if err := c.refuseRoot(); err != nil {
		return nil, err
	}
	argv := []string{"userdel"}
	if c.truth("remove") {
		argv = append(argv, "-r")
	}
	if c.truth("force") {
		argv = append(argv, "-f")
	}
	r := c.command(nil, "", false, append(argv, c.str("name"))...)
	if r.Retcode == 0 {
		return true, nil
	}
	if r.Retcode == 12 && pyStrOr(c.env.Grains["os_family"], "") == "Debian" &&
		(strings.Contains(r.Stderr, "var/mail") || strings.Contains(r.Stderr, "var/spool/mail")) {
		return true, nil
	}
	return false, nil
}

// userFormat is useradd._format_info.
func (c *call) userFormat(u state.User) map[string]any {
	gecos := strings.SplitN(u.Gecos, ",", 5)
	for len(gecos) < 5 {
		gecos = append(gecos, "")
	}
	return map[string]any{
		"gid": u.GID, "groups": anyList(c.groupList(u.Name)), "home": u.Home, "name": u.Name,
		"passwd": passwdField(c, u.Name), "shell": u.Shell, "uid": u.UID,
		"fullname": gecos[0], "roomnumber": gecos[1], "workphone": gecos[2], "homephone": gecos[3], "other": gecos[4],
	}
}

// userInfoMap is user.info's answer for name ({} when there is none).
func (c *call) userInfoMap(name string) map[string]any {
	users, err := state.Users(c.env.stateEnv())
	if err != nil {
		return map[string]any{}
	}
	for _, u := range users {
		if u.Name == name {
			return c.userFormat(u)
		}
	}
	return map[string]any{}
}

// userChattrib is useradd._chattrib: usermod PARAM VALUE when the value
// differs; whether the user now has it.
func (c *call) userChattrib(name, key string, value any, param string, persist bool) (any, error) {
	if err := c.refuseRoot(); err != nil {
		return nil, err
	}
	pre := c.userInfoMap(name)
	if len(pre) == 0 {
		return nil, funcs.Raise("CommandExecutionError", "User '%s' does not exist", name)
	}
	if pyEqual(pre[key], value) {
		return true, nil
	}
	argv := []string{"usermod"}
	if persist {
		argv = append(argv, "-m")
	}
	c.command(nil, "", false, append(argv, param, pyStr(value), name)...)
	// Salt looks the user up again by the old name: user.rename answers
	// False once the user is renamed (as salt-ssh 3007.1 was recorded to)
	return pyEqual(c.userInfoMap(name)[key], value), nil
}

// updateGecos is useradd._update_gecos.
func (c *call) updateGecos(name, key string, value any) (any, error) {
	if err := c.refuseRoot(); err != nil {
		return nil, err
	}
	v := ""
	if value != nil {
		v = pyStr(value)
	}
	pre := c.userInfoMap(name)
	if len(pre) == 0 {
		return false, nil
	}
	if pre[key] == v {
		return true, nil
	}
	pre[key] = v
	fields := []string{pyStr(pre["fullname"]), pyStr(pre["roomnumber"]), pyStr(pre["workphone"]), pyStr(pre["homephone"]), pyStr(pre["other"])}
	gecos := strings.TrimRight(strings.Join(fields, ","), ",")
	c.command(nil, "", false, "usermod", "-c", gecos, name)
	return c.userInfoMap(name)[key] == v, nil
}

// userChgroups is useradd.chgroups.
func userChgroups(c *call) (any, error) {
	if err := c.refuseRoot(); err != nil {
		return nil, err
	}
	return c.setGroups(c.str("name"), c.a["groups"], c.truth("append"))
}

// setGroups sets (or with add, adds) the user's supplementary groups.
func (c *call) setGroups(name string, groupsArg any, add bool) (any, error) {
	var groups []string
	if s, ok := groupsArg.(string); ok {
		groups = strings.Split(s, ",")
	} else {
		groups = strList(groupsArg)
	}
	have := c.groupList(name)
	if setEqual(have, groups) {
		return true, nil
	}
	argv := []string{"usermod"}
	if add {
		argv = append(argv, "-a")
	}
	r := c.command(nil, "", false, append(argv, "-G", strings.Join(groups, ","), name)...)
	if r.Retcode != 0 && strings.Contains(r.Stderr, "not found in") {
		ok := true
		for _, g := range groups {
			if c.command(nil, "", false, "gpasswd", "-a", name, g).Retcode != 0 {
				ok = false
			}
		}
		return ok, nil
	}
	return r.Retcode == 0, nil
}

func setEqual(a, b []string) bool {
	m := map[string]bool{}
	for _, x := range a {
		m[x] = true
	}
	n := map[string]bool{}
	for _, x := range b {
		n[x] = true
	}
	if len(m) != len(n) {
		return false
	}
	for k := range m {
		if !n[k] {
			return false
		}
	}
	return true
}

// groupChattrib is groupadd._chattrib: groupmod PARAM VALUE.
func (c *call) groupChattrib(name string, value any, param string) (any, error) {
	if err := c.refuseRoot(); err != nil {
		return nil, err
	}
	g, _ := state.FindGroup(c.env.stateEnv(), name)
	if g == nil {
		return nil, funcs.Raise("CommandExecutionError", "Group '%s' does not exist", name)
	}
	if pyEqual(g.GID, value) {
		return true, nil
	}
	c.command(nil, "", false, "groupmod", param, pyStr(value), name)
	g, _ = state.FindGroup(c.env.stateEnv(), name)
	return g != nil && pyEqual(g.GID, value), nil
}
