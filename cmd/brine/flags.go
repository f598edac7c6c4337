package main

import (
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"brine/inventory/shard"
	"brine/inventory/target"
	"brine/provision/controller/connect"
	"brine/provision/controller/rollout"
	"brine/provision/controller/run"
)

// The flag groups of --help: salt-ssh 3007.1's option groups, in its order,
// then brine's own.
const (
	catMain     = "Options (salt-ssh's)"
	catTarget   = "Target options"
	catOutput   = "Output options"
	catSSH      = "SSH options"
	catAuth     = "Authentication options"
	catScan     = "Scan roster options"
	catLog      = "Logging options"
	catBrine    = "brine's own options"
	catFleet    = "Fleet runs and job history"
	catAnsible  = "Ansible users' names"
	catPython   = "salt-ssh's Python-only options (accepted; brine says what it does instead)"
	catSettings = "Settings files"
)

// flags are brine's flags, in help order: salt-ssh's names and aliases
// first, each with salt-ssh's meaning.
func flags() []cli.Flag {
	return []cli.Flag{
		// salt-ssh's main options.
		// --help and -h anywhere on the line become --brine-help (see
		// hoistFlags): urfave/cli's own help would print the flags in its
		// order, not salt-ssh's.
		&cli.BoolFlag{Category: catMain, Name: "brine-help", Hidden: true, Usage: "show this help and exit"},
		&cli.BoolFlag{Category: catMain, Name: "version", Usage: "show brine's version and exit"},
		&cli.BoolFlag{Category: catMain, Name: "versions-report", Aliases: []string{"V"}, Usage: "show brine's, its dependencies' and the embedded executors' versions and exit"},
		&cli.StringFlag{Category: catSettings, Name: "saltfile", Usage: "read salt-ssh's options from this Saltfile `FILE` (default ./Saltfile, $SALT_SALTFILE or $BRINE_SALTFILE, ~/.salt/Saltfile)"},
		&cli.StringFlag{Category: catSettings, Name: "config-dir", Aliases: []string{"c"}, Usage: "configuration `DIR`: brine.yaml (or Salt's master file) and the roster are read from it (default: the working directory)"},
		&cli.StringFlag{Category: catSettings, Name: "config", Value: "brine.yaml", Usage: "config `FILE` (file_roots, pillar_roots, roster_defaults, nodegroups, and any Saltfile key)"},
		&cli.StringFlag{Category: catMain, Name: "jid", Usage: "use this job id (20 digits, YYYYmmddHHMMSSffffff) instead of making one"},
		&cli.BoolFlag{Category: catMain, Name: "hard-crash", Usage: "show an internal error's full chain (brine has no Python exceptions to raise)"},
		&cli.StringSliceFlag{Category: catMain, Name: "no-parse", Usage: "comma-separated `ARGNAMES` whose key=value arguments are taken as strings, not YAML"},
		&cli.BoolFlag{Category: catMain, Name: "raw", Aliases: []string{"r", "raw-shell"}, Usage: "run a raw shell command, no executor"},
		&cli.StringFlag{Category: catMain, Name: "roster", Value: "flat", Usage: "roster `SOURCE`: flat, ansible (an Ansible inventory) or sshconfig (Host entries of --ssh-config)"},
		&cli.StringFlag{Category: catMain, Name: "roster-file", Value: "roster.yaml", Usage: "roster `FILE` (or roster in --config-dir); an executable file is run and its output read"},
		&cli.BoolFlag{Category: catMain, Name: "refresh", Aliases: []string{"refresh-cache"}, Usage: "collect grains again instead of using the cache"},
		&cli.IntFlag{Category: catMain, Name: "max-procs", Aliases: []string{"forks"}, Value: 25, Usage: "at most `N` hosts in flight"},
		&cli.StringSliceFlag{Category: catMain, Name: "extra-filerefs", Usage: "extra salt:// `FILES` for the state tarball (brine renders on the controller with the whole file root: nothing to add)"},
		&cli.BoolFlag{Category: catMain, Name: "verbose", Aliases: []string{"v"}, Usage: "show the job id (-vv: also info messages, -vvv: debug, with the trace of each host's network steps)"},
		&cli.BoolFlag{Category: catMain, Name: "static", Aliases: []string{"s"}, Usage: "print all hosts at the end in one document"},
		&cli.BoolFlag{Category: catMain, Name: "wipe", Aliases: []string{"w"}, Usage: "remove the executor and its thin dir from each host after the run"},
		&cli.BoolFlag{Category: catMain, Name: "rand-thin-dir", Aliases: []string{"W"}, Usage: "use a new thin dir on each host for this run and remove it afterwards"},
		&cli.BoolFlag{Category: catMain, Name: "pre-flight", Usage: "run each host's roster ssh_pre_flight script even when its thin dir exists"},

		// Targeting.
		&cli.BoolFlag{Category: catTarget, Name: "hosts", Aliases: []string{"H"}, Usage: "list the roster's hosts (as salt-ssh: {roster: {id: host}}) and exit"},
		&cli.BoolFlag{Category: catTarget, Name: "pcre", Aliases: []string{"E"}, Usage: "TARGET is a regular expression"},
		&cli.BoolFlag{Category: catTarget, Name: "list", Aliases: []string{"L"}, Usage: "TARGET is a comma or space separated list of ids"},
		&cli.BoolFlag{Category: catTarget, Name: "grain", Aliases: []string{"G"}, Usage: "TARGET is a grain glob, KEY:PATTERN (os_family:Debian, ':' nests)"},
		&cli.BoolFlag{Category: catTarget, Name: "grain-pcre", Aliases: []string{"P"}, Usage: "TARGET is a grain regular expression, KEY:REGEX"},
		&cli.BoolFlag{Category: catTarget, Name: "nodegroup", Aliases: []string{"N"}, Usage: "TARGET is a nodegroup (nodegroups: in brine.yaml, or the roster's groups)"},
		&cli.BoolFlag{Category: catTarget, Name: "range", Aliases: []string{"R"}, Usage: "TARGET is a range expression (refused: brine has no range server client; use -L, -E or -C)"},
		&cli.BoolFlag{Category: catTarget, Name: "ipcidr", Aliases: []string{"S"}, Usage: "TARGET is an address or network matched against the ipv4/ipv6 grains"},
		&cli.BoolFlag{Category: catTarget, Name: "compound", Aliases: []string{"C"}, Usage: "TARGET is a compound expression: 'G@roles:web and not E@db\\d+ or L@a,b'"},
		&cli.StringFlag{Category: catTarget, Name: "delimiter", Value: ":", Usage: "the `DELIMITER` between keys and pattern in grain targets"},
		&cli.StringFlag{Category: catTarget, Name: "shard", Usage: "run only shard `K/N` of the targeted hosts (a stable split by host id; K from 1)"},

		// Output.
		&cli.StringFlag{Category: catOutput, Name: "out", Aliases: []string{"output"}, Usage: "output: highstate, nested, json, yaml or txt"},
		&cli.IntFlag{Category: catOutput, Name: "out-indent", Aliases: []string{"output-indent"}, Value: 4, Usage: "indent json by `N` spaces (negative: one line) and yaml's nested blocks by N (2 to 9)"},
		&cli.StringFlag{Category: catOutput, Name: "out-file", Aliases: []string{"output-file"}, Usage: "write the output to `FILE` instead of stdout (replaced when the output is complete)"},
		&cli.BoolFlag{Category: catOutput, Name: "out-file-append", Aliases: []string{"output-file-append"}, Usage: "append to the --out-file FILE instead of replacing it"},
		&cli.BoolFlag{Category: catOutput, Name: "no-color", Aliases: []string{"no-colour"}, Usage: "never colour the output"},
		&cli.BoolFlag{Category: catOutput, Name: "force-color", Aliases: []string{"force-colour"}, Usage: "colour the output even when not on a terminal"},
		&cli.StringFlag{Category: catOutput, Name: "state-output", Aliases: []string{"state_output"}, Value: "full", Usage: "full, terse, mixed, changes or filter (each with _id: the state ID for the name)"},
		&cli.StringFlag{Category: catOutput, Name: "state-verbose", Aliases: []string{"state_verbose"}, Value: "True", Usage: "True or False: show states that succeeded without changes"},
		&cli.BoolFlag{Category: catOutput, Name: "no-recap", Usage: "do not print the fleet recap (on stderr, after several hosts)"},
		&cli.BoolFlag{Category: catOutput, Name: "out-meta", Usage: "with --out json|yaml --static, add a __brine__ entry (jid; each host's function, retcode, failure, duration, roster position) so jobs.merge rebuilds the run exactly"},
		&cli.BoolFlag{Category: catOutput, Name: "progress", Usage: "show progress even when stderr is not a terminal: a plain line at most once a second"},
		&cli.BoolFlag{Category: catOutput, Name: "no-progress", Usage: "never show the progress line (shown on stderr when it is a terminal)"},

		// SSH.
		&cli.StringSliceFlag{Category: catSSH, Name: "remote-port-forwards", Usage: "remote port forwards as ssh -R takes them, comma separated: `[BIND:]PORT:HOST:HOSTPORT`"},
		&cli.StringSliceFlag{Category: catSSH, Name: "ssh-option", Usage: "an OpenSSH option for this run, as ssh -o takes it: `Option=value` (repeatable; wins over the roster's ssh_options)"},
		&cli.StringFlag{Category: catSSH, Name: "ssh-config", Usage: "OpenSSH client config `FILE` (default ~/.ssh/config; \"none\" to skip)"},
		&cli.StringFlag{Category: catSSH, Name: "known-hosts", Usage: "known_hosts `FILE` (default ~/.ssh/known_hosts)"},
		&cli.StringFlag{Category: catSSH, Name: "host-key-policy", Value: "strict", Usage: "strict, accept-new or ignore"},
		&cli.Float64Flag{Category: catSSH, Name: "timeout", Value: 10, Usage: "bound in `SECONDS` on each connect and handshake, and on any upload or short step where no byte moves"},
		&cli.Float64Flag{Category: catSSH, Name: "keepalive", Value: 15, Usage: "send SSH keepalives every `SECONDS`; a host that misses 3 in a row is failed as \"connection lost\" (0: off)"},
		&cli.Float64Flag{Category: catSSH, Name: "run-timeout", Usage: "stop a host's run after `SECONDS` (its states that ran are reported; 0, the default: no limit)"},
		&cli.IntFlag{Category: catSSH, Name: "max-handshakes", Value: 64, Usage: "at most `N` connects and SSH handshakes in flight (apart from --max-procs)"},
		&cli.StringFlag{Category: catSSH, Name: "max-answer", Value: "64MiB", Usage: "a host whose answer passes `SIZE` fails and its connection is closed"},
		&cli.StringFlag{Category: catSSH, Name: "max-stderr", Value: "1MiB", Usage: "a host that prints more than `SIZE` on stderr fails and its connection is closed"},
		&cli.StringFlag{Category: catSSH, Name: "max-output", Value: "16MiB", Usage: "the executor keeps at most `SIZE` of each command's stdout and of its stderr (head and tail)"},

		// Authentication.
		&cli.StringSliceFlag{Category: catAuth, Name: "priv", Usage: "private key `FILE` (repeatable)"},
		&cli.StringFlag{Category: catAuth, Name: "priv-passwd", EnvVars: []string{"BRINE_PRIV_PASSWD"}, Usage: "passphrase for encrypted keys"},
		&cli.BoolFlag{Category: catAuth, Name: "ignore-host-keys", Aliases: []string{"i"}, Usage: "do not check host keys (unsafe)"},
		&cli.BoolFlag{Category: catAuth, Name: "no-host-keys", Usage: "no host key checking at all (as -i: brine never writes known_hosts unless --host-key-policy accept-new)"},
		&cli.StringFlag{Category: catAuth, Name: "user", Usage: "remote user when the roster gives none (default root)"},
		&cli.StringFlag{Category: catAuth, Name: "passwd", EnvVars: []string{"BRINE_PASSWD"}, Usage: "SSH password (also the sudo password)"},
		&cli.BoolFlag{Category: catAuth, Name: "askpass", Usage: "ask for the SSH/sudo password on the terminal"},
		&cli.BoolFlag{Category: catAuth, Name: "key-deploy", Usage: "where a host lets brine in on the password only, add the key to the login user's ~/.ssh/authorized_keys"},
		&cli.BoolFlag{Category: catAuth, Name: "identities-only", Usage: "offer only the keys named (--priv, roster priv, IdentityFile), never the ssh-agent's"},
		&cli.BoolFlag{Category: catAuth, Name: "sudo", Usage: "run on the target through sudo"},
		&cli.StringFlag{Category: catAuth, Name: "sudo-user", Usage: "run as this user through sudo (default root)"},
		&cli.BoolFlag{Category: catAuth, Name: "update-roster", Usage: "a TARGET that is a host name or address outside the roster is added to the flat roster file"},
		&cli.BoolFlag{Category: catAuth, Name: "no-agent", Usage: "do not use the ssh-agent at SSH_AUTH_SOCK"},

		// Scan roster.
		&cli.StringFlag{Category: catScan, Name: "scan-ports", Value: "22", Usage: "with --roster scan: comma-separated `PORTS` to scan"},
		&cli.Float64Flag{Category: catScan, Name: "scan-timeout", Value: 0.01, Usage: "with --roster scan: `SECONDS` to wait for each port"},

		// Logging.
		&cli.StringFlag{Category: catLog, Name: "log-level", Aliases: []string{"l"}, Value: "warning", Usage: "console log `LEVEL`: all, garbage, trace, debug, profile, info, warning, error, critical, quiet"},
		&cli.StringFlag{Category: catLog, Name: "log-file", Usage: "also log to `FILE` (at --log-file-level)"},
		&cli.StringFlag{Category: catLog, Name: "log-file-level", Value: "warning", Usage: "log file `LEVEL` (as --log-level)"},

		// brine's own.
		&cli.BoolFlag{Category: catBrine, Name: "local", Usage: "run on this machine, without SSH (salt-call --local)"},
		&cli.StringFlag{Category: catBrine, Name: "id", Usage: "minion id for --local (default the hostname)"},
		&cli.BoolFlag{Category: catBrine, Name: "failhard", Usage: "stop a state run at the first failure"},
		&cli.BoolFlag{Category: catBrine, Name: "yes", Usage: "run a guarded execution function (system.reboot, system.poweroff, system.shutdown, system.halt)"},
		&cli.BoolFlag{Category: catBrine, Name: "retcode-passthrough", Usage: "exit with the highest return code a host's function reported (as salt-call does), not 20"},
		&cli.Float64Flag{Category: catBrine, Name: "lock-timeout", Value: 300, Usage: "wait up to `SECONDS` for another run's lock on a host"},
		&cli.StringFlag{Category: catBrine, Name: "file-root", Usage: "state tree `DIR` for saltenv base (default ./states)"},
		&cli.StringFlag{Category: catBrine, Name: "pillar-root", Usage: "pillar `DIR` (default ./pillar when it exists)"},
		&cli.StringSliceFlag{Category: catBrine, Name: "secret-pillar", Usage: "pillar `PATH` (a:b) whose values are masked in all output (repeatable; also secret_pillar in brine.yaml)"},
		&cli.StringFlag{Category: catBrine, Name: "cache-dir", Usage: "controller cache `DIR` (default ~/.cache/brine)"},
		&cli.BoolFlag{Category: catBrine, Name: "trace", Usage: "print each host's network steps (dial, exec, upload) with timings to stderr (as -l debug)"},

		// The job history, the selections made from it, pacing.
		&cli.StringFlag{Category: catFleet, Name: "failed-from", Usage: "target, within TARGET, the hosts that failed, were unreachable or were not run in job `JID` (\"last\": the hosts whose latest run of this function did not succeed)"},
		&cli.StringSliceFlag{Category: catFleet, Name: "history-from", Usage: "--failed-from and --new-hosts also read the job history of each cache `DIR` (a glob; repeatable): the shards' caches of a sharded fleet"},
		&cli.BoolFlag{Category: catFleet, Name: "new-hosts", Usage: "target, within TARGET, only the hosts with no successful highstate in the job history"},
		&cli.IntFlag{Category: catFleet, Name: "max-jobs", Usage: "jobs.list_jobs: only the `N` most recent jobs (or limit=N)"},
		&cli.StringFlag{Category: catFleet, Name: "batch-size", Aliases: []string{"b"}, Usage: "run the hosts in batches of `N` or N% (of the targeted hosts, rounded down, at least 1); a batch starts when the previous one has ended"},
		&cli.StringFlag{Category: catFleet, Name: "max-fail", Usage: "start no new host once more than `N` or N% of the targeted hosts have failed or been unreachable; the rest are reported not run (exit 20)"},

		// Ansible's names where they do not clash with Salt's (-i and -b
		// keep Salt's meaning).
		&cli.StringFlag{Category: catAnsible, Name: "limit", Usage: "keep only the targeted hosts that `PATTERN` matches (Ansible's --limit: globs, group names, !exclude, &intersect, comma separated)"},
		&cli.BoolFlag{Category: catAnsible, Name: "check", Usage: "a dry run: test=True"},
		&cli.BoolFlag{Category: catAnsible, Name: "diff", Usage: "show what changed, with diffs: states with changes or failures in full, the rest hidden (--state-output changes)"},
		&cli.BoolFlag{Category: catAnsible, Name: "list-hosts", Usage: "list the hosts TARGET selects (as -H) and exit; nothing runs"},

		// salt-ssh's options for its Python thin: accepted, answered with
		// a note.
		&cli.BoolFlag{Category: catPython, Name: "regen-thin", Aliases: []string{"t", "thin"}, Usage: "(the executor is a static binary checked by its sha256 on every run)"},
		&cli.StringFlag{Category: catPython, Name: "min-extra-modules", Usage: "(`MODS`: brine ships no Python)"},
		&cli.StringFlag{Category: catPython, Name: "thin-extra-modules", Usage: "(`MODS`: brine ships no Python)"},
		&cli.StringFlag{Category: catPython, Name: "python2-bin", Usage: "(`PATH`: the target needs no Python)"},
		&cli.StringFlag{Category: catPython, Name: "python3-bin", Usage: "(`PATH`: the target needs no Python)"},
	}
}

// options turns the flags into a run's options (what the positional
// arguments say is the caller's to add). Mistakes in values that have a
// fixed form are usage errors here, before anything is read.
func options(c *cli.Context, st *settings) (run.Options, error) {
	if err := checkNumbers(c); err != nil {
		return run.Options{}, err
	}
	sizes, err := capSizes(c)
	if err != nil {
		return run.Options{}, err
	}
	o := run.Options{
		FailedFrom: c.String("failed-from"), NewHosts: c.Bool("new-hosts"), HistoryFrom: c.StringSlice("history-from"), Local: c.Bool("local"), LocalID: c.String("id"),
		Config: st.config, ConfigExplicit: st.configExplicit, SaltMaster: st.master,
		Roster: c.String("roster"), RosterFile: st.rosterFile, RosterFileExplicit: st.rosterExplicit,
		FileRoot: c.String("file-root"), PillarRoot: c.String("pillar-root"), SecretPillar: splitCommas(c.StringSlice("secret-pillar")),
		CacheDir: c.String("cache-dir"),
		User:     c.String("user"), Keys: splitCommas(c.StringSlice("priv")), Passphrase: c.String("priv-passwd"), Password: c.String("passwd"),
		Askpass: c.Bool("askpass"), NoAgent: c.Bool("no-agent") || c.Bool("identities-only"), Sudo: c.Bool("sudo"), SudoUser: c.String("sudo-user"),
		KnownHosts: c.String("known-hosts"), IgnoreHostKeys: c.Bool("ignore-host-keys") || c.Bool("no-host-keys"), SSHConfig: c.String("ssh-config"),
		SSHOptions:    c.StringSlice("ssh-option"),
		MaxHandshakes: c.Int("max-handshakes"), Keepalive: seconds(c.Float64("keepalive")), Timeout: seconds(c.Float64("timeout")),
		KeyDeploy: c.Bool("key-deploy"), MaxProcs: c.Int("max-procs"), RunTimeout: seconds(c.Float64("run-timeout")),
		Refresh: c.Bool("refresh"), Wipe: c.Bool("wipe"), Failhard: c.Bool("failhard"), Yes: c.Bool("yes"), RetcodePassthrough: c.Bool("retcode-passthrough"), LockTimeout: seconds(c.Float64("lock-timeout")),
		RandThinDir: c.Bool("rand-thin-dir"), PreFlight: c.Bool("pre-flight"), UpdateRoster: c.Bool("update-roster"),
		JID: c.String("jid"), NoParse: splitCommas(c.StringSlice("no-parse")), Limit: c.String("limit"), Delimiter: c.String("delimiter"),
		MaxAnswer: sizes[0], MaxStderr: sizes[1], MaxOutput: sizes[2],
		ScanPorts: c.String("scan-ports"), ScanTimeout: seconds(c.Float64("scan-timeout")),
	}
	if o.Delimiter == ":" {
		o.Delimiter = ""
	}
	if len(o.SSHOptions) > 0 {
		p, err := connect.ParseOptions(o.SSHOptions)
		if err != nil {
			return o, usagef("--ssh-option: %v", err)
		}
		if len(p.Unknown) > 0 {
			return o, usagef("--ssh-option %s: brine does not support this OpenSSH option (it reads HostName, Port, User, IdentityFile, ProxyJump, StrictHostKeyChecking, UserKnownHostsFile, ConnectTimeout, ServerAliveInterval, ServerAliveCountMax)", strings.Join(p.Unknown, ", "))
		}
	}
	if c.Bool("trace") {
		o.Trace = true
	}
	if s := c.String("jid"); s != "" && !run.ValidJID(s) {
		return o, usagef("--jid %q: want a job id of 20 digits, YYYYmmddHHMMSSffffff (a valid time), as Salt makes them", s)
	}
	for _, fw := range splitCommas(c.StringSlice("remote-port-forwards")) {
		f, err := connect.ParseForward(fw)
		if err != nil {
			return o, usagef("--remote-port-forwards %q: %v", fw, err)
		}
		o.Forwards = append(o.Forwards, f)
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
		if b.Percent > 100 || b.N > maxHosts {
			return o, usagef("--batch-size %s: want 1 to %d hosts, or a percentage above 0 up to 100%%", s, maxHosts)
		}
		o.Batch = &b
	}
	if s := c.String("max-fail"); s != "" {
		m, err := parseMaxFail(s)
		if err != nil {
			return o, err
		}
		o.MaxFail = &m
	}
	return o, nil
}

// parseMaxFail reads --max-fail: 0 to maxHosts hosts, or 0% to 100%.
func parseMaxFail(s string) (rollout.Size, error) {
	if s == "0%" || s == "0.0%" {
		return rollout.Size{}, nil
	}
	m, err := rollout.ParseSize(s, 0)
	if err != nil {
		return m, run.Usagef("--max-fail %v", err)
	}
	if m.Percent > 100 || m.N > maxHosts {
		return m, usagef("--max-fail %s: want 0 to %d hosts, or a percentage from 0 to 100%%", s, maxHosts)
	}
	return m, nil
}

// targetKind reads which of -E -L -G -P -S -C -N -R is given (at most one).
func targetKind(c *cli.Context) (target.Kind, error) {
	flags := []struct {
		name string
		kind target.Kind
	}{
		{"pcre", target.PCRE}, {"list", target.List}, {"grain", target.Grain}, {"grain-pcre", target.GrainPCRE},
		{"ipcidr", target.IPCIDR}, {"compound", target.Compound}, {"nodegroup", target.Nodegroup}, {"range", target.Glob},
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
	if given == "range" {
		return kind, usagef("-R/--range: range expressions need a range server (seco range), which brine does not talk to: list the hosts with -L, or use -E, -C or -N")
	}
	return kind, nil
}

// seconds turns a flag's seconds into a duration.
func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// flagNames lists every name and alias of the flags, with dashes, for
// messages and completion.
func flagNames(fs []cli.Flag) []string {
	var out []string
	for _, f := range fs {
		for _, n := range f.Names() {
			if len(n) == 1 {
				out = append(out, "-"+n)
			} else {
				out = append(out, "--"+n)
			}
		}
	}
	return out
}

// flagByName finds a flag by any of its names.
func flagByName(fs []cli.Flag, name string) (cli.Flag, bool) {
	for _, f := range fs {
		for _, n := range f.Names() {
			if n == name {
				return f, true
			}
		}
	}
	return nil, false
}

// takesValue reports whether f is given a value (not a switch).
func takesValue(f cli.Flag) bool {
	_, isBool := f.(*cli.BoolFlag)
	return !isBool
}
