package modules

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"brine/provision/host/state"
)

// systemFuncs are user.*, group.info, pkg.version, service.* and
// status.time.
func systemFuncs() map[string]fn {
	return map[string]fn{
		"user.info":        {run: userInfo},
		"user.list_groups": {run: func(c *call) (any, error) { return anyList(c.groupList(c.str("name"))), nil }},
		"user.list_users":  {run: listUsers},
		"group.info":       {run: groupInfo},
		"environ.get": {run: func(c *call) (any, error) {
			if v, ok := os.LookupEnv(c.str("key")); ok {
				return v, nil
			}
			return c.a["default"], nil
		}},
		"status.time": {run: func(c *call) (any, error) {
			now := time.Now
			if c.env.Now != nil {
				now = c.env.Now
			}
			return strftime(now(), c.str("format")), nil
		}},
	}
}

// groupList is salt.utils.user.get_group_list: the sorted names of the
// user's supplementary groups and its primary group.
func (c *call) groupList(user string) []string {
	se := c.env.stateEnv()
	u, err := state.FindUser(se, user)
	if err != nil || u == nil {
		return []string{}
	}
	set := map[string]bool{}
	for _, g := range state.MemberGroups(se, user) {
		set[g.Name] = true
	}
	if name := state.GroupName(se, u.GID); name != "" {
		set[name] = true
	}
	return slices.Sorted(maps.Keys(set))
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// userInfo is useradd.info: {} for an unknown user.
func userInfo(c *call) (any, error) {
	if !c.isNone("root") {
		return nil, errors.New("user.info: the root argument is not supported by brine")
	}
	se := c.env.stateEnv()
	users, err := state.Users(se)
	if err != nil {
		return map[string]any{}, nil
	}
	name := c.str("name")
	for _, u := range users {
		if u.Name != name {
			continue
		}
		gecos := strings.SplitN(u.Gecos, ",", 5)
		for len(gecos) < 5 {
			gecos = append(gecos, "")
		}
		return map[string]any{
			"gid": u.GID, "groups": anyList(c.groupList(u.Name)), "home": u.Home, "name": u.Name,
			"passwd": passwdField(c, u.Name), "shell": u.Shell, "uid": u.UID,
			"fullname": gecos[0], "roomnumber": gecos[1], "workphone": gecos[2], "homephone": gecos[3], "other": gecos[4],
		}, nil
	}
	return map[string]any{}, nil
}

// passwdField is the password field of /etc/passwd ("x" with shadow).
func passwdField(c *call, name string) string {
	b, ok := c.readText("/etc/passwd")
	if !ok {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Split(l, ":")
		if len(f) >= 2 && f[0] == name {
			return f[1]
		}
	}
	return ""
}

func listUsers(c *call) (any, error) {
	users, err := state.Users(c.env.stateEnv())
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, u := range users {
		set[u.Name] = true
	}
	return anyList(slices.Sorted(maps.Keys(set))), nil
}

// groupInfo is groupadd.info: {} for an unknown group.
func groupInfo(c *call) (any, error) {
	if !c.isNone("root") {
		return nil, errors.New("group.info: the root argument is not supported by brine")
	}
	g, err := state.FindGroup(c.env.stateEnv(), c.str("name"))
	if err != nil || g == nil {
		return map[string]any{}, nil
	}
	members := anyList(g.Members)
	return map[string]any{"name": g.Name, "passwd": "x", "gid": g.GID, "members": members}, nil
}

// strftime formats t with Python's strftime directives (C locale).
func strftime(t time.Time, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		ch := format[i]
		if ch != '%' || i+1 >= len(format) {
			b.WriteByte(ch)
			continue
		}
		i++
		switch format[i] {
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'b', 'h':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'c':
			b.WriteString(t.Format("Mon Jan  2 15:04:05 2006"))
		case 'd':
			b.WriteString(t.Format("02"))
		case 'e':
			fmt.Fprintf(&b, "%2d", t.Day())
		case 'f':
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 'H':
			b.WriteString(t.Format("15"))
		case 'I':
			b.WriteString(t.Format("03"))
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'm':
			b.WriteString(t.Format("01"))
		case 'M':
			b.WriteString(t.Format("04"))
		case 'p':
			b.WriteString(t.Format("PM"))
		case 's':
			fmt.Fprintf(&b, "%d", t.Unix())
		case 'S':
			b.WriteString(t.Format("05"))
		case 'T':
			b.WriteString(t.Format("15:04:05"))
		case 'D':
			b.WriteString(t.Format("01/02/06"))
		case 'R':
			b.WriteString(t.Format("15:04"))
		case 'u':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			fmt.Fprintf(&b, "%d", wd)
		case 'w':
			fmt.Fprintf(&b, "%d", int(t.Weekday()))
		case 'y':
			b.WriteString(t.Format("06"))
		case 'Y':
			fmt.Fprintf(&b, "%d", t.Year())
		case 'z':
			b.WriteString(t.Format("-0700"))
		case 'Z':
			b.WriteString(t.Format("MST"))
		case 'x':
			b.WriteString(t.Format("01/02/06"))
		case 'X':
			b.WriteString(t.Format("15:04:05"))
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}
