package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/history"
	"brine/provision/controller/report"
	"brine/provision/controller/result"
)

// defaultKeepJobs is how many jobs the history keeps unless brine.yaml's
// keep_jobs says otherwise.
const defaultKeepJobs = 1000

// historyFlags are the flags of the job history, the selections made from
// it and the output file.
func historyFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "failed-from", Usage: "target, within TARGET, the hosts that failed, were unreachable or were not run in job `JID` (\"last\": the latest job)"},
		&cli.BoolFlag{Name: "new-hosts", Usage: "target, within TARGET, only the hosts with no successful highstate in the job history"},
		&cli.StringFlag{Name: "out-file", Aliases: []string{"output-file"}, Usage: "write the output to `FILE` instead of stdout (replaced when the output is complete)"},
		&cli.BoolFlag{Name: "out-file-append", Aliases: []string{"output-file-append"}, Usage: "append to the --out-file FILE instead of replacing it"},
		&cli.BoolFlag{Name: "out-meta", Usage: "with --out json|yaml --static, add a __brine__ entry (jid; each host's function, retcode, failure, duration, roster position) so jobs.merge rebuilds the run exactly"},
		&cli.IntFlag{Name: "limit", Usage: "jobs.list_jobs: only the `N` most recent jobs"},
	}
}

// historyFunctions are Salt's jobs runner functions brine has.
func historyFunctions() []function {
	return []function{
		{name: "jobs.list_jobs", args: "[search_function=GLOB] [search_target=GLOB]", kind: runnerFun, run: listJobs,
			doc: "jobs in the history, oldest first, in Salt's shape (--limit N)"},
		{name: "jobs.list_job", args: "JID", kind: runnerFun, run: listJob, minArgs: 1, example: "brine jobs.list_job last",
			doc: "one recorded job: its load, hosts, tree hash and each host's return"},
		{name: "jobs.lookup_jid", args: "JID", kind: runnerFun, run: lookupJID, minArgs: 1, example: "brine jobs.lookup_jid last",
			doc: "print a recorded job as its run printed it (JID, or last)"},
		{name: "jobs.merge", args: "FILE...", kind: runnerFun, run: mergeJobs, minArgs: 1, example: "brine jobs.merge shard-0.json shard-1.json",
			doc: "merge --out json --static outputs (shards) into one result and recap"},
	}
}

// cacheDirOf is --cache-dir, or ~/.cache/brine.
func cacheDirOf(c *cli.Context) string {
	if d := c.String("cache-dir"); d != "" {
		return d
	}
	return dispatch.DefaultCacheDir()
}

// openHistory opens the job history in the cache directory.
func openHistory(ctx context.Context, c *cli.Context) (*history.DB, error) {
	return history.Open(ctx, history.Path(cacheDirOf(c)))
}

// checkKeep refuses a negative keep_jobs or keep_jobs_seconds.
func (cfg *config) checkKeep() error {
	if cfg.KeepJobs != nil && *cfg.KeepJobs < 0 {
		return fmt.Errorf("keep_jobs: %d: want a number of jobs (a count, not Salt's hours), 0 for no limit", *cfg.KeepJobs)
	}
	if cfg.KeepJobsSeconds < 0 {
		return fmt.Errorf("keep_jobs_seconds: %d: want seconds, 0 for no limit", cfg.KeepJobsSeconds)
	}
	return nil
}

// keepOf is the history's pruning from brine.yaml: keep_jobs jobs (a
// count, default 1000; 0 keeps any number; NOT Salt's hours) and
// keep_jobs_seconds (Salt's name: an age; default 0, no age limit).
func keepOf(cfg *config) history.Keep {
	k := history.Keep{Jobs: defaultKeepJobs, Age: time.Duration(cfg.KeepJobsSeconds) * time.Second}
	if cfg.KeepJobs != nil {
		k.Jobs = *cfg.KeepJobs
	}
	return k
}

// currentUser is the name of the user running brine.
func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// jobUser is who runs brine, as Salt records it: "sudo_<user>" when root
// through sudo (salt/utils/user.py get_specific_user).
func jobUser() string {
	name := currentUser()
	if s := os.Getenv("SUDO_USER"); s != "" && name == "root" {
		return "sudo_" + s
	}
	return name
}

// targetType is Salt's tgt_type for the targeting flags in use ("local"
// for --local).
func targetType(c *cli.Context) string {
	if c.Bool("local") {
		return "local"
	}
	kind, err := targetKind(c)
	if err != nil {
		return "glob"
	}
	return kind.String()
}

// localSelection refuses --failed-from and --new-hosts with --local,
// which has no roster to select from.
func localSelection(c *cli.Context) error {
	if c.String("failed-from") != "" || c.Bool("new-hosts") {
		return usagef("--failed-from and --new-hosts select roster hosts: they do not go with --local")
	}
	return nil
}

// errNothingToRun ends a run that --failed-from or --new-hosts left
// without hosts: nothing to do is success.
var errNothingToRun = errors.New("nothing to run")

// selectFromHistory narrows the targeted hosts (and those targeting could
// not decide, already failed) by --failed-from and --new-hosts. It returns
// errNothingToRun, after saying why on stderr, when no host is left.
func selectFromHistory(ctx context.Context, c *cli.Context, hosts []*roster.Host, failed []report.HostReturn,
	stderr io.Writer) ([]*roster.Host, []report.HostReturn, error) {
	if c.String("failed-from") == "" && !c.Bool("new-hosts") || len(hosts)+len(failed) == 0 {
		return hosts, failed, nil
	}
	var ids []string
	for _, r := range failed {
		ids = append(ids, r.ID)
	}
	for _, h := range hosts {
		ids = append(ids, h.ID)
	}
	ids, err := filterIDs(ctx, c, ids, stderr)
	if err != nil {
		return nil, nil, err
	}
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	var h2 []*roster.Host
	for _, h := range hosts {
		if keep[h.ID] {
			h2 = append(h2, h)
		}
	}
	var f2 []report.HostReturn
	for _, r := range failed {
		if keep[r.ID] {
			f2 = append(f2, r)
		}
	}
	return h2, f2, nil
}

// filterIDs narrows ids (targeted host ids) by --failed-from and
// --new-hosts: plain list filters over the job history.
func filterIDs(ctx context.Context, c *cli.Context, ids []string, stderr io.Writer) ([]string, error) {
	from, onlyNew := c.String("failed-from"), c.Bool("new-hosts")
	db, err := openHistory(ctx, c)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if from != "" {
		jid, err := resolveJID(ctx, db, from)
		if err != nil {
			return nil, err
		}
		retry, err := db.Retry(ctx, jid)
		if errors.Is(err, history.ErrNotFound) {
			return nil, usagef("--failed-from %s: the job is not in the history %s (see brine jobs.list_jobs)", jid, db.Path())
		}
		if err != nil {
			return nil, err
		}
		ids = keepListed(ids, retry)
		if len(ids) == 0 {
			fmt.Fprintf(stderr, "brine: job %s has no failed, unreachable or not-run host in the target (%d to retry in all): nothing to run\n", jid, len(retry))
			return nil, errNothingToRun
		}
	}
	if onlyNew {
		done, err := db.Provisioned(ctx)
		if err != nil {
			return nil, err
		}
		n := len(ids)
		ids = dropProvisioned(ids, done)
		if len(ids) == 0 {
			fmt.Fprintf(stderr, "brine: all %d targeted hosts have had a successful highstate (--new-hosts): nothing to run\n", n)
			return nil, errNothingToRun
		}
	}
	return ids, nil
}

// keepListed keeps the ids that are in list, in the order of ids.
func keepListed(ids, list []string) []string {
	in := make(map[string]bool, len(list))
	for _, id := range list {
		in[id] = true
	}
	var out []string
	for _, id := range ids {
		if in[id] {
			out = append(out, id)
		}
	}
	return out
}

// dropProvisioned drops the ids that done holds.
func dropProvisioned(ids []string, done map[string]bool) []string {
	var out []string
	for _, id := range ids {
		if !done[id] {
			out = append(out, id)
		}
	}
	return out
}

// resolveJID checks a JID argument; "last" is the latest job.
func resolveJID(ctx context.Context, db *history.DB, jid string) (string, error) {
	jid, err := history.ResolveJID(ctx, db, jid)
	if errors.Is(err, history.ErrNotFound) || errors.Is(err, history.ErrBadJID) {
		return "", usageError{err}
	}
	return jid, err
}

// runInfo is what the run knows at its start.
type runInfo struct {
	fun    string
	args   []string // as typed after FUNCTION
	target string
	hosts  []*roster.Host
	// failed are targeted hosts that have their result already (their
	// grains could not be had for the target).
	failed []report.HostReturn
	index  map[string]int // roster positions
	// provisions: a full, non-test highstate (--new-hosts counts it).
	provisions bool
	treeHash   string
	// secrets known at the start (passwords, secret pillar= values).
	secrets []string
}

// beginRecord gives the run its jid, prints it on stderr and records the
// start of the job.
func beginRecord(ctx context.Context, c *cli.Context, cfg *config, info runInfo, stderr io.Writer) *history.Recorder {
	job := history.Job{
		Start: time.Now(), User: jobUser(), Target: info.target, TargetType: targetType(c),
		Fun: info.fun, TreeHash: info.treeHash, Provisions: info.provisions, Args: info.args,
	}
	for _, h := range info.failed {
		job.Hosts = append(job.Hosts, h.ID)
	}
	for _, h := range info.hosts {
		job.Hosts = append(job.Hosts, h.ID)
	}
	rec := history.Record(ctx, history.Path(cacheDirOf(c)), job, info.index, info.secrets, keepOf(cfg), stderr)
	fmt.Fprintf(stderr, "brine: jid %s\n", rec.JID())
	return rec
}

// startJob is action's one call before a run: it records the start of
// the job (printing its jid) and fills in what a static json document
// carries (jid, roster positions). rosterIDs are every roster id in order.
func startJob(ctx context.Context, c *cli.Context, cfg *config, fn function, job dispatch.Job, target string, args []string,
	hosts []*roster.Host, failed []report.HostReturn, rosterIDs []string, res *connect.Resolver, out *output, stderr io.Writer) *history.Recorder {
	pos, kw := splitKwargs(args)
	if fn.kind == rawFun {
		pos, kw = args, map[string]any{}
	}
	index := make(map[string]int, len(rosterIDs))
	for i, id := range rosterIDs {
		index[id] = i
	}
	hash, err := treeHashOf(c, fn, kw)
	if err != nil {
		fmt.Fprintf(stderr, "brine: warning: job history: %v\n", err)
	}
	rec := beginRecord(ctx, c, cfg, runInfo{
		fun: fn.name, args: args, target: target, hosts: hosts, failed: failed, index: index, treeHash: hash,
		provisions: fn.kind == stateFun && provisions(fn.name, pos, job.Test),
		secrets:    secretsOf(c, cfg, res, hosts, kw),
	}, stderr)
	out.meta.JID, out.meta.Index = rec.JID(), index
	return rec
}

// listJobs is jobs.list_jobs: {jid: {Function, Arguments, Target,
// Target-type, User, StartTime}} as Salt's format_jid_instance, plus
// EndTime once the job has ended (Salt's list_job key).
func listJobs(c *cli.Context, args []string, stdout, stderr io.Writer) error {
	pos, kw := splitKwargs(args)
	if len(pos) > 0 {
		return usagef("jobs.list_jobs takes no positional arguments (got %q): filter with search_function=GLOB or search_target=GLOB", pos[0])
	}
	limit := c.Int("limit")
	match := map[string][]string{}
	for k, v := range kw {
		switch k {
		case "search_function", "search_target":
			match[k] = splitInput(fmt.Sprint(v))
		case "limit":
			n, err := strconv.Atoi(fmt.Sprint(v))
			if err != nil || n < 0 {
				return usagef("limit=%v: want a number of jobs", v)
			}
			limit = n
		default:
			return usagef("jobs.list_jobs: unknown argument %s= (use search_function=, search_target= or --limit)", k)
		}
	}
	if limit < 0 {
		return usagef("--limit %d: want a number of jobs", limit)
	}
	db, err := openHistory(c.Context, c)
	if err != nil {
		return err
	}
	defer db.Close()
	jobs, err := history.ListJobs(c.Context, db, history.Filter{Functions: match["search_function"], Targets: match["search_target"], Limit: limit})
	if err != nil {
		return err
	}
	var rows []report.HostReturn
	for _, j := range jobs {
		rows = append(rows, report.HostReturn{ID: j.JID, Fun: "jobs.list_jobs", Return: j.Load()})
	}
	return printRunnerDoc(c, stdout, rows)
}

// listJob is jobs.list_job: one job's load (as list_jobs), its EndTime,
// Minions (the targeted hosts), TreeHash and Result ({host: {return,
// retcode, success}}, as Salt's job cache returns it).
func listJob(c *cli.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		return usagef("jobs.list_job takes one JID, e.g. brine jobs.list_job last")
	}
	db, err := openHistory(c.Context, c)
	if err != nil {
		return err
	}
	defer db.Close()
	jid, err := resolveJID(c.Context, db, args[0])
	if err != nil {
		return err
	}
	job, hosts, err := db.Lookup(c.Context, jid)
	if errors.Is(err, history.ErrNotFound) {
		return usagef("job %s is not in the history %s (see brine jobs.list_jobs)", jid, db.Path())
	}
	if err != nil {
		return err
	}
	v := history.Detail(job, hosts, report.Data)
	return printRunnerDoc(c, stdout, []report.HostReturn{{ID: job.JID, Fun: "jobs.list_job", Return: v}})
}

// printRunnerDoc prints a runner's return as one document (as Salt
// prints a runner's return), nested by default.
func printRunnerDoc(c *cli.Context, stdout io.Writer, rows []report.HostReturn) error {
	out, err := newOutput(c, "jobs.list_jobs", stdout)
	if err != nil {
		return err
	}
	name := c.String("out")
	if name == "" {
		name = "nested"
	}
	opts := out.opts
	opts.Static, opts.Meta = true, nil
	p, err := report.New(out.w, name, opts)
	if err != nil {
		return usageError{err}
	}
	return out.closeFile(p.Finish(rows))
}

// splitInput is Salt's salt.utils.args.split_input for a string: a comma
// separated list.
func splitInput(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// lookupJID is jobs.lookup_jid: the stored job printed as its run printed
// it, in any outputter. Its exit code is the run's (0, 20, or 130 when it
// was interrupted); for a run that never ended (killed), 20 when a host
// failed or has no result.
func lookupJID(c *cli.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		return usagef("jobs.lookup_jid takes one JID, e.g. brine jobs.lookup_jid last")
	}
	ctx := c.Context
	db, err := openHistory(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	jid, err := resolveJID(ctx, db, args[0])
	if err != nil {
		return err
	}
	rp, err := history.Lookup(ctx, db, jid)
	if errors.Is(err, history.ErrNotFound) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	job := rp.Job
	out, err := newOutput(c, job.Fun, stdout)
	if err != nil {
		return err
	}
	out.meta.JID, out.meta.Index = job.JID, rp.Index
	if !rp.Ended() {
		fmt.Fprintf(stderr, "brine: job %s has no end: it was killed, or is still running\n", jid)
	}
	if len(rp.Missing) > 0 {
		fmt.Fprintf(stderr, "brine: job %s: %d targeted hosts have no result: %s\n", jid, len(rp.Missing), strings.Join(rp.Missing, ", "))
	}
	err = out.finish(ctx, stderr, func(p report.Printer) []report.HostReturn {
		if !out.static {
			for _, h := range rp.Streamed {
				p.Host(h)
			}
		}
		return rp.All
	})
	var code exitCode
	switch {
	case err != nil && !errors.As(err, &code):
		return err // printing failed
	case rp.Ended() && job.ExitCode != exitOK:
		return exitCode(job.ExitCode)
	case rp.Ended():
		return nil
	case len(rp.Missing) > 0:
		return exitCode(exitFailure)
	}
	return err
}

// mergeJobs is jobs.merge: the `--out json --static` outputs of several
// runs over one roster (shards) as one result, in roster order, with one
// fleet recap and the aggregate exit code.
func mergeJobs(c *cli.Context, files []string, stdout, stderr io.Writer) error {
	docs := make([]*report.Document, len(files))
	for i, f := range files {
		doc, err := readDocument(c, f)
		if err != nil {
			return usagef("jobs.merge: %s: %v", f, err)
		}
		if !doc.Complete {
			fmt.Fprintf(stderr, "brine: warning: jobs.merge: %s has no brine metadata (not from brine --out json --static?): durations are unknown and retcodes inferred\n", f)
		}
		docs[i] = doc
	}
	merged, fun, err := report.Merge(docs, files)
	if err != nil {
		return usagef("jobs.merge: %v", err)
	}
	out, err := newOutput(c, fun, stdout)
	if err != nil {
		return err
	}
	out.meta.Index = merged.Index
	return out.finish(c.Context, stderr, func(p report.Printer) []report.HostReturn {
		if !out.static {
			for _, h := range merged.Hosts {
				p.Host(h)
			}
		}
		return merged.Hosts
	})
}

// readDocument reads one jobs.merge input ("-" is stdin).
func readDocument(c *cli.Context, name string) (*report.Document, error) {
	if name == "-" {
		return report.ReadDocument(c.App.Reader)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return report.ReadDocument(f)
}

// secretsOf lists the secret values a run knows at its start: passwords
// and passphrases (flags and roster) and the values at secret pillar paths
// in a pillar= argument.
func secretsOf(c *cli.Context, cfg *config, res *connect.Resolver, hosts []*roster.Host, kw map[string]any) []string {
	s := []string{c.String("passwd"), c.String("priv-passwd")}
	if res != nil {
		s = append(s, res.Secrets()...)
	}
	for _, h := range hosts {
		s = append(s, h.Passwd, h.PrivPasswd)
	}
	if p, err := pillarOverride(kw); err == nil && p != nil {
		paths := append(append([]string(nil), cfg.SecretPillar...), c.StringSlice("secret-pillar")...)
		s = append(s, result.SecretValues(p, paths)...)
	}
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// treeHashOf is the hash of the state tree a compiling function reads
// (history.TreeHash), with the run's saltenv and pillar= override; ""
// for functions that compile nothing.
func treeHashOf(c *cli.Context, fn function, kw map[string]any) (string, error) {
	if fn.kind != stateFun && fn.kind != showFun {
		return "", nil
	}
	tree, err := loadTree(c)
	if err != nil {
		return "", err
	}
	var roots []history.Root
	add := func(kind string, m map[string][]string) {
		envs := make([]string, 0, len(m))
		for env := range m {
			envs = append(envs, env)
		}
		sort.Strings(envs)
		for _, env := range envs {
			for _, d := range m[env] {
				roots = append(roots, history.Root{Kind: kind, Env: env, Dir: d})
			}
		}
	}
	add("file", tree.FileRoots)
	add("pillar", tree.PillarRoots)
	saltenv, _ := json.Marshal(kw["saltenv"])
	// The parsed override (keys sorted), so spacing in the argument does
	// not change the hash.
	p, err := pillarOverride(kw)
	if err != nil {
		return "", err
	}
	pillar, _ := json.Marshal(p)
	return history.TreeHash(roots, "saltenv="+string(saltenv), "pillar="+string(pillar))
}

// pillarOverride is the parsed pillar= argument of kw (nil without one),
// leaving kw as it is.
func pillarOverride(kw map[string]any) (map[string]any, error) {
	v, ok := kw["pillar"]
	if !ok {
		return nil, nil
	}
	return pillarKwarg(map[string]any{"pillar": v})
}

// provisions tells whether a run counts for --new-hosts: a full highstate
// (state.highstate, or state.apply without SLS names) that is not a dry
// run.
func provisions(fun string, pos []string, test bool) bool {
	return !test && (fun == "state.highstate" || fun == "state.apply" && len(pos) == 0)
}
