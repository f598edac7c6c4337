package connect

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"brine/inventory/roster"
)

// Defaults are the connection settings of the command line: what applies
// where a roster entry, its ssh_options and ~/.ssh/config say nothing.
type Defaults struct {
	// KnownHostsFile is the known_hosts file (default ~/.ssh/known_hosts),
	// checked under Policy.
	KnownHostsFile string
	Policy         HostKeyPolicy
	// SSHConfig is the OpenSSH client config read for HostName, Port,
	// User, IdentityFile, ProxyJump and keepalives (default ~/.ssh/config;
	// "none" reads none).
	SSHConfig string
	// Password is the SSH (and sudo) password; Askpass asks for it with
	// Prompt when it is empty.
	Password string
	Askpass  bool
	// Keys are private key files; Passphrase unlocks encrypted ones.
	Keys       []string
	Passphrase string
	// Agent offers the ssh-agent's keys.
	Agent bool
	// User is the login user (default root).
	User string
	// Timeout bounds each connect and handshake.
	Timeout time.Duration
	// Sudo and SudoUser run the executor through sudo.
	Sudo     bool
	SudoUser string
	// Keepalive is the keepalive interval; MaxHandshakes bounds the
	// handshakes in flight (see Dialer).
	Keepalive     time.Duration
	MaxHandshakes int
	// Own is brine's own key file, offered when it exists ("": none).
	Own string
	// Prompt asks the operator for a secret (a password, a key's
	// passphrase); it fails when there is no one to ask.
	Prompt func(msg string) (string, error)
	// Warn is told what is wrong with a host's settings (an unknown ssh
	// option); the host is still tried.
	Warn func(id, msg string)
	// SSHOptions are OpenSSH options for every host (--ssh-option), as
	// ssh -o: they win over the roster's ssh_options and the rest.
	SSHOptions []string
}

// Resolver turns roster hosts into connection settings. Precedence, most
// specific first: --ssh-option (Defaults.SSHOptions), the roster entry, its
// ssh_options, ~/.ssh/config for the host as typed, the other Defaults (the
// command line), then OpenSSH's defaults.
// Its methods are safe for concurrent use.
type Resolver struct {
	d          Defaults
	dialer     *Dialer
	knownHosts KnownHostsSet
	khFile     string
	sshCfg     *SSHConfig

	mu      sync.Mutex
	targets map[string]Target
}

// NewResolver reads the known_hosts file and the ssh config d names and
// asks for the password when d.Askpass says so. Its errors are the
// operator's to fix (a bad file, no terminal to ask on).
func NewResolver(d Defaults) (*Resolver, error) {
	if d.Warn == nil {
		d.Warn = func(string, string) {}
	}
	r := &Resolver{d: d, targets: map[string]Target{}}
	r.khFile = d.KnownHostsFile
	if r.khFile == "" {
		r.khFile = "~/.ssh/known_hosts"
	}
	r.khFile = ExpandHome(r.khFile)
	kh, err := r.knownHosts.Get(r.khFile, d.Policy)
	if err != nil {
		return nil, err
	}
	if p := d.SSHConfig; p != "none" {
		if p == "" {
			p = "~/.ssh/config"
		}
		if r.sshCfg, err = LoadSSHConfig(p); err != nil {
			return nil, err
		}
	}
	if d.Askpass && r.d.Password == "" {
		if d.Prompt == nil {
			return nil, fmt.Errorf("no terminal to ask for the password on")
		}
		if r.d.Password, err = d.Prompt("Password (SSH and sudo): "); err != nil {
			return nil, err
		}
	}
	r.dialer = &Dialer{KnownHosts: kh, Keyring: NewKeyring(d.Prompt), Keepalive: d.Keepalive, MaxHandshakes: d.MaxHandshakes}
	return r, nil
}

// Dialer is the one dialer of the run, for every host.
func (r *Resolver) Dialer() *Dialer { return r.dialer }

// Secrets are the password and passphrase the resolver holds (the one
// asked for included), for masking in output.
func (r *Resolver) Secrets() []string { return []string{r.d.Password, r.d.Passphrase} }

// Target returns h's connection settings, resolving them on first use
// (warnings are given once per host), and fills in h's effective user and
// sudo settings (the thin dir and sudo depend on them).
func (r *Resolver) Target(h *roster.Host) Target {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.targets[h.ID]
	if !ok {
		t = r.resolve(h)
		r.targets[h.ID] = t
	}
	return t
}

func (r *Resolver) warn(h *roster.Host, format string, a ...any) {
	r.d.Warn(h.ID, fmt.Sprintf(format, a...))
}

func (r *Resolver) resolve(h *roster.Host) Target {
	alias := h.Host
	t := Target{Host: h.Host, Port: h.Port, User: h.User, Timeout: h.Timeout}
	// As with ssh(1): the roster's host is what you would type, and a
	// matching Host block may name the real HostName (%h tokens are not
	// expanded: skip those).
	if hn := r.sshCfg.Get(alias, "HostName"); hn != "" && !strings.Contains(hn, "%") {
		t.Host = hn
	}
	if t.Port == 0 {
		fmt.Sscan(r.sshCfg.Get(alias, "Port"), &t.Port)
	}
	for _, u := range []string{r.sshCfg.Get(alias, "User"), r.d.User, "root"} {
		if t.User == "" {
			t.User = u
		}
	}
	t.ProxyJump = r.sshCfg.Get(alias, "ProxyJump")
	keys := r.d.Keys
	if h.Priv != "" {
		keys = []string{h.Priv}
	} else if len(keys) == 0 {
		if f := r.sshCfg.Get(alias, "IdentityFile"); f != "" && f != "~/.ssh/identity" {
			keys = []string{f}
		}
	}
	pass := r.d.Passphrase
	if h.PrivPasswd != "" {
		pass = h.PrivPasswd
	}
	pw := r.d.Password
	if h.Passwd != "" {
		pw = h.Passwd
	}
	t.Auth = Auth{Keys: keys, Passphrase: pass, Agent: r.d.Agent, Password: pw, Own: r.d.Own}
	// The effective password is also sudo's (salt-ssh's passwd).
	h.Passwd = pw
	if t.Timeout == 0 {
		t.Timeout = r.d.Timeout
	}
	// ~/.ssh/config's keepalive settings, beneath the roster's ssh_options.
	var kopts []string
	for _, k := range []string{"ServerAliveInterval", "ServerAliveCountMax"} {
		if v := r.sshCfg.Get(alias, k); v != "" {
			kopts = append(kopts, k+"="+v)
		}
	}
	if o, err := ParseOptions(kopts); err != nil {
		r.warn(h, "ssh config: %v", err)
	} else {
		applyKeepalive(o, &t)
	}
	r.applyOptions(h, h.SSHOptions, &t, false)
	r.applyOptions(h, r.d.SSHOptions, &t, true)
	h.User = t.User
	h.Sudo = h.Sudo || r.d.Sudo
	if r.d.SudoUser != "" {
		h.SudoUser = r.d.SudoUser
	}
	return t
}

// applyOptions applies ssh options: the roster's, which win over
// everything but the roster's own keys, then the command line's
// (cmdline), which win over everything.
func (r *Resolver) applyOptions(h *roster.Host, opts []string, t *Target, cmdline bool) {
	if len(opts) == 0 {
		return
	}
	o, err := ParseOptions(opts)
	if err != nil {
		r.warn(h, "%v", err)
	}
	for _, u := range o.Unknown {
		r.warn(h, "ssh option %q is not supported, ignored", u)
	}
	if o.HostName != "" {
		t.Host = o.HostName
	}
	if o.Port != 0 {
		t.Port = o.Port
	}
	if o.User != "" {
		t.User = o.User
	}
	if o.IdentityFile != "" && (h.Priv == "" || cmdline) {
		t.Auth.Keys = []string{o.IdentityFile}
	}
	if o.ProxyJump != "" {
		t.ProxyJump = o.ProxyJump
	}
	if o.Timeout > 0 {
		t.Timeout = time.Duration(o.Timeout * float64(time.Second))
	}
	applyKeepalive(o, t)
	if o.Policy != "" || o.KnownHostsFile != "" {
		p, f := r.d.Policy, r.khFile
		if o.Policy != "" {
			p = o.Policy
		}
		if o.KnownHostsFile != "" {
			f = ExpandHome(o.KnownHostsFile)
		}
		k, err := r.knownHosts.Get(f, p)
		if err != nil {
			r.warn(h, "%v", err)
			return
		}
		t.KnownHosts = k
	}
}

// applyKeepalive sets the target's keepalive from ServerAliveInterval and
// ServerAliveCountMax, when given.
func applyKeepalive(o Options, t *Target) {
	if o.ServerAliveIntervalSet {
		t.Keepalive = time.Duration(o.ServerAliveInterval * float64(time.Second))
		if t.Keepalive == 0 {
			t.Keepalive = -1 // ServerAliveInterval=0: off, as in OpenSSH
		}
	}
	if o.ServerAliveCountMax > 0 {
		t.KeepaliveMax = o.ServerAliveCountMax
	}
}
