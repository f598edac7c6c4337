package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"brine/inventory/roster"
	"brine/inventory/target"
	"brine/provision/connect"
	"brine/provision/execute"
	"brine/provision/payload"
	"brine/provision/report"
)

// action runs one brine command line.
func action(c *cli.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	ctx := c.Context
	args := c.Args().Slice()
	local := c.Bool("local")
	raw := c.Bool("raw")
	var tgt, fun string
	switch {
	case local && len(args) >= 1:
		fun, args = args[0], args[1:]
	case raw && len(args) >= 2:
		tgt, fun, args = args[0], "cmd.raw", args[1:]
	case !local && !raw && len(args) >= 2:
		tgt, fun, args = args[0], args[1], args[2:]
	default:
		cli.ShowAppHelp(c)
		if local {
			return usagef("--local needs a FUNCTION, e.g. brine --local state.apply test=True")
		}
		return usagef("need a TARGET and a FUNCTION, e.g. brine '*' test.ping")
	}
	pos, kw := splitKwargs(args)
	if raw {
		pos, kw = args, nil
	}
	cfgPath := c.String("config")
	cfg, err := loadConfig(cfgPath, c.IsSet("config"))
	if err != nil {
		return usageError{err}
	}
	cacheDir := c.String("cache-dir")
	if cacheDir == "" {
		cacheDir = execute.DefaultCacheDir()
	}
	job, err := buildJob(c, cfg, fun, pos, kw)
	if err != nil {
		return err
	}
	out, err := newOutput(c, fun, stdout)
	if err != nil {
		return err
	}
	store := payload.NewStore()

	if local {
		id := c.String("id")
		if id == "" {
			id, _ = os.Hostname()
		}
		l := &execute.Local{Store: store, CacheDir: cacheDir, ID: id}
		return out.finish(func(p report.Printer) {
			res := l.Run(ctx, job)
			out.all = []report.HostReturn{res}
			if !out.static {
				p.Host(res)
			}
		})
	}

	r, err := roster.Load(c.String("roster-file"), cfg.RosterDefaults)
	if err != nil {
		return usageError{err}
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(stderr, "brine: warning:", w)
	}
	kind := target.Glob
	switch {
	case c.Bool("pcre"):
		kind = target.PCRE
	case c.Bool("list"):
		kind = target.List
	}
	m, err := target.New(kind, tgt)
	if err != nil {
		return usageError{err}
	}
	var hosts []*roster.Host
	for _, id := range target.Select(r.IDs(), m) {
		h, _ := r.Get(id)
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return usagef("no hosts in %s match target %q (ids: %s)", r.File, tgt, strings.Join(r.IDs(), ", "))
	}

	dialer, targetFor, err := newDialer(c, stderr)
	if err != nil {
		return err
	}
	runner := &execute.Runner{
		Dialer: dialer, Store: store, Cache: execute.Cache{Dir: cacheDir},
		MaxProcs: c.Int("max-procs"), Refresh: c.Bool("refresh"), Target: targetFor,
	}
	if c.Bool("trace") {
		var mu sync.Mutex
		runner.Trace = func(id, step string, d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(stderr, "brine: trace: %s: %s %s\n", id, step, d.Round(10*time.Microsecond))
		}
	}
	return out.finish(func(p report.Printer) {
		out.all = runner.Run(ctx, hosts, job, func(h report.HostReturn) {
			if !out.static {
				p.Host(h)
			}
		})
	})
}

// newDialer builds the SSH dialer and the per-host target function from the
// flags, ~/.ssh/config and the roster.
func newDialer(c *cli.Context, stderr io.Writer) (*connect.Dialer, func(*roster.Host) connect.Target, error) {
	policy, err := connect.ParsePolicy(c.String("host-key-policy"))
	if err != nil {
		return nil, nil, usageError{err}
	}
	if c.Bool("ignore-host-keys") {
		policy = connect.Ignore
	}
	khFile := c.String("known-hosts")
	if khFile == "" {
		khFile = "~/.ssh/known_hosts"
	}
	khFile = connect.ExpandHome(khFile)
	var khs connect.KnownHostsSet
	kh, err := khs.Get(khFile, policy)
	if err != nil {
		return nil, nil, usageError{err}
	}
	sshCfgPath := c.String("ssh-config")
	if sshCfgPath == "" {
		sshCfgPath = "~/.ssh/config"
	}
	var sshCfg *connect.SSHConfig
	if sshCfgPath != "none" {
		if sshCfg, err = connect.LoadSSHConfig(sshCfgPath); err != nil {
			return nil, nil, usageError{err}
		}
	}
	prompt := terminalPrompt(stderr)
	password := c.String("passwd")
	if c.Bool("askpass") && password == "" {
		if password, err = prompt("Password (SSH and sudo): "); err != nil {
			return nil, nil, usageError{err}
		}
	}
	d := &connect.Dialer{KnownHosts: kh, Keyring: connect.NewKeyring(prompt)}
	timeout := time.Duration(c.Float64("timeout") * float64(time.Second))
	flagSudo, flagSudoUser := c.Bool("sudo"), c.String("sudo-user")
	targetFor := func(h *roster.Host) connect.Target {
		t := connect.Target{Host: h.Host, Port: h.Port, User: h.User, Timeout: h.Timeout}
		alias := h.Host
		// As with ssh(1): the roster's host is what you would type, and a
		// matching Host block may name the real HostName (%h tokens are
		// not expanded: skip those).
		if hn := sshCfg.Get(alias, "HostName"); hn != "" && !strings.Contains(hn, "%") {
			t.Host = hn
		}
		if t.Port == 0 {
			fmt.Sscan(sshCfg.Get(alias, "Port"), &t.Port)
		}
		if t.User == "" {
			t.User = sshCfg.Get(alias, "User")
		}
		if t.User == "" {
			t.User = c.String("user")
		}
		if t.User == "" {
			t.User = "root"
		}
		h.User = t.User
		t.ProxyJump = sshCfg.Get(alias, "ProxyJump")
		keys := c.StringSlice("priv")
		if h.Priv != "" {
			keys = []string{h.Priv}
		} else if len(keys) == 0 {
			if f := sshCfg.Get(alias, "IdentityFile"); f != "" && f != "~/.ssh/identity" {
				keys = []string{f}
			}
		}
		pass := c.String("priv-passwd")
		if h.PrivPasswd != "" {
			pass = h.PrivPasswd
		}
		pw := password
		if h.Passwd != "" {
			pw = h.Passwd
		}
		t.Auth = connect.Auth{Keys: keys, Passphrase: pass, Agent: !c.Bool("no-agent"), Password: pw}
		if t.Timeout == 0 {
			t.Timeout = timeout
		}
		if flagSudo {
			h.Sudo = true
		}
		if flagSudoUser != "" {
			h.SudoUser = flagSudoUser
		}
		if len(h.SSHOptions) > 0 {
			o, err := connect.ParseOptions(h.SSHOptions)
			if err != nil {
				fmt.Fprintf(stderr, "brine: warning: host %q: %v\n", h.ID, err)
			}
			for _, u := range o.Unknown {
				fmt.Fprintf(stderr, "brine: warning: host %q: ssh option %q is not supported, ignored\n", h.ID, u)
			}
			if o.HostName != "" {
				t.Host = o.HostName
			}
			if o.Port != 0 {
				t.Port = o.Port
			}
			if o.User != "" {
				t.User, h.User = o.User, o.User
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
			if o.Policy != "" || o.KnownHostsFile != "" {
				p, f := policy, khFile
				if o.Policy != "" {
					p = o.Policy
				}
				if o.KnownHostsFile != "" {
					f = connect.ExpandHome(o.KnownHostsFile)
				}
				if k, err := khs.Get(f, p); err == nil {
					t.KnownHosts = k
				} else {
					fmt.Fprintf(stderr, "brine: warning: host %q: %v\n", h.ID, err)
				}
			}
		}
		return t
	}
	return d, targetFor, nil
}

// terminalPrompt asks on the controlling terminal without echo; it fails
// when there is none (CI, pipes), so a missing secret is an error, not a hang.
func terminalPrompt(stderr io.Writer) func(string) (string, error) {
	return func(msg string) (string, error) {
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			return "", errors.New("no terminal to ask for a secret on: pass it with a flag or the environment")
		}
		defer tty.Close()
		fmt.Fprint(tty, msg)
		b, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}

// output is the chosen printer plus what --static needs.
type output struct {
	p      report.Printer
	w      io.Writer
	static bool
	human  bool
	opts   report.Options
	all    []report.HostReturn
}

func newOutput(c *cli.Context, fun string, w io.Writer) (*output, error) {
	name := c.String("out")
	if name == "" {
		name = "nested"
		if report.IsStateFun(fun) {
			name = "highstate"
		}
	}
	color := c.Bool("force-color") || (!c.Bool("no-color") && os.Getenv("NO_COLOR") == "" && isTerminal(w))
	o := report.Options{Color: color, StateOutput: c.String("state-output"), StateVerbose: c.Bool("state-verbose"), Static: c.Bool("static")}
	p, err := report.New(w, name, o)
	if err != nil {
		return nil, usageError{err}
	}
	human := name == "highstate" || name == "nested" || name == "txt"
	return &output{p: p, w: w, static: o.Static, human: human, opts: o}, nil
}

// finish runs body (which prints hosts as they finish unless static), then
// the static document and recap, and turns the results into an exit code.
func (o *output) finish(body func(report.Printer)) error {
	body(o.p)
	if err := o.p.Finish(o.all); err != nil {
		return err
	}
	if o.human && len(o.all) > 1 {
		report.Recap(o.w, o.all, o.opts)
	}
	for _, r := range o.all {
		if r.Unreachable || r.Retcode != 0 || r.Error != "" {
			return exitCode(exitFailure)
		}
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
