// Package group implements Salt's group states (present, absent) with
// groupadd/groupmod/gpasswd/groupdel, reading <Root>/etc/group.
package group

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/lowstate"
)

// Module returns the group state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{
		"present": present,
		"absent":  absent,
	}}
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func sameSet(a, b []string) bool {
	a, b = sorted(a), sorted(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// wantMembers computes the final member list from members / addusers /
// delusers (nil: leave members alone).
func wantMembers(c lowstate.Chunk, cur []string) []string {
	if state.HasArg(c, "members") {
		return state.ArgList(c, "members")
	}
	add, del := state.ArgList(c, "addusers"), state.ArgList(c, "delusers")
	if len(add) == 0 && len(del) == 0 {
		return nil
	}
	set := map[string]bool{}
	for _, m := range cur {
		set[m] = true
	}
	for _, m := range add {
		set[m] = true
	}
	for _, m := range del {
		delete(set, m)
	}
	out := []string{}
	for m := range set {
		out = append(out, m)
	}
	return sorted(out)
}

func info(g *state.Group) map[string]any {
	mem := []any{}
	for _, m := range sorted(g.Members) {
		mem = append(mem, m)
	}
	return map[string]any{"name": g.Name, "gid": g.GID, "passwd": "x", "members": mem}
}

func present(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	cur, err := state.FindGroup(env, name)
	if err != nil {
		return state.Failed(err.Error())
	}
	gid := state.ArgInt(c, "gid", -1)
	if state.HasArg(c, "gid") && gid < 0 {
		return state.Failedf("gid %q is not a number", c.Str("gid"))
	}
	if cur == nil {
		members := wantMembers(c, nil)
		if env.Test {
			return state.Pending(fmt.Sprintf("Group %s set to be added", name), nil)
		}
		argv := []string{"groupadd"}
		if gid >= 0 {
			argv = append(argv, "-g", strconv.Itoa(gid))
		}
		if state.ArgBool(c, "system", false) {
			argv = append(argv, "-r")
		}
		if _, err := hostcmd.Output(ctx, env, nil, append(argv, name)...); err != nil {
			return state.Failedf("Failed to create new group %s: %v", name, err)
		}
		if len(members) > 0 {
			if _, err := hostcmd.Output(ctx, env, nil, "gpasswd", "-M", strings.Join(members, ","), name); err != nil {
				return state.Failedf("Created group %s but failed to set its members: %v", name, err)
			}
		}
		g, err := state.FindGroup(env, name)
		if err != nil || g == nil {
			return state.Failedf("Group %s is not present after groupadd", name)
		}
		return state.Changed(fmt.Sprintf("New group %s created", name), info(g))
	}
	ch := map[string]any{}
	var lines []string
	if gid >= 0 && gid != cur.GID {
		ch["gid"] = gid
		lines = append(lines, fmt.Sprintf("gid: %d", gid))
	}
	members := wantMembers(c, cur.Members)
	if members != nil && !sameSet(members, cur.Members) {
		l := []any{}
		for _, m := range members {
			l = append(l, m)
		}
		ch["members"] = l
		lines = append(lines, "members: "+pyfmt.Repr(members))
	}
	if len(ch) == 0 {
		return state.OK(fmt.Sprintf("Group %s is present and up to date", name))
	}
	comment := "The following group attributes are set to be changed:\n" + strings.Join(lines, "\n") + "\n"
	if env.Test {
		return state.Pending(comment, nil)
	}
	if _, ok := ch["gid"]; ok {
		if _, err := hostcmd.Output(ctx, env, nil, "groupmod", "-g", strconv.Itoa(gid), name); err != nil {
			return state.Failedf("Failed to change gid of group %s: %v", name, err)
		}
	}
	if _, ok := ch["members"]; ok {
		if _, err := hostcmd.Output(ctx, env, nil, "gpasswd", "-M", strings.Join(members, ","), name); err != nil {
			return state.Failedf("Failed to set members of group %s: %v", name, err)
		}
	}
	// Salt checks again and reports the outcome, not the attributes
	return state.Changed(comment, map[string]any{"Final": "All changes applied successfully"})
}

func absent(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	cur, err := state.FindGroup(env, name)
	if err != nil {
		return state.Failed(err.Error())
	}
	if cur == nil {
		return state.OK("Group not present")
	}
	ch := map[string]any{name: ""}
	if env.Test {
		return state.Pending(fmt.Sprintf("Group %s is set for removal", name), nil)
	}
	if _, err := hostcmd.Output(ctx, env, nil, "groupdel", name); err != nil {
		return state.Failedf("Failed to remove group %s: %v", name, err)
	}
	return state.Changed(fmt.Sprintf("Removed group %s", name), ch)
}
