package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/executorbin"
	"brine/provision/controller/keydeploy"
	"brine/provision/controller/report"
)

// action runs one brine command line.
func action(c *cli.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	ctx := c.Context
	args := c.Args().Slice()
	local := c.Bool("local")
	raw := c.Bool("raw")
	var tgt, fun string
	if !local && !raw && len(args) >= 1 {
		// Runner functions (jobs.*) take no TARGET and need no roster.
		if fn, ok := lookupFunction(args[0]); ok && fn.kind == runnerFun {
			pos := args[1:]
			if err := fn.checkArgs(pos); err != nil {
				return err
			}
			return fn.run(c, pos, stdout, stderr)
		}
	}
	switch {
	case local && len(args) >= 1:
		fun, args = args[0], args[1:]
	case raw && len(args) >= 2:
		tgt, fun, args = args[0], "cmd.raw", args[1:]
	case !local && !raw && len(args) >= 2:
		tgt, fun, args = args[0], args[1], args[2:]
	default:
		if local {
			return usagef("--local needs a FUNCTION, e.g. brine --local state.apply test=True (see brine --help)")
		}
		if raw {
			return usagef("-r needs a TARGET and a shell command, e.g. brine '*' -r 'uptime' (see brine --help)")
		}
		return usagef("need a TARGET and a FUNCTION, e.g. brine '*' test.ping (see brine --help)")
	}
	fn, ok := lookupFunction(fun)
	if raw {
		fn, ok = function{name: "cmd.raw", args: "'CMD'", kind: rawFun, minArgs: 1, example: "brine '*' -r 'uptime'"}, true
	}
	if !ok {
		return unknownFunction(fun)
	}
	if fn.kind == runnerFun {
		return usagef("%s runs on the controller and takes no TARGET: brine %s %s", fn.name, fn.name, fn.args)
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
	cacheDir := cacheDirOf(c)
	job, err := buildJob(c, cfg, fn, pos, kw)
	if err != nil {
		return err
	}
	out, err := newOutput(c, fun, stdout)
	if err != nil {
		return err
	}
	fleet, err := newFleetView(c, out.w, stderr)
	if err != nil {
		return err
	}
	if local && c.Bool("key-deploy") {
		return usagef("--key-deploy is for SSH hosts: --local needs no key")
	}
	job.Wipe = c.Bool("wipe")
	job.Controller = controllerName()
	runner := &dispatch.Runner{
		Store: executorbin.NewStore(), Cache: dispatch.Cache{Dir: cacheDir},
		MaxProcs: c.Int("max-procs"), Refresh: c.Bool("refresh"),
		Timeout:    seconds(c.Float64("timeout")),
		RunTimeout: seconds(c.Float64("run-timeout")),
	}
	if c.Bool("trace") {
		var mu sync.Mutex
		runner.Trace = func(id, step string, d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(fleet.Stderr(), "brine: trace: %s: %s %s\n", id, step, d.Round(10*time.Microsecond))
		}
	}
	var hosts []*roster.Host
	var failed []report.HostReturn
	var rosterIDs []string
	var res *connect.Resolver
	if local {
		// This machine, through the same runner, scripts and executor as a
		// remote host; grains are collected fresh each time, as salt-call's.
		id := c.String("id")
		if id == "" {
			id, _ = os.Hostname()
		}
		if err := localSelection(c); err != nil {
			return err
		}
		hosts = []*roster.Host{{ID: id, ThinDir: filepath.Join(cacheDir, "local")}}
		rosterIDs, tgt = []string{id}, id
		runner.Connector, runner.Refresh = dispatch.Local{}, true
	} else {
		r, groups, err := loadRoster(c, cfg, stderr)
		if err != nil {
			return err
		}
		pt, err := parseTarget(c, tgt, groups)
		if err != nil {
			return err
		}
		if res, err = newResolver(c, stderr); err != nil {
			return err
		}
		runner.Connector = dispatch.SSH{Dialer: res.Dialer(), Target: res.Target}
		if c.Bool("key-deploy") {
			runner.Connector = &keydeploy.Connector{Dialer: res.Dialer(), Target: res.Target, Keyring: res.Dialer().Keyring,
				Own: ownKey, Comment: "brine:" + controllerName(), Log: fleet.Stderr()}
		}
		if hosts, failed, err = targetHosts(ctx, pt, fun, r, runner, stderr); err != nil {
			return err
		}
		if hosts, failed, err = selectFromHistory(ctx, c, hosts, failed, stderr); err != nil {
			if errors.Is(err, errNothingToRun) {
				return nil
			}
			return err
		}
		rosterIDs = r.IDs()
	}
	if err := applySaltVersion(cfg, hosts); err != nil {
		return usageError{err}
	}
	if ret, ok := sysReturn(fun, pos); ok {
		// Answered from the controller's catalog: nothing runs, nothing
		// to record.
		return out.finish(ctx, stderr, func(p report.Printer) []report.HostReturn {
			return catalogReturns(p, out.static, hosts, failed, fun, ret)
		})
	}
	fleet.attach(runner, hosts, failed)
	rec := startJob(ctx, c, cfg, fn, job, tgt, args, hosts, failed, rosterIDs, res, out, stderr)
	err = out.finish(ctx, stderr, func(p report.Printer) []report.HostReturn {
		runner.Observer = fleet.observer(func(r report.HostReturn) {
			rec.Finished(r)
			if !out.static {
				p.Host(r)
			}
		})
		for _, h := range failed {
			rec.Finished(h)
			if !out.static {
				p.Host(h)
			}
		}
		fleet.start(ctx)
		defer fleet.stop()
		return append(failed, runner.Run(ctx, hosts, job)...)
	})
	rec.Finish(ctx, out.all, job.Secrets, exitStatus(err))
	return err
}

// ownKey is brine's own key file (--key-deploy's), offered when it exists
// ("" without a config directory: no own key).
var ownKey, _ = keydeploy.OwnKeyFile()

// newResolver reads the connection flags.
func newResolver(c *cli.Context, stderr io.Writer) (*connect.Resolver, error) {
	policy, err := connect.ParsePolicy(c.String("host-key-policy"))
	if err != nil {
		return nil, usageError{err}
	}
	if c.Bool("ignore-host-keys") {
		policy = connect.Ignore
	}
	r, err := connect.NewResolver(connect.Defaults{
		KnownHostsFile: c.String("known-hosts"), Policy: policy, SSHConfig: c.String("ssh-config"),
		Password: c.String("passwd"), Askpass: c.Bool("askpass"), Keys: c.StringSlice("priv"), Passphrase: c.String("priv-passwd"),
		Agent: !c.Bool("no-agent"), User: c.String("user"), Timeout: seconds(c.Float64("timeout")),
		Sudo: c.Bool("sudo"), SudoUser: c.String("sudo-user"),
		Keepalive: seconds(c.Float64("keepalive")), MaxHandshakes: c.Int("max-handshakes"), Own: ownKey,
		Prompt: terminalPrompt(stderr),
		Warn:   func(id, msg string) { fmt.Fprintf(stderr, "brine: warning: host %q: %s\n", id, msg) },
	})
	if err != nil {
		return nil, usageError{err}
	}
	return r, nil
}

// seconds turns a flag's seconds into a duration.
func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// controllerName is user@host of this controller, for the host lock's note.
func controllerName() string {
	h, _ := os.Hostname()
	return currentUser() + "@" + h
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
	// meta is what a static json document carries besides the hosts.
	meta *report.Meta
	// file is --out-file's, nil for stdout.
	file *outFile
}

func newOutput(c *cli.Context, fun string, w io.Writer) (*output, error) {
	name := c.String("out")
	if name == "" {
		name = "nested"
		if report.IsStateFun(fun) {
			name = "highstate"
		}
	}
	w, file, err := outputWriter(c.String("out-file"), c.Bool("out-file-append"), w)
	if err != nil {
		return nil, err
	}
	color := c.Bool("force-color") || (!c.Bool("no-color") && os.Getenv("NO_COLOR") == "" && isTerminal(w))
	meta := &report.Meta{}
	o := report.Options{Color: color, StateOutput: c.String("state-output"), StateVerbose: c.Bool("state-verbose"), Static: c.Bool("static")}
	if c.Bool("out-meta") {
		// Off by default: a static document is then exactly salt-ssh's
		// {host_id: return}, which scripts iterate.
		o.Meta = meta
	}
	p, err := report.New(w, name, o)
	if err != nil {
		return nil, usageError{err}
	}
	human := name == "highstate" || name == "nested" || name == "txt"
	return &output{p: p, w: w, static: o.Static, human: human, opts: o, meta: meta, file: file}, nil
}

// finish runs body (which prints hosts as they finish unless static), then
// the static document and recap, and turns the results into an exit code:
// 130 when the run was interrupted, 20 when a host failed, was unreachable
// or was not run.
func (o *output) finish(ctx context.Context, stderr io.Writer, body func(report.Printer) []report.HostReturn) (err error) {
	defer func() { err = o.closeFile(err) }()
	o.all = body(o.p)
	if err := o.p.Finish(o.all); err != nil {
		return err
	}
	if o.human && len(o.all) > 1 {
		report.Recap(o.w, o.all, o.opts)
	}
	for _, r := range o.all {
		for _, n := range r.Notes {
			fmt.Fprintf(stderr, "brine: note: %s: %s\n", r.ID, n)
		}
	}
	if ctx.Err() != nil {
		return exitCode(exitInterrupted)
	}
	for _, r := range o.all {
		if r.Failed() {
			return exitCode(exitFailure)
		}
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
