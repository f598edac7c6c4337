package modules

import (
	"fmt"
	"os"
	"strings"
)

// hostsFile is Salt's hosts.file default.
const hostsFile = "/etc/hosts"

// hostsEntry is one key of hosts._list_hosts, in file order: an address
// with its aliases and comment, or a comment line ("comment-N").
type hostsEntry struct {
	key     string
	aliases []string
	comment string
	lines   []string // for comment-N
}

// hostsFuncs are salt/modules/hosts.py's functions over /etc/hosts
// (rewritten through a temp file and a rename).
func hostsFuncs() map[string]fn {
	return map[string]fn{
		"hosts.list_hosts": {run: func(c *call) (any, error) {
			out := map[string]any{}
			for _, e := range c.hostsList() {
				out[e.key] = e.value()
			}
			return out, nil
		}},
		"hosts.get_ip": {run: func(c *call) (any, error) {
			for _, e := range c.hostsList() {
				if e.lines == nil && slicesHas(e.aliases, c.str("host")) {
					return e.key, nil
				}
			}
			return "", nil
		}},
		"hosts.get_alias": {run: func(c *call) (any, error) {
			for _, e := range c.hostsList() {
				if e.key == c.str("ip") {
					return anyList(e.aliases), nil
				}
			}
			return []any{}, nil
		}},
		"hosts.has_pair": {run: func(c *call) (any, error) { return c.hostsHasPair(c.str("ip"), c.a["alias"]), nil }},
		"hosts.set_host": {run: hostsSetHost},
		"hosts.rm_host":  {run: hostsRmHost},
		"hosts.add_host": {run: func(c *call) (any, error) {
			ip, alias := c.str("ip"), c.str("alias")
			if c.hostsHasPair(ip, alias) {
				return true, nil
			}
			list := c.hostsList()
			found := false
			for i := range list {
				if list[i].key == ip && list[i].lines == nil {
					list[i].aliases = append(list[i].aliases, alias)
					found = true
					break
				}
			}
			if !found {
				list = append(list, hostsEntry{key: ip, aliases: []string{alias}})
			}
			return true, c.hostsWrite(list)
		}},
		"hosts.set_comment": {run: func(c *call) (any, error) {
			list := c.hostsList()
			for i := range list {
				if list[i].key == c.str("ip") && list[i].lines == nil {
					if list[i].comment == c.str("comment") {
						return true, nil
					}
					list[i].comment = c.str("comment")
					return true, c.hostsWrite(list)
				}
			}
			return false, nil
		}},
	}
}

func (e hostsEntry) value() any {
	if e.lines != nil {
		return anyList(e.lines)
	}
	m := map[string]any{"aliases": anyList(e.aliases)}
	if e.comment != "" {
		m["comment"] = e.comment
	}
	return m
}

// hostsList is hosts._list_hosts.
func (c *call) hostsList() []hostsEntry {
	b, ok := c.readText(hostsFile)
	if !ok {
		return nil
	}
	var out []hostsEntry
	index := map[string]int{}
	count := 0
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			out = append(out, hostsEntry{key: fmt.Sprintf("comment-%d", count), lines: []string{line}})
			count++
			continue
		}
		comment := ""
		if i := strings.Index(line, "#"); i >= 0 {
			comment = strings.TrimLeft(line[i+1:], " \t")
			line = strings.TrimSpace(line[:i])
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		i, ok := index[f[0]]
		if !ok {
			i = len(out)
			index[f[0]] = i
			out = append(out, hostsEntry{key: f[0], aliases: []string{}})
		}
		out[i].aliases = append(out[i].aliases, f[1:]...)
		if comment != "" {
			out[i].comment = comment
		}
	}
	return out
}

func (c *call) hostsHasPair(ip string, alias any) bool {
	for _, e := range c.hostsList() {
		if e.key != ip || e.lines != nil {
			continue
		}
		if l, ok := alias.([]any); ok {
			for _, a := range l {
				if !slicesHas(e.aliases, pyStr(a)) {
					return false
				}
			}
			return true
		}
		return slicesHas(e.aliases, pyStr(alias))
	}
	return false
}

// hostsWrite is hosts._write_hosts.
func (c *call) hostsWrite(list []hostsEntry) error {
	var b strings.Builder
	for _, e := range list {
		var line string
		switch {
		case e.lines != nil:
			line = strings.Join(e.lines, "")
		case e.comment != "":
			line = fmt.Sprintf("%s\t\t%s\t\t# %s", e.key, strings.Join(e.aliases, " "), e.comment)
		default:
			line = fmt.Sprintf("%s\t\t%s", e.key, strings.Join(e.aliases, " "))
		}
		if strings.TrimSpace(line) != "" {
			b.WriteString(strings.TrimSpace(line) + "\n")
		}
	}
	return c.writeKeep(hostsFile, []byte(b.String()))
}

// hostsLines reads /etc/hosts as lines with their endings (created empty
// when missing).
func (c *call) hostsLines() ([]string, error) {
	b, err := os.ReadFile(c.host(hostsFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, pyOSError(err, hostsFile)
	}
	return splitKeep(string(b)), nil
}

func hostsSetHost(c *call) (any, error) {
	ip, alias := c.str("ip"), c.str("alias")
	add := ip + "\t\t" + alias + "\n"
	if c.truth("comment") {
		add = ip + "\t\t" + alias + "\t\t# " + c.str("comment") + "\n"
	}
	if strings.TrimSpace(alias) == "" {
		add = ""
	}
	lines, err := c.hostsLines()
	if err != nil {
		return nil, err
	}
	done := false
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if strings.Fields(t)[0] == ip {
			if !done {
				lines[i], done = add, true
			} else {
				lines[i] = ""
			}
		}
	}
	if !done {
		if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") {
			lines[n-1] += "\n"
		}
		lines = append(lines, add)
	}
	return true, c.writeKeep(hostsFile, []byte(strings.Join(lines, "")))
}

func hostsRmHost(c *call) (any, error) {
	ip, alias := c.str("ip"), c.str("alias")
	if !c.hostsHasPair(ip, alias) {
		return true, nil
	}
	lines, err := c.hostsLines()
	if err != nil {
		return nil, err
	}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		info, comment, hasComment := strings.Cut(t, "#")
		f := strings.Fields(info)
		if len(f) == 0 || f[0] != ip {
			continue
		}
		nl := f[0] + "\t\t"
		for _, a := range f[1:] {
			if a != alias {
				nl += a + " "
			}
		}
		switch {
		case strings.TrimSpace(nl) == ip:
			lines[i] = ""
		case hasComment:
			lines[i] = nl + "# " + strings.TrimLeft(comment, " \t") + "\n"
		default:
			lines[i] = nl + "\n"
		}
	}
	return true, c.writeKeep(hostsFile, []byte(strings.Join(lines, "")))
}
