// Package roster reads salt-ssh's flat roster format: a YAML map of host ids
// to connection settings (or to a bare host string), with roster defaults
// beneath every entry.
package roster

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Host is one roster entry after defaults are applied.
type Host struct {
	// ID is the roster key, the minion id Salt would use.
	ID   string
	Host string
	Port int
	User string
	// Passwd is the SSH password; with Sudo it is also the sudo password,
	// as in salt-ssh.
	Passwd string
	// Priv is the private key file; PrivPasswd its passphrase.
	Priv       string
	PrivPasswd string
	Sudo       bool
	SudoUser   string
	// Timeout bounds the connect (0 = the caller's default).
	Timeout time.Duration
	// SSHOptions are OpenSSH-style "Key=Value" options.
	SSHOptions []string
	// Grains are roster grains; they override collected grains.
	Grains map[string]any
	// ThinDir is where the executor is cached on the target ("" = default).
	ThinDir string
	// Line is the line of the entry in the roster file, for messages.
	Line int
}

// Roster is the parsed roster, in file order.
type Roster struct {
	// File is the path the roster was read from.
	File  string
	Hosts []*Host
	// Warnings are non-fatal findings (unknown keys), each naming the host.
	Warnings []string
}

// IDs returns the host ids in roster order.
func (r *Roster) IDs() []string {
	ids := make([]string, len(r.Hosts))
	for i, h := range r.Hosts {
		ids[i] = h.ID
	}
	return ids
}

// Get returns the host with the given id.
func (r *Roster) Get(id string) (*Host, bool) {
	for _, h := range r.Hosts {
		if h.ID == id {
			return h, true
		}
	}
	return nil, false
}

// Load reads a roster file. defaults (may be nil) is the roster_defaults map
// from the configuration file, applied beneath every host.
func Load(path string, defaults map[string]any) (*Roster, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("roster %s: %w (pass --roster-file or create ./roster.yaml)", path, err)
	}
	return Parse(path, data, defaults)
}

// Parse parses roster data; path is used in messages only.
func Parse(path string, data []byte, defaults map[string]any) (*Roster, error) {
	r := &Roster{File: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("roster %s: %w", path, err)
	}
	if len(doc.Content) == 0 || (len(bytes.TrimSpace(data)) == 0) {
		return r, nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("roster %s:%d: the roster must be a map of host ids to settings", path, top.Line)
	}
	var def entry
	if defaults != nil {
		n := &yaml.Node{}
		if err := n.Encode(defaults); err != nil {
			return nil, fmt.Errorf("roster_defaults: %w", err)
		}
		if err := def.decode(n, "roster_defaults", path, &r.Warnings); err != nil {
			return nil, err
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		id := k.Value
		if prev, dup := seen[id]; dup {
			return nil, fmt.Errorf("roster %s:%d: host %q is defined twice (first at line %d)", path, k.Line, id, prev)
		}
		seen[id] = k.Line
		e := def.clone()
		switch v.Kind {
		case yaml.ScalarNode:
			if v.Tag == "!!null" || v.Value == "" {
				return nil, fmt.Errorf("roster %s:%d: host %q has no settings: give it a host address", path, k.Line, id)
			}
			e.Host = v.Value
		case yaml.MappingNode:
			if err := e.decode(v, id, path, &r.Warnings); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("roster %s:%d: host %q: expected a map of settings or a host string", path, k.Line, id)
		}
		h, err := e.host(id, path, k.Line)
		if err != nil {
			return nil, err
		}
		r.Hosts = append(r.Hosts, h)
	}
	return r, nil
}

// entry is a roster entry under construction; nil pointers mean "not set".
type entry struct {
	Host, User, Passwd, Priv, PrivPasswd, SudoUser, ThinDir string
	Port                                                    int
	Sudo                                                    bool
	Timeout                                                 time.Duration
	SSHOptions                                              []string
	Grains                                                  map[string]any
}

func (e entry) clone() entry {
	c := e
	c.SSHOptions = append([]string(nil), e.SSHOptions...)
	if e.Grains != nil {
		c.Grains = make(map[string]any, len(e.Grains))
		for k, v := range e.Grains {
			c.Grains[k] = v
		}
	}
	return c
}

// isIgnored reports salt-ssh roster keys brine accepts without using them
// (no warning for those).
func isIgnored(k string) bool {
	switch k {
	case "tty", "minion_opts", "set_path", "cmd_umask", "identities_only", "ssh_pre_flight", "ssh_pre_flight_args":
		return true
	}
	return false
}

func (e *entry) decode(n *yaml.Node, id, path string, warn *[]string) error {
	where := func(v *yaml.Node, key string) string {
		return fmt.Sprintf("roster %s:%d: host %q: %s", path, v.Line, id, key)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if v.Tag == "!!null" {
			continue
		}
		str := func() (string, error) {
			if v.Kind != yaml.ScalarNode {
				return "", fmt.Errorf("%s must be a string", where(v, key))
			}
			return v.Value, nil
		}
		var err error
		switch key {
		case "host":
			e.Host, err = str()
		case "user":
			e.User, err = str()
		case "passwd":
			e.Passwd, err = str()
		case "priv":
			e.Priv, err = str()
		case "priv_passwd":
			e.PrivPasswd, err = str()
		case "sudo_user":
			e.SudoUser, err = str()
		case "thin_dir":
			e.ThinDir, err = str()
		case "port":
			var p int
			p, err = strconv.Atoi(v.Value)
			if err != nil || p <= 0 || p > 65535 {
				return fmt.Errorf("%s must be a number from 1 to 65535, not %q", where(v, key), v.Value)
			}
			e.Port = p
		case "sudo":
			var b bool
			if err = v.Decode(&b); err != nil {
				return fmt.Errorf("%s must be True or False, not %q", where(v, key), v.Value)
			}
			e.Sudo = b
		case "timeout":
			f, perr := strconv.ParseFloat(v.Value, 64)
			if perr != nil || f < 0 {
				return fmt.Errorf("%s must be a number of seconds, not %q", where(v, key), v.Value)
			}
			e.Timeout = time.Duration(f * float64(time.Second))
		case "ssh_options":
			var opts []string
			if v.Kind == yaml.ScalarNode {
				opts = []string{v.Value}
			} else if err = v.Decode(&opts); err != nil {
				return fmt.Errorf("%s must be a list of Option=value strings", where(v, key))
			}
			e.SSHOptions = append(e.SSHOptions, opts...)
		case "grains":
			var g map[string]any
			if err = v.Decode(&g); err != nil {
				return fmt.Errorf("%s must be a map", where(v, key))
			}
			if e.Grains == nil {
				e.Grains = map[string]any{}
			}
			for gk, gv := range g {
				e.Grains[gk] = gv
			}
		default:
			if !isIgnored(key) {
				*warn = append(*warn, fmt.Sprintf("roster %s:%d: host %q: unknown key %q ignored (known keys: %s)", path, k.Line, id, key, strings.Join(sortedKnown(), ", ")))
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// sortedKnown lists the keys brine understands, for the unknown-key warning.
func sortedKnown() []string {
	s := []string{"host", "port", "user", "passwd", "priv", "priv_passwd", "sudo", "sudo_user", "timeout", "ssh_options", "grains", "thin_dir"}
	sort.Strings(s)
	return s
}

func (e entry) host(id, path string, line int) (*Host, error) {
	h := &Host{
		ID: id, Host: e.Host, Port: e.Port, User: e.User, Passwd: e.Passwd, Priv: e.Priv,
		PrivPasswd: e.PrivPasswd, Sudo: e.Sudo, SudoUser: e.SudoUser, Timeout: e.Timeout,
		SSHOptions: e.SSHOptions, Grains: e.Grains, ThinDir: e.ThinDir, Line: line,
	}
	if h.Host == "" {
		// salt-ssh uses the id as the address when host is missing.
		h.Host = id
	}
	if strings.ContainsAny(h.Host, " \t/") {
		return nil, fmt.Errorf("roster %s:%d: host %q: %q is not a host name or address", path, line, id, h.Host)
	}
	return h, nil
}
