package roster

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"brine/provision/lib/shlex"

	"gopkg.in/yaml.v3"
)

// The INI format as Ansible's ini inventory plugin reads it
// (lib/ansible/plugins/inventory/ini.py).
var (
	iniSection   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	iniGroupName = regexp.MustCompile(`^([^:\]\s]+)\s*(?:[#;].*)?$`)
	hostPort     = regexp.MustCompile(`^((?:[^:\[\]]|\[[^\]]*\])*):(\d+)$`)
	v6HostPort   = regexp.MustCompile(`^\[([^\]]*:[^\]]*)\]:(\d+)$`)
)

// parseINI reads an INI inventory: [group] sections of host lines
// ("web[01:03].example.com:2222 ansible_user=deploy"), [group:vars] of
// key=value lines and [group:children] of group names; host lines before
// any section are "ungrouped". A group named in :vars or :children must be
// declared by a [group] or [group:children] section somewhere, as Ansible
// requires.
func (inv *inventory) parseINI(data []byte) error {
	group, state := "ungrouped", "hosts"
	declared := map[string]bool{"all": true, "ungrouped": true}
	type use struct {
		line         int
		what, parent string
	}
	uses := map[string]use{}
	for i, raw := range strings.Split(string(data), "\n") {
		line := i + 1
		l := strings.TrimSpace(raw)
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		if m := iniSection.FindStringSubmatch(l); m != nil {
			group, state = m[1], m[2]
			if state == "" {
				state = "hosts"
			}
			if state != "hosts" && state != "children" && state != "vars" {
				return fmt.Errorf("roster %s:%d: section [%s:%s] has an unknown type (hosts, children or vars)", inv.file, line, group, state)
			}
			inv.group(group, line)
			if state != "vars" {
				declared[group] = true
			} else if _, ok := uses[group]; !ok {
				uses[group] = use{line, "vars", ""}
			}
			continue
		}
		if strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]") {
			return fmt.Errorf("roster %s:%d: invalid section %s: no spaces or other characters allowed in a group name", inv.file, line, l)
		}
		switch state {
		case "hosts":
			if err := inv.iniHost(group, l, line); err != nil {
				return err
			}
		case "vars":
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				return fmt.Errorf("roster %s:%d: expected key=value, got %q", inv.file, line, l)
			}
			inv.group(group, line).vars[strings.TrimSpace(k)] = iniValue(stripComment(strings.TrimSpace(v)))
		case "children":
			m := iniGroupName.FindStringSubmatch(l)
			if m == nil {
				return fmt.Errorf("roster %s:%d: expected a group name, got %q", inv.file, line, l)
			}
			if _, ok := uses[m[1]]; !ok {
				uses[m[1]] = use{line, "children", group}
			}
			if err := inv.addChild(group, m[1], line); err != nil {
				return err
			}
		}
	}
	var undeclared []string
	for g := range uses {
		if !declared[g] {
			undeclared = append(undeclared, g)
		}
	}
	sort.Slice(undeclared, func(i, j int) bool { return uses[undeclared[i]].line < uses[undeclared[j]].line })
	if len(undeclared) > 0 {
		g := undeclared[0]
		u := uses[g]
		if u.what == "vars" {
			return fmt.Errorf("roster %s:%d: section [%s:vars] is not valid for undefined group %q", inv.file, u.line, g, g)
		}
		return fmt.Errorf("roster %s:%d: section [%s:children] includes undefined group %q", inv.file, u.line, u.parent, g)
	}
	return nil
}

// iniHost reads one host line of an INI [group] section.
func (inv *inventory) iniHost(group, l string, line int) error {
	words, err := shlex.SplitComments(l)
	if err != nil {
		return fmt.Errorf("roster %s:%d: host line %q: %w", inv.file, line, l, err)
	}
	if len(words) == 0 {
		return nil
	}
	names, port, err := expandHostPattern(words[0])
	if err != nil {
		return fmt.Errorf("roster %s:%d: %w", inv.file, line, err)
	}
	vars := map[string]any{}
	if port != "" {
		vars["ansible_port"] = port
	}
	for _, w := range words[1:] {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return fmt.Errorf("roster %s:%d: expected key=value host variable assignment, got %q", inv.file, line, w)
		}
		vars[k] = iniValue(v)
	}
	for _, n := range names {
		inv.addHost(group, n, line, vars)
	}
	return nil
}

// stripComment drops a " # comment" after an unquoted :vars value.
func stripComment(v string) string {
	if strings.HasPrefix(v, `"`) || strings.HasPrefix(v, `'`) {
		return v
	}
	if i := strings.Index(v, " #"); i >= 0 {
		return strings.TrimSpace(v[:i])
	}
	return v
}

// iniValue reads a value as Ansible's ast.literal_eval does for the
// literals an inventory holds: quoted strings, True/False/None, numbers,
// [lists] and {dicts}; anything else is a string.
func iniValue(v string) any {
	if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	switch v {
	case "True":
		return true
	case "False":
		return false
	case "None":
		return nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && strings.ContainsAny(v, ".eE") {
		return f
	}
	if strings.HasPrefix(v, "[") || strings.HasPrefix(v, "{") {
		var out any
		if yaml.Unmarshal([]byte(v), &out) == nil {
			return out
		}
	}
	return v
}

// expandHostPattern reads an inventory host pattern: an optional :port
// ([v6addr]:port for IPv6) and ranges such as web[01:10] or db-[a:f].
func expandHostPattern(p string) ([]string, string, error) {
	host, port := p, ""
	if m := v6HostPort.FindStringSubmatch(p); m != nil {
		host, port = m[1], m[2]
	} else if m := hostPort.FindStringSubmatch(p); m != nil {
		host, port = m[1], m[2]
	} else if strings.HasSuffix(p, ":") {
		return nil, "", fmt.Errorf("invalid host pattern %q: a trailing ':' is reserved for a port", p)
	}
	if host == "---" {
		return nil, "", fmt.Errorf("invalid host pattern '---': this looks like a YAML file (name it .yml)")
	}
	names, err := expandRange(host)
	return names, port, err
}

// expandRange expands Ansible host ranges, as expand_hostname_range does:
// [01:10] keeps the width of a zero-padded start, [a:f] runs over letters,
// [1:10:2] has a step; several ranges multiply.
func expandRange(p string) ([]string, error) {
	i := strings.IndexByte(p, '[')
	if i < 0 {
		return []string{p}, nil
	}
	j := strings.IndexByte(p[i:], ']')
	if j < 0 {
		return nil, fmt.Errorf("host pattern %q: '[' without ']'", p)
	}
	head, spec, tail := p[:i], p[i+1:i+j], p[i+j+1:]
	bounds := strings.Split(spec, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return nil, fmt.Errorf("host pattern %q: a range is [begin:end] or [begin:end:step]", p)
	}
	beg, end, step := bounds[0], bounds[1], 1
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return nil, fmt.Errorf("host pattern %q: the range needs an end", p)
	}
	if len(bounds) == 3 {
		s, err := strconv.Atoi(bounds[2])
		if err != nil || s <= 0 {
			return nil, fmt.Errorf("host pattern %q: the step must be a positive number", p)
		}
		step = s
	}
	var seq []string
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	bi, ei := strings.Index(letters, beg), strings.Index(letters, end)
	if len(beg) == 1 && len(end) == 1 && bi >= 0 && ei >= 0 {
		if bi > ei {
			return nil, fmt.Errorf("host pattern %q: the range must have begin <= end", p)
		}
		for k := bi; k <= ei; k += step {
			seq = append(seq, letters[k:k+1])
		}
	} else {
		b, err1 := strconv.Atoi(beg)
		e, err2 := strconv.Atoi(end)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("host pattern %q: a range runs over numbers or single letters", p)
		}
		width := 0
		if len(beg) > 1 && beg[0] == '0' {
			if len(beg) != len(end) {
				return nil, fmt.Errorf("host pattern %q: a zero-padded range needs begin and end of equal length", p)
			}
			width = len(beg)
		}
		if e-b > 1<<20 {
			return nil, fmt.Errorf("host pattern %q: the range is too large", p)
		}
		for k := b; k <= e; k += step {
			seq = append(seq, fmt.Sprintf("%0*d", width, k))
		}
	}
	var out []string
	for _, s := range seq {
		more, err := expandRange(head + s + tail)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// parseYAML reads a YAML inventory (groups with hosts, vars and children,
// top-level keys being groups, usually "all") or the JSON of a dynamic
// inventory script (groups as host lists or {hosts, vars, children}, and
// _meta.hostvars).
func (inv *inventory) parseYAML(data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("roster %s: %w", inv.file, err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	top := deref(doc.Content[0])
	if top.Kind != yaml.MappingNode {
		return fmt.Errorf("roster %s:%d: an Ansible YAML inventory is a map of group names (all: {hosts: ..., children: ...})", inv.file, top.Line)
	}
	pairs, err := mappingPairs(top)
	if err != nil {
		return fmt.Errorf("roster %s: %w", inv.file, err)
	}
	var meta *yaml.Node
	for _, kv := range pairs {
		if kv[0].Value == "_meta" {
			meta = deref(kv[1])
			continue
		}
		if err := inv.yamlGroup(kv[0].Value, kv[0].Line, kv[1]); err != nil {
			return err
		}
	}
	if meta == nil {
		return nil
	}
	var m struct {
		Hostvars map[string]map[string]any `yaml:"hostvars"`
	}
	if err := meta.Decode(&m); err != nil {
		return fmt.Errorf("roster %s:%d: _meta: %w", inv.file, meta.Line, err)
	}
	names := make([]string, 0, len(m.Hostvars))
	for h := range m.Hostvars {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		if _, ok := inv.hosts[h]; !ok {
			inv.warnings = append(inv.warnings, fmt.Sprintf("roster %s: _meta.hostvars has host %q, which is in no group: ignored", inv.file, h))
			continue
		}
		inv.addHost("all", h, 0, m.Hostvars[h])
	}
	return nil
}

// yamlGroup reads one group's definition.
func (inv *inventory) yamlGroup(name string, line int, v *yaml.Node) error {
	inv.group(name, line)
	v = deref(v)
	switch {
	case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
		return nil
	case v.Kind == yaml.SequenceNode:
		return inv.yamlHostList(name, v)
	case v.Kind != yaml.MappingNode:
		return fmt.Errorf("roster %s:%d: group %q: want a map of hosts, vars and children", inv.file, v.Line, name)
	}
	pairs, err := mappingPairs(v)
	if err != nil {
		return fmt.Errorf("roster %s: group %q: %w", inv.file, name, err)
	}
	for _, kv := range pairs {
		key, val := kv[0].Value, deref(kv[1])
		if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
			continue
		}
		switch key {
		case "hosts":
			if err := inv.yamlHosts(name, val); err != nil {
				return err
			}
		case "vars":
			var vars map[string]any
			if err := val.Decode(&vars); err != nil {
				return fmt.Errorf("roster %s:%d: group %q: vars must be a map", inv.file, val.Line, name)
			}
			for k, x := range vars {
				inv.groups[name].vars[k] = x
			}
		case "children":
			if err := inv.yamlChildren(name, val); err != nil {
				return err
			}
		default:
			inv.warnings = append(inv.warnings, fmt.Sprintf("roster %s:%d: group %q: unexpected key %q skipped (only hosts, vars and children are valid)", inv.file, kv[0].Line, name, key))
		}
	}
	return nil
}

func (inv *inventory) yamlHosts(group string, v *yaml.Node) error {
	if v.Kind == yaml.SequenceNode {
		return inv.yamlHostList(group, v)
	}
	if v.Kind != yaml.MappingNode {
		return fmt.Errorf("roster %s:%d: group %q: hosts must be a map of host names", inv.file, v.Line, group)
	}
	pairs, err := mappingPairs(v)
	if err != nil {
		return fmt.Errorf("roster %s: group %q: %w", inv.file, group, err)
	}
	for _, kv := range pairs {
		names, port, err := expandHostPattern(kv[0].Value)
		if err != nil {
			return fmt.Errorf("roster %s:%d: %w", inv.file, kv[0].Line, err)
		}
		vars := map[string]any{}
		if hv := deref(kv[1]); !(hv.Kind == yaml.ScalarNode && hv.Tag == "!!null") {
			if err := hv.Decode(&vars); err != nil {
				return fmt.Errorf("roster %s:%d: host %q: its variables must be a map", inv.file, hv.Line, kv[0].Value)
			}
		}
		if _, set := vars["ansible_port"]; port != "" && !set {
			vars["ansible_port"] = port
		}
		for _, n := range names {
			inv.addHost(group, n, kv[0].Line, vars)
		}
	}
	return nil
}

// yamlHostList reads a script's list of host names.
func (inv *inventory) yamlHostList(group string, v *yaml.Node) error {
	for _, e := range v.Content {
		e = deref(e)
		if e.Kind != yaml.ScalarNode {
			return fmt.Errorf("roster %s:%d: group %q: a host list holds host names", inv.file, e.Line, group)
		}
		inv.addHost(group, e.Value, e.Line, nil)
	}
	return nil
}

func (inv *inventory) yamlChildren(group string, v *yaml.Node) error {
	switch v.Kind {
	case yaml.SequenceNode:
		for _, e := range v.Content {
			e = deref(e)
			if err := inv.addChild(group, e.Value, e.Line); err != nil {
				return err
			}
		}
		return nil
	case yaml.MappingNode:
		pairs, err := mappingPairs(v)
		if err != nil {
			return fmt.Errorf("roster %s: group %q: %w", inv.file, group, err)
		}
		for _, kv := range pairs {
			if err := inv.addChild(group, kv[0].Value, kv[0].Line); err != nil {
				return err
			}
			if err := inv.yamlGroup(kv[0].Value, kv[0].Line, kv[1]); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("roster %s:%d: group %q: children must be a map of groups", inv.file, v.Line, group)
}
