package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"brine/inventory/shard"
	"brine/inventory/target"
	"brine/provision/controller/connect"
	"brine/provision/controller/rollout"
	"brine/provision/controller/run"
)

// flags are brine's flags, in help order.
func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "roster-file", Value: "roster.yaml", Usage: "roster `FILE` (see --roster); an executable file is run and its output read"},
		&cli.StringFlag{Name: "config", Value: "brine.yaml", Usage: "config `FILE` (file_roots, pillar_roots, roster_defaults, nodegroups)"},
		&cli.BoolFlag{Name: "pcre", Aliases: []string{"E"}, Usage: "TARGET is a regular expression"},
		&cli.BoolFlag{Name: "list", Aliases: []string{"L"}, Usage: "TARGET is a comma or space separated list of ids"},
		&cli.IntFlag{Name: "max-procs", Value: 25, Usage: "at most `N` hosts in flight"},
		&cli.StringFlag{Name: "user", Usage: "remote user when the roster gives none (default root)"},
		&cli.StringSliceFlag{Name: "priv", Usage: "private key `FILE` (repeatable)"},
		&cli.StringFlag{Name: "priv-passwd", EnvVars: []string{"BRINE_PRIV_PASSWD"}, Usage: "passphrase for encrypted keys"},
		&cli.StringFlag{Name: "passwd", EnvVars: []string{"BRINE_PASSWD"}, Usage: "SSH password (also the sudo password)"},
		&cli.BoolFlag{Name: "askpass", Usage: "ask for the SSH/sudo password on the terminal"},
		&cli.BoolFlag{Name: "no-agent", Usage: "do not use the ssh-agent at SSH_AUTH_SOCK"},
		&cli.BoolFlag{Name: "sudo", Usage: "run on the target through sudo"},
		&cli.StringFlag{Name: "sudo-user", Usage: "run as this user through sudo (default root)"},
		&cli.StringFlag{Name: "known-hosts", Usage: "known_hosts `FILE` (default ~/.ssh/known_hosts)"},
		&cli.StringFlag{Name: "host-key-policy", Value: "strict", Usage: "strict, accept-new or ignore"},
		&cli.BoolFlag{Name: "ignore-host-keys", Aliases: []string{"i"}, Usage: "do not check host keys (unsafe)"},
		&cli.StringFlag{Name: "ssh-config", Usage: "OpenSSH client config `FILE` (default ~/.ssh/config; \"none\" to skip)"},
		&cli.Float64Flag{Name: "timeout", Value: 10, Usage: "bound in `SECONDS` on each connect and handshake, and on any upload or short step where no byte moves"},
		&cli.Float64Flag{Name: "keepalive", Value: 15, Usage: "send SSH keepalives every `SECONDS`; a host that misses 3 in a row is failed as \"connection lost\" (0: off; roster ssh_options ServerAliveInterval/ServerAliveCountMax win)"},
		&cli.Float64Flag{Name: "run-timeout", Usage: "stop a host's run after `SECONDS` (its states that ran are reported; default: no limit)"},
		&cli.IntFlag{Name: "max-handshakes", Value: 64, Usage: "at most `N` connects and SSH handshakes in flight (apart from --max-procs)"},
		&cli.BoolFlag{Name: "wipe", Aliases: []string{"w"}, Usage: "remove the executor and its thin dir from each host after the run"},
		&cli.StringFlag{Name: "out", Usage: "output: highstate, nested, json, yaml or txt"},
		&cli.BoolFlag{Name: "static", Usage: "print all hosts at the end in one document"},
		&cli.BoolFlag{Name: "no-color", Usage: "never colour the output"},
		&cli.BoolFlag{Name: "force-color", Usage: "colour the output even when not on a terminal"},
		&cli.StringFlag{Name: "state-output", Value: "full", Usage: "full, terse, mixed or changes"},
		&cli.BoolFlag{Name: "state-verbose", Value: true, Usage: "show states that succeeded without changes"},
		&cli.BoolFlag{Name: "raw", Aliases: []string{"r"}, Usage: "run a raw shell command, no executor"},
		&cli.BoolFlag{Name: "local", Usage: "run on this machine, without SSH (salt-call --local)"},
		&cli.StringFlag{Name: "id", Usage: "minion id for --local (default the hostname)"},
		&cli.BoolFlag{Name: "refresh", Usage: "collect grains again instead of using the cache"},
		&cli.BoolFlag{Name: "failhard", Usage: "stop a state run at the first failure"},
		&cli.Float64Flag{Name: "lock-timeout", Value: 300, Usage: "wait up to `SECONDS` for another run's lock on a host"},
		&cli.StringFlag{Name: "file-root", Usage: "state tree `DIR` for saltenv base (default ./states)"},
		&cli.StringFlag{Name: "pillar-root", Usage: "pillar `DIR` (default ./pillar when it exists)"},
		&cli.StringSliceFlag{Name: "secret-pillar", Usage: "pillar `PATH` (a:b) whose values are masked in all output (repeatable; also secret_pillar in brine.yaml)"},
		&cli.StringFlag{Name: "cache-dir", Usage: "controller cache `DIR` (default ~/.cache/brine)"},
		&cli.BoolFlag{Name: "trace", Usage: "print each host's network steps (dial, exec, upload) with timings to stderr"},
		// Targeting (-E and -L are above).
		&cli.BoolFlag{Name: "grain", Aliases: []string{"G"}, Usage: "TARGET is a grain glob, KEY:PATTERN (os_family:Debian, ':' nests)"},
		&cli.BoolFlag{Name: "grain-pcre", Aliases: []string{"P"}, Usage: "TARGET is a grain regular expression, KEY:REGEX"},
		&cli.BoolFlag{Name: "ipcidr", Aliases: []string{"S"}, Usage: "TARGET is an address or network matched against the ipv4/ipv6 grains"},
		&cli.BoolFlag{Name: "compound", Aliases: []string{"C"}, Usage: "TARGET is a compound expression: 'G@roles:web and not E@db\\d+ or L@a,b'"},
		&cli.BoolFlag{Name: "nodegroup", Aliases: []string{"N"}, Usage: "TARGET is a nodegroup (nodegroups: in brine.yaml, or the roster's groups)"},
		&cli.StringFlag{Name: "roster", Value: "flat", Usage: "roster `SOURCE`: flat, ansible (an Ansible inventory) or sshconfig (Host entries of --ssh-config)"},
		&cli.StringFlag{Name: "shard", Usage: "run only shard `K/N` of the targeted hosts (a stable split by host id; K from 1)"},
		// The job history, the selections made from it, the output file.
		&cli.StringFlag{Name: "failed-from", Usage: "target, within TARGET, the hosts that failed, were unreachable or were not run in job `JID` (\"last\": the latest job)"},
		&cli.BoolFlag{Name: "new-hosts", Usage: "target, within TARGET, only the hosts with no successful highstate in the job history"},
		&cli.StringFlag{Name: "out-file", Aliases: []string{"output-file"}, Usage: "write the output to `FILE` instead of stdout (replaced when the output is complete)"},
		&cli.BoolFlag{Name: "out-file-append", Aliases: []string{"output-file-append"}, Usage: "append to the --out-file FILE instead of replacing it"},
		&cli.BoolFlag{Name: "out-meta", Usage: "with --out json|yaml --static, add a __brine__ entry (jid; each host's function, retcode, failure, duration, roster position) so jobs.merge rebuilds the run exactly"},
		&cli.IntFlag{Name: "limit", Usage: "jobs.list_jobs: only the `N` most recent jobs"},
		// Pacing and showing a fleet-wide run; bringing new hosts under key login.
		&cli.StringFlag{Name: "batch-size", Aliases: []string{"b"}, Usage: "run the hosts in batches of `N` or N% (of the targeted hosts, rounded down, at least 1); a batch starts when the previous one has ended"},
		&cli.StringFlag{Name: "max-fail", Usage: "start no new host once more than `N` or N% of the targeted hosts have failed or been unreachable; the rest are reported not run (exit 20)"},
		&cli.BoolFlag{Name: "progress", Usage: "show progress even when stderr is not a terminal: a plain line at most once a second (\"progress: 37/200 done, 2 failed, 1 unreachable, 25 running\")"},
		&cli.BoolFlag{Name: "no-progress", Usage: "never show the progress line (shown on stderr when it is a terminal)"},
		&cli.BoolFlag{Name: "key-deploy", Usage: "where a host lets brine in on the password only, add the key (--priv, roster priv, or brine's own ~/.config/brine/brine_ed25519) to the login user's ~/.ssh/authorized_keys, so later runs need no password"},
	}
}

// options turns the flags into a run's options (what the positional
// arguments say is the caller's to add). Mistakes in values that have a
// fixed form are usage errors here, before anything is read.
func options(c *cli.Context) (run.Options, error) {
	o := run.Options{
		FailedFrom: c.String("failed-from"), NewHosts: c.Bool("new-hosts"), Local: c.Bool("local"), LocalID: c.String("id"),
		Config: c.String("config"), ConfigExplicit: c.IsSet("config"),
		Roster: c.String("roster"), RosterFile: c.String("roster-file"), RosterFileExplicit: c.IsSet("roster-file"),
		FileRoot: c.String("file-root"), PillarRoot: c.String("pillar-root"), SecretPillar: c.StringSlice("secret-pillar"),
		CacheDir: c.String("cache-dir"),
		User:     c.String("user"), Keys: c.StringSlice("priv"), Passphrase: c.String("priv-passwd"), Password: c.String("passwd"),
		Askpass: c.Bool("askpass"), NoAgent: c.Bool("no-agent"), Sudo: c.Bool("sudo"), SudoUser: c.String("sudo-user"),
		KnownHosts: c.String("known-hosts"), IgnoreHostKeys: c.Bool("ignore-host-keys"), SSHConfig: c.String("ssh-config"),
		MaxHandshakes: c.Int("max-handshakes"), Keepalive: seconds(c.Float64("keepalive")), Timeout: seconds(c.Float64("timeout")),
		KeyDeploy: c.Bool("key-deploy"), MaxProcs: c.Int("max-procs"), RunTimeout: seconds(c.Float64("run-timeout")),
		Refresh: c.Bool("refresh"), Wipe: c.Bool("wipe"), Failhard: c.Bool("failhard"), LockTimeout: seconds(c.Float64("lock-timeout")),
		Trace: c.Bool("trace"),
	}
	if !o.Local {
		// --local has no roster: it reads none of these.
		var err error
		if o.TargetKind, err = targetKind(c); err != nil {
			return o, err
		}
		if s := c.String("shard"); s != "" {
			spec, err := shard.Parse(s)
			if err != nil {
				return o, run.UsageError{Err: err}
			}
			o.Shard = &spec
		}
		if o.HostKeyPolicy, err = connect.ParsePolicy(c.String("host-key-policy")); err != nil {
			return o, run.UsageError{Err: err}
		}
	}
	if s := c.String("batch-size"); s != "" {
		b, err := rollout.ParseSize(s, 1)
		if err != nil {
			return o, run.Usagef("--batch-size %v", err)
		}
		o.Batch = &b
	}
	if s := c.String("max-fail"); s != "" {
		m, err := rollout.ParseSize(s, 0)
		if err != nil {
			return o, run.Usagef("--max-fail %v", err)
		}
		o.MaxFail = &m
	}
	return o, nil
}

// targetKind reads which of -E -L -G -P -S -C -N is given (at most one).
func targetKind(c *cli.Context) (target.Kind, error) {
	flags := []struct {
		name string
		kind target.Kind
	}{
		{"pcre", target.PCRE}, {"list", target.List}, {"grain", target.Grain}, {"grain-pcre", target.GrainPCRE},
		{"ipcidr", target.IPCIDR}, {"compound", target.Compound}, {"nodegroup", target.Nodegroup},
	}
	kind, given := target.Glob, ""
	for _, f := range flags {
		if !c.Bool(f.name) {
			continue
		}
		if given != "" {
			return kind, run.Usagef("--%s and --%s both say how to read TARGET: give one", given, f.name)
		}
		kind, given = f.kind, f.name
	}
	return kind, nil
}

// seconds turns a flag's seconds into a duration.
func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
