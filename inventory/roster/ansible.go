package roster

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"brine/provision/lib/shlex"

	"gopkg.in/yaml.v3"
)

// ansible reads an Ansible inventory as the roster, as Salt's ansible roster
// (salt/roster/ansible.py) does, without needing Ansible installed: an INI
// or YAML inventory file, or the JSON an executable dynamic inventory
// prints for --list. Groups (children included) become Roster.Groups, which
// brine offers as nodegroups (-N web), as Salt does. Connection variables
// map to roster keys (see ansibleSettings); other variables are not used.
type ansible struct{}

func (ansible) ScriptArgs() ([]string, bool) { return []string{"--list"}, true }

func (ansible) Parse(file string, data []byte, defaults map[string]any) (*Roster, error) {
	inv := &inventory{file: file, groups: map[string]*invGroup{}, hosts: map[string]*invHost{}}
	inv.group("all", 0)
	inv.group("ungrouped", 0)
	var err error
	if isYAMLInventory(file, data) {
		err = inv.parseYAML(data)
	} else {
		err = inv.parseINI(data)
	}
	if err != nil {
		return nil, err
	}
	return inv.roster(defaults)
}

// isYAMLInventory tells Ansible's YAML (and script JSON) inventories from
// INI ones: by extension, else by whether the text is a YAML map.
func isYAMLInventory(file string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".yml", ".yaml", ".json":
		return true
	case ".ini":
		return false
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return false
	}
	return deref(doc.Content[0]).Kind == yaml.MappingNode
}

// inventory is Ansible's model: hosts with their own variables, and groups
// of hosts and child groups with variables.
type inventory struct {
	file     string
	groups   map[string]*invGroup
	hosts    map[string]*invHost
	order    []string // host names, first seen first
	warnings []string
}

type invGroup struct {
	name     string
	hosts    []string
	children []string
	parents  []string
	vars     map[string]any
	line     int
}

type invHost struct {
	name   string
	vars   map[string]any
	groups []string
	line   int
}

// group returns the named group, creating it.
func (inv *inventory) group(name string, line int) *invGroup {
	g, ok := inv.groups[name]
	if !ok {
		g = &invGroup{name: name, vars: map[string]any{}, line: line}
		inv.groups[name] = g
	}
	return g
}

// addHost puts host name in group, with vars on top of what it had.
func (inv *inventory) addHost(group, name string, line int, vars map[string]any) {
	h, ok := inv.hosts[name]
	if !ok {
		h = &invHost{name: name, vars: map[string]any{}, line: line}
		inv.hosts[name] = h
		inv.order = append(inv.order, name)
	}
	for k, v := range vars {
		h.vars[k] = v
	}
	if group == "all" || contains(h.groups, group) {
		return
	}
	h.groups = append(h.groups, group)
	g := inv.group(group, line)
	g.hosts = append(g.hosts, name)
}

// addChild makes child a child group of parent, refusing loops as Ansible
// does.
func (inv *inventory) addChild(parent, child string, line int) error {
	p, c := inv.group(parent, line), inv.group(child, line)
	if contains(p.children, child) {
		return nil
	}
	if child == parent || inv.descends(parent, child) || child == "all" {
		return fmt.Errorf("roster %s:%d: adding group %q as a child of %q makes a loop", inv.file, line, child, parent)
	}
	p.children = append(p.children, child)
	c.parents = append(c.parents, parent)
	return nil
}

// descends reports whether group g is below group top.
func (inv *inventory) descends(g, top string) bool {
	for _, c := range inv.groups[top].children {
		if c == g || inv.descends(g, c) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// depth is a group's distance below "all" (1 for a top-level group), the
// order Ansible merges group variables in.
func (inv *inventory) depth(name string, memo map[string]int) int {
	if name == "all" {
		return 0
	}
	if d, ok := memo[name]; ok {
		return d
	}
	d := 1
	for _, p := range inv.groups[name].parents {
		d = max(d, inv.depth(p, memo)+1)
	}
	memo[name] = d
	return d
}

// hostVars are a host's variables as Ansible combines them: "all", then
// its groups and their ancestors by depth, ansible_group_priority and name,
// then the host's own.
func (inv *inventory) hostVars(h *invHost, memo map[string]int) map[string]any {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(g string) {
		if seen[g] {
			return
		}
		seen[g] = true
		for _, p := range inv.groups[g].parents {
			walk(p)
		}
	}
	for _, g := range h.groups {
		walk(g)
	}
	groups := []string{}
	for g := range seen {
		groups = append(groups, g)
	}
	priority := func(g string) int {
		p, _ := strconv.Atoi(fmt.Sprint(inv.groups[g].vars["ansible_group_priority"]))
		return p
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if da, db := inv.depth(a, memo), inv.depth(b, memo); da != db {
			return da < db
		}
		if pa, pb := priority(a), priority(b); pa != pb {
			return pa < pb
		}
		return a < b
	})
	vars := map[string]any{}
	for _, g := range append([]string{"all"}, groups...) {
		for k, v := range inv.groups[g].vars {
			vars[k] = v
		}
	}
	for k, v := range h.vars {
		vars[k] = v
	}
	return vars
}

// members lists the hosts of a group and of its children, in roster order.
func (inv *inventory) members(name string) []string {
	in := map[string]bool{}
	var walk func(string)
	walk = func(g string) {
		for _, h := range inv.groups[g].hosts {
			in[h] = true
		}
		for _, c := range inv.groups[g].children {
			walk(c)
		}
	}
	walk(name)
	var out []string
	for _, h := range inv.order {
		if in[h] || name == "all" || name == "ungrouped" && inv.ungrouped(h) {
			out = append(out, h)
		}
	}
	return out
}

// ungrouped is true for a host in no group but "ungrouped" (and "all").
func (inv *inventory) ungrouped(host string) bool {
	for _, g := range inv.hosts[host].groups {
		if g != "ungrouped" {
			return false
		}
	}
	return true
}

// roster turns the inventory into roster hosts and groups.
func (inv *inventory) roster(defaults map[string]any) (*Roster, error) {
	b, err := newBuilder(inv.file, defaults)
	if err != nil {
		return nil, err
	}
	b.r.Warnings = append(b.r.Warnings, inv.warnings...)
	memo := map[string]int{}
	notes := map[string][]string{}
	var noteOrder []string
	for _, name := range inv.order {
		h := inv.hosts[name]
		settings, hostNotes, err := ansibleSettings(inv.hostVars(h, memo))
		if err != nil {
			return nil, fmt.Errorf("roster %s:%d: host %q: %w", inv.file, h.line, name, err)
		}
		for _, n := range hostNotes {
			if _, ok := notes[n]; !ok {
				noteOrder = append(noteOrder, n)
			}
			notes[n] = append(notes[n], name)
		}
		if err := b.addMap(inv.file, name, h.line, settings); err != nil {
			return nil, err
		}
	}
	for _, n := range noteOrder {
		who := fmt.Sprintf("host %q", notes[n][0])
		if more := len(notes[n]) - 1; more > 0 {
			who += fmt.Sprintf(" (and %d more)", more)
		}
		b.r.Warnings = append(b.r.Warnings, fmt.Sprintf("roster %s: %s: %s", inv.file, who, n))
	}
	b.r.Groups = map[string][]string{}
	for name := range inv.groups {
		b.r.Groups[name] = inv.members(name)
	}
	return b.r, nil
}

// ansibleSettings maps a host's Ansible connection variables to flat roster
// keys. Where Ansible has several names for one thing the first one set
// wins. Ansible's become password is brine's passwd (brine uses one
// password for SSH and sudo, as salt-ssh does) when no SSH password is set.
// notes are what brine cannot honour, for a warning.
func ansibleSettings(vars map[string]any) (map[string]any, []string, error) {
	s := map[string]any{}
	var notes []string
	first := func(keys ...string) (string, any, bool) {
		for _, k := range keys {
			if v, ok := vars[k]; ok && v != nil {
				return k, v, true
			}
		}
		return "", nil, false
	}
	str := func(v any) string { return fmt.Sprint(v) }
	if _, v, ok := first("ansible_host", "ansible_ssh_host"); ok {
		s["host"] = str(v)
	}
	if _, v, ok := first("ansible_port", "ansible_ssh_port"); ok {
		s["port"] = str(v)
	}
	if _, v, ok := first("ansible_user", "ansible_ssh_user"); ok {
		s["user"] = str(v)
	}
	if _, v, ok := first("ansible_ssh_private_key_file", "ansible_private_key_file"); ok {
		s["priv"] = str(v)
	}
	if _, v, ok := first("ansible_ssh_timeout", "ansible_timeout"); ok {
		s["timeout"] = str(v)
	}
	_, pw, hasPW := first("ansible_password", "ansible_ssh_pass", "ansible_ssh_password")
	bk, bpw, hasBPW := first("ansible_become_password", "ansible_become_pass", "ansible_sudo_pass", "ansible_sudo_password")
	switch {
	case hasPW:
		s["passwd"] = str(pw)
		if hasBPW && str(bpw) != str(pw) {
			notes = append(notes, bk+" differs from the SSH password: brine uses one password for SSH and sudo (the SSH one)")
		}
	case hasBPW:
		s["passwd"] = str(bpw)
	}
	if k, v, ok := first("ansible_become", "ansible_sudo"); ok {
		b, err := ansibleBool(v)
		if err != nil {
			return nil, nil, fmt.Errorf("%s=%v: %w", k, v, err)
		}
		s["sudo"] = b
	}
	if _, v, ok := first("ansible_become_user", "ansible_sudo_user"); ok {
		s["sudo_user"] = str(v)
	}
	if _, v, ok := first("ansible_become_method"); ok && str(v) != "sudo" {
		notes = append(notes, fmt.Sprintf("ansible_become_method=%v: brine becomes another user with sudo only", v))
	}
	if _, v, ok := first("ansible_connection"); ok {
		switch str(v) {
		case "ssh", "smart", "paramiko", "paramiko_ssh":
		default:
			notes = append(notes, fmt.Sprintf("ansible_connection=%v: brine connects over SSH all the same", v))
		}
	}
	var opts []string
	for _, k := range []string{"ansible_ssh_common_args", "ansible_ssh_extra_args"} {
		if v, ok := vars[k]; ok && v != nil {
			o, ignored, err := sshArgs(str(v))
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", k, err)
			}
			opts = append(opts, o...)
			for _, a := range ignored {
				notes = append(notes, fmt.Sprintf("%s: ssh argument %s ignored (brine reads -o, -J, -p, -l, -i)", k, a))
			}
		}
	}
	if len(opts) > 0 {
		s["ssh_options"] = opts
	}
	return s, notes, nil
}

// ansibleBool is Ansible's boolean(): yes/no, on/off, true/false, 1/0.
func ansibleBool(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case int:
		if t == 0 || t == 1 {
			return t == 1, nil
		}
	}
	switch strings.ToLower(fmt.Sprint(v)) {
	case "yes", "on", "1", "true", "y", "t":
		return true, nil
	case "no", "off", "0", "false", "n", "f", "":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean (yes/no, true/false)")
}

// sshArgs reads ssh(1) command-line arguments into roster ssh_options:
// -o Key=Value, -J jump, -p port, -l user, -i key; the others are returned
// as ignored. They are split as Ansible's ssh connection plugin splits
// them: shlex.split, without comments.
func sshArgs(s string) (opts, ignored []string, err error) {
	words, err := shlex.Split(s)
	if err != nil {
		return nil, nil, err
	}
	names := map[byte]string{'o': "", 'J': "ProxyJump=", 'p': "Port=", 'l': "User=", 'i': "IdentityFile="}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if len(w) < 2 || w[0] != '-' {
			ignored = append(ignored, w)
			continue
		}
		prefix, ok := names[w[1]]
		if !ok {
			ignored = append(ignored, w)
			continue
		}
		val := w[2:]
		if val == "" {
			if i+1 >= len(words) {
				return nil, nil, fmt.Errorf("%s needs a value", w)
			}
			i++
			val = words[i]
		}
		opts = append(opts, prefix+val)
	}
	return opts, ignored, nil
}
