// Package user implements Salt's user states (present, absent) with
// useradd/usermod/userdel/chpasswd, reading <Root>/etc/passwd, group and
// shadow.
package user

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/lowstate"
)

// redacted replaces password hashes in changes, as Salt does.
const redacted = "XXX-REDACTED-XXX"

// Module returns the user state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{
		"present": present,
		"absent":  absent,
	}}
}

// shadowHash returns the password field of name in <Root>/etc/shadow.
func shadowHash(env *state.Env, name string) string {
	b, err := os.ReadFile(state.HostPath(env, "/etc/shadow"))
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Split(l, ":")
		if len(f) > 1 && f[0] == name {
			return f[1]
		}
	}
	return ""
}

// memberOf returns the sorted names of the supplementary groups listing user.
func memberOf(env *state.Env, user string) []string {
	var out []string
	for _, g := range state.MemberGroups(env, user) {
		out = append(out, g.Name)
	}
	sort.Strings(out)
	return out
}

func anyList(s []string) []any {
	out := []any{}
	for _, x := range s {
		out = append(out, x)
	}
	return out
}

// info is Salt's user.info (modules/useradd.py _format_info): the passwd
// entry, its GECOS fields, and every group the user is in, its primary
// group included, sorted.
func info(env *state.Env, u state.User) map[string]any {
	gecos := strings.SplitN(u.Gecos, ",", 5)
	for len(gecos) < 5 {
		gecos = append(gecos, "")
	}
	groups := memberOf(env, u.Name)
	if g := state.GroupName(env, u.GID); g != "" && g != strconv.Itoa(u.GID) {
		groups = dedup(sortedUnion(groups, []string{g}))
	}
	passwd := "x"
	if b, err := os.ReadFile(state.HostPath(env, "/etc/passwd")); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Split(l, ":"); len(f) > 1 && f[0] == u.Name {
				passwd = f[1]
				break
			}
		}
	}
	return map[string]any{
		"name": u.Name, "uid": u.UID, "gid": u.GID, "home": u.Home, "shell": u.Shell, "passwd": passwd,
		"fullname": gecos[0], "roomnumber": gecos[1], "workphone": gecos[2], "homephone": gecos[3], "other": gecos[4],
		"groups": anyList(groups),
	}
}

// wantGroups resolves groups and optional_groups (missing optional groups
// are skipped; missing required ones are an error).
func wantGroups(env *state.Env, c lowstate.Chunk) ([]string, bool, error) {
	set := state.HasArg(c, "groups") || state.HasArg(c, "optional_groups")
	gs, err := state.Groups(env)
	if err != nil {
		return nil, set, err
	}
	exists := map[string]bool{}
	for _, g := range gs {
		exists[g.Name] = true
	}
	var out, missing []string
	for _, g := range state.ArgList(c, "groups") {
		// Salt's user.present checks groups first, in test mode too: a
		// dry run fails when a group an earlier state would create is
		// missing (salt/states/user.py, "The following group(s) are not
		// present"); optional_groups is Salt's way to name such groups.
		if !exists[g] {
			missing = append(missing, g)
			continue
		}
		out = append(out, g)
	}
	if len(missing) > 0 {
		return nil, set, fmt.Errorf("The following group(s) are not present: %s", strings.Join(missing, ","))
	}
	for _, g := range state.ArgList(c, "optional_groups") {
		if exists[g] {
			out = append(out, g)
		}
	}
	sort.Strings(out)
	return dedup(out), set, nil
}

func dedup(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// primaryGID resolves the gid argument (name or number); -1 when unset.
func primaryGID(env *state.Env, c lowstate.Chunk) (int, string, error) {
	v := c.Str("gid")
	if v == "" {
		return -1, "", nil
	}
	g, err := state.LookupGroup(env, v)
	if err != nil {
		return -1, v, fmt.Errorf("the group %s (gid) is not present", v)
	}
	return g.GID, v, nil
}

func present(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	if name == "" {
		return state.Failed("user.present needs a name")
	}
	cur, err := state.FindUser(env, name)
	if err != nil {
		return state.Failed(err.Error())
	}
	groups, groupsSet, err := wantGroups(env, c)
	if err != nil {
		return state.Failed(err.Error())
	}
	gid, gidArg, err := primaryGID(env, c)
	if err != nil && !(env.Test && cur == nil) {
		// Salt looks the gid up only when it changes a user: a dry run
		// of a new user predicts it (an earlier state may make the group)
		return state.Failed(err.Error())
	}
	uid := state.ArgInt(c, "uid", -1)
	if state.HasArg(c, "uid") && uid < 0 {
		return state.Failedf("uid %q is not a number", c.Str("uid"))
	}
	if cur == nil {
		return create(ctx, env, c, name, uid, gidArg, groups)
	}
	return update(ctx, env, c, cur, uid, gid, groups, groupsSet)
}

func create(ctx context.Context, env *state.Env, c lowstate.Chunk, name string, uid int, gidArg string, groups []string) *lowstate.Result {
	system := state.ArgBool(c, "system", false)
	home := c.Str("home")
	shell := c.Str("shell")
	fullname := c.Str("fullname")
	password := c.Str("password")
	usergroupExists := false
	if gidArg == "" {
		if g, err := state.LookupGroup(env, name); err == nil && g.Name == name {
			usergroupExists = true
		}
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("User %s set to be added", name), nil)
	}
	argv := []string{"useradd"}
	if uid >= 0 {
		argv = append(argv, "-u", strconv.Itoa(uid))
	}
	switch {
	case gidArg != "":
		argv = append(argv, "-g", gidArg)
	case usergroupExists:
		argv = append(argv, "-g", name)
	}
	if len(groups) > 0 {
		argv = append(argv, "-G", strings.Join(groups, ","))
	}
	if home != "" {
		argv = append(argv, "-d", home)
	}
	if state.ArgBool(c, "createhome", true) {
		argv = append(argv, "-m")
	} else {
		argv = append(argv, "-M")
	}
	if shell != "" {
		argv = append(argv, "-s", shell)
	}
	if fullname != "" {
		argv = append(argv, "-c", fullname)
	}
	if system {
		argv = append(argv, "-r")
	}
	if _, err := hostcmd.Output(ctx, env, nil, append(argv, name)...); err != nil {
		return state.Failedf("Failed to create new user %s: %v", name, err)
	}
	u, err := state.FindUser(env, name)
	if err != nil || u == nil {
		return state.Failedf("User %s is not present after useradd", name)
	}
	ch := info(env, *u)
	if !state.ArgBool(c, "createhome", true) {
		// Salt: "pwd incorrectly reports presence of home"
		ch["home"] = ""
	}
	if password != "" {
		if err := setPassword(ctx, env, name, password); err != nil {
			r := state.Failedf("User %s created, but failed to set the password: %v", name, err)
			r.Changes = ch
			return r
		}
		ch["password"] = redacted
	}
	return state.Changed(fmt.Sprintf("New user %s created", name), ch)
}

func setPassword(ctx context.Context, env *state.Env, name, hash string) error {
	r := env.Exec.Run(ctx, state.Cmd{Argv: []string{"chpasswd", "-e"}, Stdin: []byte(name + ":" + hash + "\n")})
	return hostcmd.Check(r, "chpasswd", "-e")
}

// update is Salt's user.present for an existing user: _changes lists what
// differs (uid, gid, groups, home, a home directory that does not exist
// yet, shell, password, fullname), test mode names them, the real run
// applies them and reports the user.info fields that changed.
func update(ctx context.Context, env *state.Env, c lowstate.Chunk, cur *state.User, uid, gid int, groups []string, groupsSet bool) *lowstate.Result {
	name := cur.Name
	var lines []string
	argv := []string{"usermod"}
	todo := false
	note := func(k string, v any, flag string, arg string) {
		todo = true
		lines = append(lines, fmt.Sprintf("%s: %v", k, v))
		argv = append(argv, flag, arg)
	}
	if uid >= 0 && uid != cur.UID {
		note("uid", uid, "-u", strconv.Itoa(uid))
	}
	if gid >= 0 && gid != cur.GID {
		note("gid", gid, "-g", strconv.Itoa(gid))
	}
	if groupsSet {
		have := memberOf(env, name)
		removeGroups := state.ArgBool(c, "remove_groups", true)
		final := groups
		if !removeGroups {
			final = dedup(sortedUnion(have, groups))
		}
		if strings.Join(final, ",") != strings.Join(have, ",") {
			todo = true
			lines = append(lines, "groups: "+pyfmt.Repr(final))
			if removeGroups {
				argv = append(argv, "-G", strings.Join(final, ","))
			} else {
				argv = append(argv, "-a", "-G", strings.Join(groups, ","))
			}
		}
	}
	home := c.Str("home")
	if home != "" && home != cur.Home {
		note("home", home, "-d", home)
	}
	mkHome := ""
	if state.ArgBool(c, "createhome", true) {
		nh := home
		if nh == "" {
			nh = cur.Home
		}
		if fi, err := os.Stat(state.HostPath(env, nh)); nh != "" && (err != nil || !fi.IsDir()) {
			mkHome = nh
			lines = append(lines, "homeDoesNotExist: "+nh)
		}
	}
	if s := c.Str("shell"); s != "" && s != cur.Shell {
		note("shell", s, "-s", s)
	}
	pw := c.Str("password")
	pwTodo := pw != "" && shadowHash(env, name) != pw
	if pwTodo {
		lines = append(lines, "passwd: "+redacted)
	}
	if state.HasArg(c, "fullname") {
		if f := c.Str("fullname"); f != strings.SplitN(cur.Gecos, ",", 2)[0] {
			note("fullname", f, "-c", f)
		}
	}
	if len(lines) == 0 {
		return state.OK(fmt.Sprintf("User %s is present and up to date", name))
	}
	if env.Test {
		// Salt's test mode lists the changes in the comment, one
		// "key: value" line each, and returns no changes.
		return state.Pending("The following user attributes are set to be changed:\n"+strings.Join(lines, "\n")+"\n", nil)
	}
	pre := info(env, *cur)
	if todo {
		if _, err := hostcmd.Output(ctx, env, nil, append(argv, name)...); err != nil {
			return state.Failedf("Failed to update user %s: %v", name, err)
		}
	}
	if mkHome != "" {
		hp := state.HostPath(env, mkHome)
		if err := os.MkdirAll(hp, 0o755); err != nil {
			return state.Failedf("Failed to create the home directory %s of user %s: %v", mkHome, name, err)
		}
		_ = os.Chown(hp, cur.UID, cur.GID)
	}
	ch := map[string]any{}
	if pwTodo {
		if err := setPassword(ctx, env, name, pw); err != nil {
			return state.Failedf("Failed to set the password of user %s: %v", name, err)
		}
		ch["passwd"] = redacted
	}
	post, err := state.FindUser(env, name)
	if err != nil || post == nil {
		return state.Failedf("User %s is not present after usermod", name)
	}
	for k, v := range info(env, *post) {
		if !reflect.DeepEqual(v, pre[k]) {
			ch[k] = v
		}
	}
	if len(ch) == 0 {
		return state.OK(fmt.Sprintf("User %s is present and up to date", name))
	}
	return state.Changed(fmt.Sprintf("Updated user %s", name), ch)
}

func sortedUnion(a, b []string) []string {
	out := append(append([]string{}, a...), b...)
	sort.Strings(out)
	return out
}

func absent(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	cur, err := state.FindUser(env, name)
	if err != nil {
		return state.Failed(err.Error())
	}
	if cur == nil {
		return state.OK(fmt.Sprintf("User %s is not present", name))
	}
	ch := map[string]any{name: "removed"}
	// userdel also drops the user's private group (same name, its primary
	// gid, no other members), as Salt reports.
	if g, err := state.LookupGroup(env, name); err == nil && g.Name == name && g.GID == cur.GID && len(g.Members) == 0 {
		ch[name+" group"] = "removed"
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("User %s set for removal", name), nil)
	}
	argv := []string{"userdel"}
	if state.ArgBool(c, "purge", false) {
		argv = append(argv, "-r")
	}
	if _, err := hostcmd.Output(ctx, env, nil, append(argv, name)...); err != nil {
		return state.Failedf("Failed to remove user %s: %v", name, err)
	}
	if _, err := state.LookupGroup(env, name); err == nil {
		delete(ch, name+" group")
	}
	return state.Changed(fmt.Sprintf("Removed user %s", name), ch)
}
