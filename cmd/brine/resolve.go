package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
	"brine/provision/controller/keydeploy"
)

// resolver turns roster hosts into connection settings. Precedence, most
// specific first: the roster entry, its ssh_options, ~/.ssh/config for the
// host as typed, the command-line flags, then OpenSSH's defaults.
type resolver struct {
	dialer     *connect.Dialer
	knownHosts connect.KnownHostsSet
	policy     connect.HostKeyPolicy
	khFile     string
	sshCfg     *connect.SSHConfig
	password   string
	keys       []string
	passphrase string
	agent      bool
	user       string
	timeout    time.Duration
	sudo       bool
	sudoUser   string
	stderr     io.Writer
	// own is brine's own key file (--key-deploy's), offered when it exists.
	own string
}

func newResolver(c *cli.Context, stderr io.Writer) (*resolver, error) {
	r := &resolver{
		keys: c.StringSlice("priv"), passphrase: c.String("priv-passwd"), agent: !c.Bool("no-agent"),
		user: c.String("user"), timeout: time.Duration(c.Float64("timeout") * float64(time.Second)),
		sudo: c.Bool("sudo"), sudoUser: c.String("sudo-user"), stderr: stderr,
	}
	var err error
	if r.policy, err = connect.ParsePolicy(c.String("host-key-policy")); err != nil {
		return nil, usageError{err}
	}
	if c.Bool("ignore-host-keys") {
		r.policy = connect.Ignore
	}
	r.khFile = c.String("known-hosts")
	if r.khFile == "" {
		r.khFile = "~/.ssh/known_hosts"
	}
	r.khFile = connect.ExpandHome(r.khFile)
	kh, err := r.knownHosts.Get(r.khFile, r.policy)
	if err != nil {
		return nil, usageError{err}
	}
	if p := c.String("ssh-config"); p != "none" {
		if p == "" {
			p = "~/.ssh/config"
		}
		if r.sshCfg, err = connect.LoadSSHConfig(p); err != nil {
			return nil, usageError{err}
		}
	}
	prompt := terminalPrompt(stderr)
	r.password = c.String("passwd")
	if c.Bool("askpass") && r.password == "" {
		if r.password, err = prompt("Password (SSH and sudo): "); err != nil {
			return nil, usageError{err}
		}
	}
	r.dialer = &connect.Dialer{KnownHosts: kh, Keyring: connect.NewKeyring(prompt)}
	r.own, _ = keydeploy.OwnKeyFile() // no config dir: no own key to offer
	return r, nil
}

func (r *resolver) warn(h *roster.Host, format string, a ...any) {
	fmt.Fprintf(r.stderr, "brine: warning: host %q: %s\n", h.ID, fmt.Sprintf(format, a...))
}

// resolve returns h's connection settings and fills in the host's
// effective user and sudo settings (the thin dir and sudo depend on them).
func (r *resolver) resolve(h *roster.Host) connect.Target {
	alias := h.Host
	t := connect.Target{Host: h.Host, Port: h.Port, User: h.User, Timeout: h.Timeout}
	// As with ssh(1): the roster's host is what you would type, and a
	// matching Host block may name the real HostName (%h tokens are not
	// expanded: skip those).
	if hn := r.sshCfg.Get(alias, "HostName"); hn != "" && !strings.Contains(hn, "%") {
		t.Host = hn
	}
	if t.Port == 0 {
		fmt.Sscan(r.sshCfg.Get(alias, "Port"), &t.Port)
	}
	for _, u := range []string{r.sshCfg.Get(alias, "User"), r.user, "root"} {
		if t.User == "" {
			t.User = u
		}
	}
	t.ProxyJump = r.sshCfg.Get(alias, "ProxyJump")
	keys := r.keys
	if h.Priv != "" {
		keys = []string{h.Priv}
	} else if len(keys) == 0 {
		if f := r.sshCfg.Get(alias, "IdentityFile"); f != "" && f != "~/.ssh/identity" {
			keys = []string{f}
		}
	}
	pass := r.passphrase
	if h.PrivPasswd != "" {
		pass = h.PrivPasswd
	}
	pw := r.password
	if h.Passwd != "" {
		pw = h.Passwd
	}
	t.Auth = connect.Auth{Keys: keys, Passphrase: pass, Agent: r.agent, Password: pw, Own: r.own}
	// The effective password is also sudo's (salt-ssh's passwd).
	h.Passwd = pw
	if t.Timeout == 0 {
		t.Timeout = r.timeout
	}
	// ~/.ssh/config's keepalive settings, beneath the roster's ssh_options.
	var kopts []string
	for _, k := range []string{"ServerAliveInterval", "ServerAliveCountMax"} {
		if v := r.sshCfg.Get(alias, k); v != "" {
			kopts = append(kopts, k+"="+v)
		}
	}
	if o, err := connect.ParseOptions(kopts); err != nil {
		r.warn(h, "ssh config: %v", err)
	} else {
		applyKeepalive(o, &t)
	}
	r.applyOptions(h, &t)
	h.User = t.User
	h.Sudo = h.Sudo || r.sudo
	if r.sudoUser != "" {
		h.SudoUser = r.sudoUser
	}
	return t
}

// applyOptions applies the roster's ssh_options, which win over everything
// but the roster's own keys.
func (r *resolver) applyOptions(h *roster.Host, t *connect.Target) {
	if len(h.SSHOptions) == 0 {
		return
	}
	o, err := connect.ParseOptions(h.SSHOptions)
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
	if o.IdentityFile != "" && h.Priv == "" {
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
		p, f := r.policy, r.khFile
		if o.Policy != "" {
			p = o.Policy
		}
		if o.KnownHostsFile != "" {
			f = connect.ExpandHome(o.KnownHostsFile)
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
func applyKeepalive(o connect.Options, t *connect.Target) {
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
