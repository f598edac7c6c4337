// Package roster reads the hosts brine can reach: salt-ssh's flat roster (a
// YAML map of host ids to connection settings or to a bare host string), an
// Ansible inventory, an OpenSSH config's Host entries, or what an
// executable roster file prints; roster defaults go beneath every entry and
// every value is checked before it can reach a host.
package roster

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"brine/provision/lib/shlex"
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
	// PreFlight is a local script salt-ssh's ssh_pre_flight names: run on
	// the host (with PreFlightArgs) before anything else when its thin dir
	// does not exist yet, or always with --pre-flight.
	PreFlight     string
	PreFlightArgs []string
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
	// Groups are named groups of host ids the source defines (Ansible's
	// groups, "all" and "ungrouped" included), in roster order; brine
	// offers them as nodegroups.
	Groups map[string][]string
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

// builder adds hosts to a roster, each on top of the defaults, checking
// every value and refusing an id given twice.
type builder struct {
	r    *Roster
	def  entry
	seen map[string]int
}

func newBuilder(file string, defaults map[string]any) (*builder, error) {
	b := &builder{r: &Roster{File: file}, seen: map[string]int{}}
	if defaults != nil {
		n := &yaml.Node{}
		if err := n.Encode(defaults); err != nil {
			return nil, fmt.Errorf("roster_defaults: %w", err)
		}
		if err := b.def.decode(n, "roster_defaults", "", &b.r.Warnings); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// add adds host id, declared in file at line, from v: a map of settings or
// a bare host address.
func (b *builder) add(file, id string, line int, v *yaml.Node) error {
	if err := checkText("id", id); err != nil || id == "" {
		return fmt.Errorf("roster %s:%d: host %q is not a usable host id (empty, or holds a control character)", file, line, id)
	}
	if prev, dup := b.seen[id]; dup {
		return fmt.Errorf("roster %s:%d: host %q is defined twice (first at line %d)", file, line, id, prev)
	}
	b.seen[id] = line
	e := b.def.clone()
	v = deref(v)
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" || v.Value == "" {
			return fmt.Errorf("roster %s:%d: host %q has no settings: give it a host address", file, line, id)
		}
		e.Host = v.Value
	case yaml.MappingNode:
		if err := e.decode(v, id, file, &b.r.Warnings); err != nil {
			return err
		}
	default:
		return fmt.Errorf("roster %s:%d: host %q: expected a map of settings or a host string", file, line, id)
	}
	h, err := e.host(id, file, line)
	if err != nil {
		return err
	}
	b.r.Hosts = append(b.r.Hosts, h)
	return nil
}

// addMap adds host id from settings in flat-roster keys (what the other
// sources produce); messages name file and line.
func (b *builder) addMap(file, id string, line int, settings map[string]any) error {
	n := &yaml.Node{}
	if err := n.Encode(settings); err != nil {
		return fmt.Errorf("roster %s:%d: host %q: %w", file, line, id, err)
	}
	setLine(n, line)
	return b.add(file, id, line, n)
}

func setLine(n *yaml.Node, line int) {
	n.Line = line
	for _, c := range n.Content {
		setLine(c, line)
	}
}

// deref follows YAML aliases (*name) to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// mappingPairs lists a mapping's key/value pairs with YAML merge keys
// (<<: *base, or a list of them) resolved as YAML 1.1 says: the mapping's
// own keys win, then the merged maps in the order given. A key the mapping
// itself gives twice is left for the caller to refuse.
func mappingPairs(n *yaml.Node) ([][2]*yaml.Node, error) {
	n = deref(n)
	var own, merged [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag != "!!merge" {
			own = append(own, [2]*yaml.Node{k, v})
			continue
		}
		v = deref(v)
		srcs := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			srcs = v.Content
		}
		for _, src := range srcs {
			if src = deref(src); src.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("line %d: << must merge a map or a list of maps", k.Line)
			}
			p, err := mappingPairs(src)
			if err != nil {
				return nil, err
			}
			merged = append(merged, p...)
		}
	}
	seen := map[string]bool{}
	for _, p := range own {
		seen[p[0].Value] = true
	}
	for _, p := range merged {
		if !seen[p[0].Value] {
			seen[p[0].Value] = true
			own = append(own, p)
		}
	}
	return own, nil
}

// entry is a roster entry under construction; nil pointers mean "not set".
type entry struct {
	Host, User, Passwd, Priv, PrivPasswd, SudoUser, ThinDir, PreFlight string
	PreFlightArgs                                                      []string
	Port                                                               int
	Sudo                                                               bool
	Timeout                                                            time.Duration
	SSHOptions                                                         []string
	Grains                                                             map[string]any
}

func (e entry) clone() entry {
	c := e
	c.SSHOptions = append([]string(nil), e.SSHOptions...)
	c.PreFlightArgs = append([]string(nil), e.PreFlightArgs...)
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
	case "tty", "minion_opts", "set_path", "cmd_umask", "identities_only":
		return true
	}
	return false
}

func (e *entry) decode(n *yaml.Node, id, path string, warn *[]string) error {
	where := func(v *yaml.Node, key string) string {
		if path == "" {
			return fmt.Sprintf("%s: %s", id, key)
		}
		return fmt.Sprintf("roster %s:%d: host %q: %s", path, v.Line, id, key)
	}
	pairs, err := mappingPairs(n)
	if err != nil {
		return fmt.Errorf("roster %s: host %q: %w", path, id, err)
	}
	given := map[string]int{}
	for _, kv := range pairs {
		k, v := kv[0], deref(kv[1])
		key := k.Value
		if prev, dup := given[key]; dup && path != "" {
			return fmt.Errorf("roster %s:%d: host %q: %s is given twice (first at line %d)", path, k.Line, id, key, prev)
		}
		given[key] = k.Line
		if v.Tag == "!!null" {
			continue
		}
		str := func() (string, error) {
			if v.Kind != yaml.ScalarNode {
				return "", fmt.Errorf("%s must be a string", where(v, key))
			}
			return v.Value, nil
		}
		// text is a value that reaches the target's shell or sshd: it
		// must not hold control characters.
		text := func() (string, error) {
			s, err := str()
			if err == nil {
				if cerr := checkText(key, s); cerr != nil {
					err = fmt.Errorf("%s: %w", where(v, key), cerr)
				}
			}
			return s, err
		}
		var err error
		switch key {
		case "host":
			e.Host, err = text()
		case "user":
			e.User, err = text()
		case "passwd":
			e.Passwd, err = str()
		case "priv":
			e.Priv, err = str()
		case "priv_passwd":
			e.PrivPasswd, err = str()
		case "sudo_user":
			e.SudoUser, err = text()
		case "thin_dir":
			if e.ThinDir, err = text(); err == nil {
				if terr := checkThinDir(e.ThinDir); terr != nil {
					err = fmt.Errorf("%s: %w", where(v, key), terr)
				}
			}
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
		case "ssh_pre_flight":
			e.PreFlight, err = str()
		case "ssh_pre_flight_args":
			// A string is split as a shell would (salt-ssh's shlex.split);
			// a list is taken as it is.
			if v.Kind == yaml.ScalarNode {
				e.PreFlightArgs, err = shlex.Split(v.Value)
				if err != nil {
					err = fmt.Errorf("%s: %v", where(v, key), err)
				}
			} else if err = v.Decode(&e.PreFlightArgs); err != nil {
				return fmt.Errorf("%s must be a string or a list of strings", where(v, key))
			}
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
				*warn = append(*warn, fmt.Sprintf("%s %q ignored (known keys: %s)", where(k, "unknown key"), key, strings.Join(sortedKnown(), ", ")))
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
	s := []string{"host", "port", "user", "passwd", "priv", "priv_passwd", "sudo", "sudo_user", "timeout", "ssh_options", "grains", "thin_dir", "ssh_pre_flight", "ssh_pre_flight_args"}
	sort.Strings(s)
	return s
}

func (e entry) host(id, path string, line int) (*Host, error) {
	h := &Host{
		ID: id, Host: e.Host, Port: e.Port, User: e.User, Passwd: e.Passwd, Priv: e.Priv,
		PrivPasswd: e.PrivPasswd, Sudo: e.Sudo, SudoUser: e.SudoUser, Timeout: e.Timeout,
		SSHOptions: e.SSHOptions, Grains: e.Grains, ThinDir: e.ThinDir, Line: line,
		PreFlight: e.PreFlight, PreFlightArgs: e.PreFlightArgs,
	}
	if h.Host == "" {
		// salt-ssh uses the id as the address when host is missing.
		h.Host = id
	}
	if strings.ContainsAny(h.Host, " \t/") || checkText("host", h.Host) != nil {
		return nil, fmt.Errorf("roster %s:%d: host %q: %q is not a host name or address", path, line, id, h.Host)
	}
	return h, nil
}

// checkText refuses a value with a control character (NUL, newline, tab,
// escape...): such a value can never be safe in a remote command line.
func checkText(key, s string) error {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%s %q holds a control character: not allowed", key, s)
		}
	}
	return nil
}

// checkThinDir refuses a thin_dir that is not an absolute path of its own:
// brine creates, checks and cleans it on the target.
func checkThinDir(dir string) error {
	if !path.IsAbs(dir) {
		return fmt.Errorf("thin_dir %q must be an absolute path, e.g. /var/tmp/.brine_deploy", dir)
	}
	if path.Clean(dir) == "/" {
		return fmt.Errorf("thin_dir %q is the root directory: give brine a directory of its own", dir)
	}
	return nil
}
