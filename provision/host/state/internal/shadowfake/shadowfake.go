// Package shadowfake is a test double for the shadow-utils commands
// (useradd, usermod, userdel, groupadd, groupmod, gpasswd, groupdel,
// chpasswd): it edits passwd, group and shadow under a temp root the way
// the real tools would, so the user and group states can be tested by
// reading the files back.
package shadowfake

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
)

// Env returns an Env on a fresh temp root holding New's files, whose commands
// go to a hostcmd.Fake that runs them against that root.
func Env(t testing.TB) (*state.Env, *hostcmd.Fake) {
	root := t.TempDir()
	h := New(root)
	fx := &hostcmd.Fake{Handler: func(c state.Cmd, _ string) (state.CmdResult, bool) { return h.Handle(c) }}
	return &state.Env{Root: root, Exec: fx}, fx
}

// Host is a fake host rooted at Root.
type Host struct{ Root string }

// New creates the base files under root: root and daemon users, a few
// groups, an empty shadow.
func New(root string) *Host {
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.MkdirAll(filepath.Join(root, "home"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\ndaemon:x:1:\nsudo:x:27:\nadm:x:4:daemon\nusers:x:100:\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/shadow"), []byte("root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"), 0o640)
	return &Host{Root: root}
}

func (h *Host) read(f string) [][]string {
	b, _ := os.ReadFile(filepath.Join(h.Root, "etc", f))
	var out [][]string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" {
			out = append(out, strings.Split(l, ":"))
		}
	}
	return out
}

func (h *Host) write(f string, rows [][]string) {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, ":") + "\n")
	}
	os.WriteFile(filepath.Join(h.Root, "etc", f), []byte(b.String()), 0o644)
}

func ids(rows [][]string, col int) map[int]bool {
	m := map[int]bool{}
	for _, r := range rows {
		if n, err := strconv.Atoi(r[col]); err == nil {
			m[n] = true
		}
	}
	return m
}

func next(used map[int]bool, system bool) int {
	if system {
		for i := 999; i > 100; i-- {
			if !used[i] {
				return i
			}
		}
	}
	hi := 999
	for i := range used {
		if i >= 1000 && i < 60000 && i > hi {
			hi = i
		}
	}
	return hi + 1
}

func idx(rows [][]string, name string) int {
	for i, r := range rows {
		if r[0] == name {
			return i
		}
	}
	return -1
}

func fail(code int, msg string) state.CmdResult { return state.CmdResult{Retcode: code, Stderr: msg} }

// flags splits argv into option values (flag -> value, "" for switches
// from the switches set) and the final operand.
func flags(argv []string, switches string) (map[string]string, string) {
	m := map[string]string{}
	name := ""
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if strings.HasPrefix(a, "-") && len(a) == 2 {
			if strings.Contains(switches, a[1:]) {
				m[a] = ""
				continue
			}
			if i+1 < len(argv) {
				m[a] = argv[i+1]
				i++
			}
			continue
		}
		name = a
	}
	return m, name
}

// Handle answers a shadow-utils command; ok is false for other commands.
func (h *Host) Handle(c state.Cmd) (state.CmdResult, bool) {
	if len(c.Argv) == 0 {
		return state.CmdResult{}, false
	}
	a := c.Argv
	pw, gr, sh := h.read("passwd"), h.read("group"), h.read("shadow")
	switch a[0] {
	case "useradd":
		f, name := flags(a[1:], "mMrN")
		if idx(pw, name) >= 0 {
			return fail(9, fmt.Sprintf("useradd: user '%s' already exists", name)), true
		}
		_, system := f["-r"]
		uid := next(ids(pw, 2), system)
		if v, ok := f["-u"]; ok {
			uid, _ = strconv.Atoi(v)
		}
		gid := -1
		if v, ok := f["-g"]; ok {
			if n, err := strconv.Atoi(v); err == nil {
				gid = n
			} else if i := idx(gr, v); i >= 0 {
				gid, _ = strconv.Atoi(gr[i][2])
			} else {
				return fail(6, fmt.Sprintf("useradd: group '%s' does not exist", v)), true
			}
		} else {
			if idx(gr, name) >= 0 {
				return fail(9, fmt.Sprintf("useradd: group %s exists - if you want to add this user to that group, use -g.", name)), true
			}
			gid = uid
			if ids(gr, 2)[gid] {
				gid = next(ids(gr, 2), system)
			}
			gr = append(gr, []string{name, "x", strconv.Itoa(gid), ""})
		}
		for _, g := range strings.Split(f["-G"], ",") {
			if g == "" {
				continue
			}
			i := idx(gr, g)
			if i < 0 {
				return fail(6, fmt.Sprintf("useradd: group '%s' does not exist", g)), true
			}
			gr[i][3] = addMember(gr[i][3], name)
		}
		home := "/home/" + name
		if v, ok := f["-d"]; ok {
			home = v
		}
		shell := "/bin/sh"
		if v, ok := f["-s"]; ok {
			shell = v
		}
		pw = append(pw, []string{name, "x", strconv.Itoa(uid), strconv.Itoa(gid), f["-c"], home, shell})
		pass := "!"
		if v, ok := f["-p"]; ok {
			pass = v
		}
		sh = append(sh, []string{name, pass, "19700", "0", "99999", "7", "", "", ""})
		if _, ok := f["-m"]; ok {
			os.MkdirAll(filepath.Join(h.Root, home), 0o755)
		}
		h.write("passwd", pw)
		h.write("group", gr)
		h.write("shadow", sh)
		return state.CmdResult{}, true
	case "usermod":
		f, name := flags(a[1:], "amL")
		i := idx(pw, name)
		if i < 0 {
			return fail(6, fmt.Sprintf("usermod: user '%s' does not exist", name)), true
		}
		if v, ok := f["-u"]; ok {
			pw[i][2] = v
		}
		if v, ok := f["-g"]; ok {
			if _, err := strconv.Atoi(v); err != nil {
				j := idx(gr, v)
				if j < 0 {
					return fail(6, "usermod: group '"+v+"' does not exist"), true
				}
				v = gr[j][2]
			}
			pw[i][3] = v
		}
		if v, ok := f["-d"]; ok {
			pw[i][5] = v
		}
		if v, ok := f["-s"]; ok {
			pw[i][6] = v
		}
		if v, ok := f["-c"]; ok {
			pw[i][4] = v
		}
		if v, ok := f["-G"]; ok {
			want := map[string]bool{}
			for _, g := range strings.Split(v, ",") {
				if g != "" {
					if idx(gr, g) < 0 {
						return fail(6, "usermod: group '"+g+"' does not exist"), true
					}
					want[g] = true
				}
			}
			_, appendOnly := f["-a"]
			for j := range gr {
				if want[gr[j][0]] {
					gr[j][3] = addMember(gr[j][3], name)
				} else if !appendOnly {
					gr[j][3] = delMember(gr[j][3], name)
				}
			}
		}
		h.write("passwd", pw)
		h.write("group", gr)
		return state.CmdResult{}, true
	case "userdel":
		f, name := flags(a[1:], "rf")
		i := idx(pw, name)
		if i < 0 {
			return fail(6, fmt.Sprintf("userdel: user '%s' does not exist", name)), true
		}
		if _, ok := f["-r"]; ok {
			os.RemoveAll(filepath.Join(h.Root, pw[i][5]))
		}
		gid := pw[i][3]
		pw = append(pw[:i], pw[i+1:]...)
		if j := idx(sh, name); j >= 0 {
			sh = append(sh[:j], sh[j+1:]...)
		}
		var keep [][]string
		for _, g := range gr {
			if g[0] == name && g[2] == gid && g[3] == "" {
				continue
			}
			g[3] = delMember(g[3], name)
			keep = append(keep, g)
		}
		h.write("passwd", pw)
		h.write("group", keep)
		h.write("shadow", sh)
		return state.CmdResult{}, true
	case "groupadd":
		f, name := flags(a[1:], "rf")
		if idx(gr, name) >= 0 {
			return fail(9, fmt.Sprintf("groupadd: group '%s' already exists", name)), true
		}
		_, system := f["-r"]
		gid := next(ids(gr, 2), system)
		if v, ok := f["-g"]; ok {
			gid, _ = strconv.Atoi(v)
		}
		h.write("group", append(gr, []string{name, "x", strconv.Itoa(gid), ""}))
		return state.CmdResult{}, true
	case "groupmod":
		f, name := flags(a[1:], "")
		i := idx(gr, name)
		if i < 0 {
			return fail(6, "groupmod: group '"+name+"' does not exist"), true
		}
		if v, ok := f["-g"]; ok {
			gr[i][2] = v
		}
		h.write("group", gr)
		return state.CmdResult{}, true
	case "gpasswd":
		f, name := flags(a[1:], "")
		i := idx(gr, name)
		if i < 0 {
			return fail(3, "gpasswd: group '"+name+"' does not exist in /etc/group"), true
		}
		if v, ok := f["-M"]; ok {
			gr[i][3] = v
		}
		h.write("group", gr)
		return state.CmdResult{}, true
	case "groupdel":
		i := idx(gr, a[len(a)-1])
		if i < 0 {
			return fail(6, "groupdel: group does not exist"), true
		}
		h.write("group", append(gr[:i], gr[i+1:]...))
		return state.CmdResult{}, true
	case "chpasswd":
		for _, l := range strings.Split(strings.TrimSpace(string(c.Stdin)), "\n") {
			name, hash, _ := strings.Cut(l, ":")
			if j := idx(sh, name); j >= 0 {
				sh[j][1] = hash
			} else {
				return fail(1, "chpasswd: line 1: user '"+name+"' does not exist"), true
			}
		}
		h.write("shadow", sh)
		return state.CmdResult{}, true
	}
	return state.CmdResult{}, false
}

func addMember(list, m string) string {
	var out []string
	for _, x := range strings.Split(list, ",") {
		if x != "" && x != m {
			out = append(out, x)
		}
	}
	out = append(out, m)
	sort.Strings(out)
	return strings.Join(out, ",")
}

func delMember(list, m string) string {
	var out []string
	for _, x := range strings.Split(list, ",") {
		if x != "" && x != m {
			out = append(out, x)
		}
	}
	return strings.Join(out, ",")
}
