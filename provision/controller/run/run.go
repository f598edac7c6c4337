// Package run is brine's pipeline on the controller, from one command's
// settings to every targeted host's result:
//
//	roster → target → connect → compile → bundle → dispatch → results
//
// Run reads brine.yaml and the roster (inventory/roster), selects hosts
// (inventory/target, asking hosts for grains when the target needs them,
// then the job history's --failed-from and --new-hosts), resolves how to
// reach each (connect), builds the job (compile, per host, into a
// bundle) and hands it to the runner (dispatch), which runs the hosts in
// parallel as the rollout gate admits them. Everything that watches the run
// is an Observer: the command line's progress meter and printer, and the
// job history's recorder, each told about every host exactly once.
//
// Options are plain values, not flags: cmd/brine turns its command line
// into Options, prints what observers are told, and exits with the
// Outcome's code.
package run

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"brine/inventory/roster"
	"brine/inventory/target"
	"brine/provision/controller/connect"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/executorbin"
	"brine/provision/controller/keydeploy"
	"brine/provision/controller/result"
	"brine/provision/controller/rollout"
)

// Run runs one command on its hosts and returns their results, telling
// observers about the run as it goes. Mistakes in the options, config or
// roster are UsageErrors, found before any host is contacted. A failing
// host is a result, never an error; ctx ending (an interruption) stops the
// hosts in flight at their next state boundary, reports the rest not run,
// and still records the job. The error returned after the run is
// Outcome.Err: an observer's End failed.
//
// A run that --failed-from or --new-hosts leave without hosts says so on
// the log and returns an empty Outcome; observers hear nothing.
func Run(ctx context.Context, o Options, observers ...Observer) (Outcome, error) {
	o = o.withDefaults()
	fn, pos, kw, err := o.function()
	if err != nil {
		return Outcome{}, err
	}
	cfg, err := loadConfig(o.Config, o.ConfigExplicit, o.SaltMaster)
	if err != nil {
		return Outcome{}, UsageError{err}
	}
	// A refused call or a sys.* function: the controller's answer for
	// every host, nothing runs.
	ans, offline := o.execAnswer(fn)
	var job dispatch.Job
	if !offline {
		if job, err = o.buildJob(cfg, fn, pos, kw); err != nil {
			return Outcome{}, err
		}
	}
	if o.Local && o.KeyDeploy {
		return Outcome{}, Usagef("--key-deploy is for SSH hosts: --local needs no key")
	}
	job.Wipe = o.Wipe || o.RandThinDir
	if o.RandThinDir {
		job.ThinSuffix = randomSuffix()
	}
	job.PreFlight = o.PreFlight
	job.Controller = controllerName()
	runner := &dispatch.Runner{
		Store: executorbin.NewStore(), Cache: dispatch.Cache{Dir: o.CacheDir},
		MaxProcs: o.MaxProcs, Refresh: o.Refresh, Timeout: o.Timeout, RunTimeout: o.RunTimeout,
		MaxAnswer: o.MaxAnswer, MaxStderr: o.MaxStderr, MaxOutput: o.MaxOutput, Forwards: o.Forwards,
	}
	if o.Trace {
		runner.Trace = o.tracer()
	}
	sel, err := o.selectHosts(ctx, cfg, fn, runner)
	if errors.Is(err, errNothingToRun) {
		return Outcome{}, nil
	}
	if err != nil {
		return Outcome{}, err
	}
	if err := cfg.applySaltVersion(sel.hosts); err != nil {
		return Outcome{}, UsageError{err}
	}
	ids := make([]string, 0, len(sel.failed)+len(sel.hosts))
	for _, r := range sel.failed {
		ids = append(ids, r.ID)
	}
	for _, h := range sel.hosts {
		ids = append(ids, h.ID)
	}
	fan := &fanout{obs: observers}
	if offline {
		// Nothing runs, nothing to record.
		return o.answer(ctx, fan, Plan{Fun: fn.Name, Hosts: ids, Concurrency: o.MaxProcs, Offline: true}, sel, ans)
	}
	index := make(map[string]int, len(sel.rosterIDs))
	for i, id := range sel.rosterIDs {
		index[id] = i
	}
	plan := Plan{Fun: fn.Name, Hosts: ids, Index: index, Concurrency: o.MaxProcs}
	if gate := o.gate(sel); gate != nil {
		runner.Gate = gate
		if n := gate.BatchSize(); n > 0 {
			plan.Concurrency = min(plan.Concurrency, n)
		}
	}
	// The arguments as typed (buildJob consumed test=, pillar= and
	// saltenv= from kw).
	typedPos, typedKw := SplitArgs(o.Args, o.NoParse...)
	if fn.Kind == RawFun {
		typedPos, typedKw = o.Args, map[string]any{}
	}
	rec, err := o.record(ctx, cfg, fn, sel.target, job.Test, typedPos, typedKw, ids, index, o.secrets(cfg, sel.res, sel.hosts, typedKw))
	if err != nil {
		return Outcome{}, err
	}
	rec.secrets = job.Secrets
	fan.obs = append(fan.obs, rec)
	plan.JID, plan.Recorded = rec.JID(), rec.Recorded()
	fan.Begin(plan)
	for _, r := range sel.failed {
		fan.Finished(r)
	}
	runner.Observer = fan
	results := runner.Run(ctx, sel.hosts, job)
	out := fan.End(Outcome{JID: plan.JID, Hosts: append(sel.failed, results...), Interrupted: ctx.Err() != nil, InterruptCode: interruptCode(ctx),
		RetcodePassthrough: o.RetcodePassthrough})
	return out, out.Err
}

// function is the function to run and its arguments, split into
// positional and keyword ones (-r's are all positional).
func (o *Options) function() (Function, []string, map[string]any, error) {
	if o.Raw {
		return raw, o.Args, nil, nil
	}
	fn, ok := LookupFunction(o.Fun)
	if !ok {
		return fn, nil, nil, UnknownFunction(o.Fun)
	}
	if fn.Kind == RunnerFun {
		return fn, nil, nil, Usagef("%s runs on the controller and takes no TARGET: brine %s %s", fn.Name, fn.Name, fn.Args)
	}
	if fn.Kind == ExecFun {
		if err := o.prepareExec(&fn); err != nil {
			return fn, nil, nil, err
		}
	}
	pos, kw := SplitArgs(o.Args, o.NoParse...)
	return fn, pos, kw, nil
}

// selection is the hosts a run targets.
type selection struct {
	// hosts run; failed already have their result (targeting needed
	// their grains and could not have them).
	hosts  []*roster.Host
	failed []result.HostReturn
	// rosterIDs are every roster id in order (the hosts' positions).
	rosterIDs []string
	// target is the target as recorded (the id with --local).
	target string
	// res resolves the hosts' connections (nil with --local).
	res *connect.Resolver
	// file is the roster's path.
	file string
}

// selectHosts reads the roster, targets hosts and narrows them by the job
// history, or takes this machine with Local; it gives the runner its
// connector.
func (o *Options) selectHosts(ctx context.Context, cfg *Config, fn Function, runner *dispatch.Runner) (selection, error) {
	if o.Local {
		// This machine, through the same runner, scripts and executor as a
		// remote host; grains are collected fresh each time, as salt-call's.
		id := o.LocalID
		if id == "" {
			id, _ = os.Hostname()
		}
		if o.FailedFrom != "" || o.NewHosts {
			return selection{}, Usagef("--failed-from and --new-hosts select roster hosts: they do not go with --local")
		}
		runner.Connector, runner.Refresh = dispatch.Local{}, true
		return selection{hosts: []*roster.Host{{ID: id, ThinDir: filepath.Join(o.CacheDir, "local")}}, rosterIDs: []string{id}, target: id}, nil
	}
	r, groups, err := o.loadRoster(ctx, cfg)
	if err != nil {
		return selection{}, err
	}
	kind, tgt := o.TargetKind, o.Target
	if h, ok, err := o.adhocHost(ctx, r, o.rosterDefaults(cfg.RosterDefaults)); err != nil {
		return selection{}, err
	} else if ok {
		r.Hosts = append(r.Hosts, h)
		kind, tgt = target.List, h.ID
	}
	if o.Roster == "scan" {
		kind, tgt = target.Glob, "*"
	}
	expr, err := target.ParseDelim(kind, tgt, groups, o.Delimiter)
	if err != nil {
		return selection{}, UsageError{err}
	}
	own, _ := keydeploy.OwnKeyFile() // no config dir: no own key to offer
	res, err := connect.NewResolver(connect.Defaults{
		KnownHostsFile: o.KnownHosts, Policy: o.HostKeyPolicy, SSHConfig: o.SSHConfig,
		Password: o.Password, Askpass: o.Askpass, Keys: o.Keys, Passphrase: o.Passphrase, Agent: !o.NoAgent, SSHOptions: o.SSHOptions,
		User: o.User, Timeout: o.Timeout, Sudo: o.Sudo, SudoUser: o.SudoUser,
		Keepalive: o.Keepalive, MaxHandshakes: o.MaxHandshakes, Own: own, Prompt: o.Prompt,
		Warn: func(id, msg string) { fmt.Fprintf(o.Log, "brine: warning: host %q: %s\n", id, msg) },
	})
	if err != nil {
		return selection{}, UsageError{err}
	}
	runner.Connector = dispatch.SSH{Dialer: res.Dialer(), Target: res.Target}
	if o.KeyDeploy {
		runner.Connector = &keydeploy.Connector{Dialer: res.Dialer(), Target: res.Target, Keyring: res.Dialer().Keyring,
			Own: own, Comment: "brine:" + controllerName(), Log: o.Log}
	}
	hosts, failed, err := o.targetHosts(ctx, expr, groups, fn.Name, r, runner)
	if err != nil {
		return selection{}, err
	}
	if hosts, failed, err = o.limit(hosts, failed, r, groups); err != nil {
		return selection{}, err
	}
	if hosts, failed, err = o.selectFromHistory(ctx, hosts, failed); err != nil {
		return selection{}, err
	}
	return selection{hosts: hosts, failed: failed, rosterIDs: r.IDs(), target: o.Target, res: res, file: r.File}, nil
}

// gate is the rollout gate Batch and MaxFail ask for (nil for neither):
// the hosts that failed during targeting count toward MaxFail.
func (o *Options) gate(sel selection) *rollout.Gate {
	if o.Batch == nil && o.MaxFail == nil {
		return nil
	}
	ids := make([]string, len(sel.hosts))
	for i, h := range sel.hosts {
		ids[i] = h.ID
	}
	g := rollout.New(rollout.Options{Hosts: ids, Batch: o.Batch, MaxFail: o.MaxFail, Targeted: len(sel.hosts) + len(sel.failed),
		OnBatch: func(n, of int, ids []string) {
			fmt.Fprintf(o.Log, "brine: batch %d/%d: %s\n", n, of, someIDs(ids, 10))
		}})
	for _, r := range sel.failed {
		g.Prior(r)
	}
	return g
}

// answer gives ans as every targeted host's return, as salt-ssh prints its
// per-host answers, without contacting any host: every host runs the same
// brine executor, so the controller's answer (its catalogs', or Salt's
// refusal of the call) is the same for all of them. Hosts targeting could
// not resolve keep their failure.
func (o *Options) answer(ctx context.Context, fan *fanout, plan Plan, sel selection, ans result.HostReturn) (Outcome, error) {
	fan.Begin(plan)
	all := append([]result.HostReturn(nil), sel.failed...)
	for _, r := range sel.failed {
		fan.Finished(r)
	}
	for _, h := range sel.hosts {
		r := ans
		r.ID = h.ID
		fan.Finished(r)
		all = append(all, r)
	}
	out := fan.End(Outcome{Hosts: all, Interrupted: ctx.Err() != nil, InterruptCode: interruptCode(ctx), RetcodePassthrough: o.RetcodePassthrough})
	return out, out.Err
}

// randomSuffix names this run's thin dirs for RandThinDir.
func randomSuffix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// tracer writes each host's network steps to the log, one line at a time.
func (o *Options) tracer() func(id, step string, d time.Duration) {
	var mu sync.Mutex
	return func(id, step string, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(o.Log, "brine: trace: %s: %s %s\n", id, step, d.Round(10*time.Microsecond))
	}
}
