package connect

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/kevinburke/ssh_config"
)

// SSHConfig answers OpenSSH client config lookups (~/.ssh/config) for the
// settings brine honours: HostName, Port, User, IdentityFile, ProxyJump.
// github.com/kevinburke/ssh_config does the parsing and Host/Match matching.
type SSHConfig struct {
	cfg *ssh_config.Config
}

// LoadSSHConfig reads path; a missing file gives an empty config.
func LoadSSHConfig(path string) (*SSHConfig, error) {
	f, err := os.Open(ExpandHome(path))
	if os.IsNotExist(err) {
		return &SSHConfig{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, err := ssh_config.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("ssh config %s: %w", path, err)
	}
	return &SSHConfig{cfg: cfg}, nil
}

// Get returns the value of key for host alias ("" when unset).
func (s *SSHConfig) Get(alias, key string) string {
	if s == nil || s.cfg == nil {
		return ""
	}
	v, err := s.cfg.Get(alias, key)
	if err != nil {
		return ""
	}
	return v
}

// Options are settings parsed from OpenSSH-style "Key=Value" options
// (roster ssh_options).
type Options struct {
	HostName, User, IdentityFile, ProxyJump, KnownHostsFile string
	Port                                                    int
	Policy                                                  HostKeyPolicy
	Timeout                                                 float64
	// ServerAliveInterval (seconds; 0 turns keepalives off when Set) and
	// ServerAliveCountMax, as in ssh_config(5).
	ServerAliveInterval    float64
	ServerAliveIntervalSet bool
	ServerAliveCountMax    int
	// Unknown lists options brine does not understand.
	Unknown []string
}

// ParseOptions reads "Key=Value" or "Key Value" options, case-insensitive.
func ParseOptions(opts []string) (Options, error) {
	var o Options
	for _, raw := range opts {
		s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(raw), "-o"))
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			k, v, ok = strings.Cut(s, " ")
		}
		if !ok {
			return o, fmt.Errorf("ssh option %q: want Key=Value", raw)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "hostname":
			o.HostName = v
		case "user":
			o.User = v
		case "identityfile":
			o.IdentityFile = v
		case "proxyjump":
			o.ProxyJump = v
		case "userknownhostsfile":
			o.KnownHostsFile = v
		case "port":
			p, err := strconv.Atoi(v)
			if err != nil {
				return o, fmt.Errorf("ssh option %q: port must be a number", raw)
			}
			o.Port = p
		case "stricthostkeychecking":
			p, err := ParsePolicy(strings.ToLower(v))
			if err != nil {
				return o, fmt.Errorf("ssh option %q: %w", raw, err)
			}
			o.Policy = p
		case "serveraliveinterval":
			t, err := strconv.ParseFloat(v, 64)
			if err != nil || t < 0 {
				return o, fmt.Errorf("ssh option %q: seconds expected", raw)
			}
			o.ServerAliveInterval, o.ServerAliveIntervalSet = t, true
		case "serveralivecountmax":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return o, fmt.Errorf("ssh option %q: a count of 1 or more expected", raw)
			}
			o.ServerAliveCountMax = n
		case "connecttimeout":
			t, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return o, fmt.Errorf("ssh option %q: seconds expected", raw)
			}
			o.Timeout = t
		default:
			o.Unknown = append(o.Unknown, raw)
		}
	}
	return o, nil
}

// KnownHostsSet hands out one KnownHosts per (file, policy) pair, so hosts
// with their own ssh_options share checkers safely.
type KnownHostsSet struct {
	mu  sync.Mutex
	set map[string]*KnownHosts
}

// Get returns the checker for file under policy, opening it on first use.
func (s *KnownHostsSet) Get(file string, policy HostKeyPolicy) (*KnownHosts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set == nil {
		s.set = map[string]*KnownHosts{}
	}
	key := string(policy) + "\x00" + file
	if k, ok := s.set[key]; ok {
		return k, nil
	}
	k, err := NewKnownHosts(file, policy)
	if err != nil {
		return nil, err
	}
	s.set[key] = k
	return k, nil
}
