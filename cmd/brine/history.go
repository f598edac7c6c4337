package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path"
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

// historyWriteTimeout bounds recording a job's end, which runs even after
// Ctrl-C has cancelled the run's context.
const historyWriteTimeout = 30 * time.Second

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
	if jid == "last" {
		j, err := db.Latest(ctx)
		if errors.Is(err, history.ErrNotFound) {
			return "", usagef("the job history %s is empty: no last job", db.Path())
		}
		return j, err
	}
	if _, ok := history.ParseJID(jid); !ok {
		return "", usagef("%q is not a job id: want 20 digits (YYYYmmddHHMMSSffffff) or last; see brine jobs.list_jobs", jid)
	}
	return jid, nil
}

// recorder records one run in the job history. Its methods do nothing
// when the history could not be opened: history never stops a run.
type recorder struct {
	db      *history.DB
	job     history.Job
	index   map[string]int
	seq     map[string]int
	secrets []string
	keep    history.Keep
	stderr  io.Writer
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
func beginRecord(ctx context.Context, c *cli.Context, cfg *config, info runInfo, stderr io.Writer) *recorder {
	rec := &recorder{index: info.index, seq: map[string]int{}, secrets: info.secrets, stderr: stderr}
	rec.job = history.Job{
		Start: time.Now(), User: jobUser(), Target: info.target, TargetType: targetType(c),
		Fun: info.fun, TreeHash: info.treeHash, Provisions: info.provisions,
	}
	rec.job.Args = rec.mask(info.args)
	for _, h := range info.failed {
		rec.job.Hosts = append(rec.job.Hosts, h.ID)
	}
	for _, h := range info.hosts {
		rec.job.Hosts = append(rec.job.Hosts, h.ID)
	}
	rec.keep = keepOf(cfg)
	var err error
	rec.db, err = openHistory(ctx, c)
	if err == nil {
		if err = rec.db.Begin(ctx, &rec.job); err != nil {
			rec.db.Close()
			rec.db = nil
		}
	}
	if err != nil {
		rec.job.JID = history.NewJID(rec.job.Start)
		fmt.Fprintf(stderr, "brine: warning: job history: %v: this run is not recorded\n", err)
	}
	fmt.Fprintf(stderr, "brine: jid %s\n", rec.job.JID)
	return rec
}

// startJob is action's one call before a run: it records the start of
// the job (printing its jid) and fills in what a static json document
// carries (jid, roster positions). rosterIDs are every roster id in order.
func startJob(ctx context.Context, c *cli.Context, cfg *config, fn function, job dispatch.Job, target string, args []string,
	hosts []*roster.Host, failed []report.HostReturn, rosterIDs []string, res *connect.Resolver, out *output, stderr io.Writer) *recorder {
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
	out.meta.JID, out.meta.Index = rec.jid(), index
	return rec
}

// jid is the run's job id.
func (r *recorder) jid() string { return r.job.JID }

// finished notes the order hosts finish in (the runner calls it
// serialised).
func (r *recorder) finished(h report.HostReturn) {
	if _, ok := r.seq[h.ID]; !ok {
		r.seq[h.ID] = len(r.seq)
	}
}

// mask redacts the run's secret values in args.
func (r *recorder) mask(args []string) []string {
	red := result.Redact(report.HostReturn{Return: append([]string{}, args...)}, r.secrets)
	out, _ := red.Return.([]string)
	return out
}

// finish records every host's result and the end of the job, masking
// the secrets found during the run (each host's secret pillar), then
// prunes the history.
func (r *recorder) finish(ctx context.Context, all []report.HostReturn, hostSecrets func(string) []string, runErr error) {
	if r.db == nil {
		return
	}
	defer r.db.Close()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), historyWriteTimeout)
	defer cancel()
	if hostSecrets != nil {
		for _, h := range r.job.Hosts {
			r.secrets = append(r.secrets, hostSecrets(h)...)
		}
	}
	r.job.Args = r.mask(r.job.Args)
	r.job.End, r.job.ExitCode = time.Now(), exitStatus(runErr)
	hosts := make([]history.Host, len(all))
	for i, h := range all {
		seq, ok := r.seq[h.ID]
		if !ok {
			seq = -1
		}
		hosts[i] = history.Host{HostReturn: result.Redact(h, r.secrets), Index: r.index[h.ID], Seq: seq}
	}
	if err := r.db.Finish(ctx, &r.job, hosts); err != nil {
		fmt.Fprintf(r.stderr, "brine: warning: job history: %v: job %s is recorded without its results\n", err, r.job.JID)
		return
	}
	if _, err := r.db.Prune(ctx, r.keep, time.Now()); err != nil {
		fmt.Fprintf(r.stderr, "brine: warning: job history: prune: %v\n", err)
	}
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
	jobs, err := db.Jobs(c.Context)
	if err != nil {
		return err
	}
	var rows []report.HostReturn
	for _, j := range jobs {
		if !globAny(match["search_function"], j.Fun) || !globAny(match["search_target"], j.Target) {
			continue
		}
		rows = append(rows, report.HostReturn{ID: j.JID, Fun: "jobs.list_jobs", Return: jobLoad(j)})
	}
	if limit > 0 && len(rows) > limit {
		rows = rows[len(rows)-limit:]
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
	v := jobLoad(*job)
	minions := make([]any, len(job.Hosts))
	for i, h := range job.Hosts {
		minions[i] = h
	}
	v["jid"], v["Minions"], v["TreeHash"] = job.JID, minions, job.TreeHash
	result := map[string]any{}
	for _, h := range hosts {
		rc := h.Retcode
		if h.Unreachable && rc == 0 {
			rc = 255
		}
		result[h.ID] = map[string]any{"return": report.Data(h.HostReturn), "retcode": rc, "success": h.Succeeded()}
	}
	v["Result"] = result
	return printRunnerDoc(c, stdout, []report.HostReturn{{ID: job.JID, Fun: "jobs.list_job", Return: v}})
}

// jobLoad is Salt's format_jid_instance of a job, plus EndTime once it
// ended.
func jobLoad(j history.Job) map[string]any {
	args := make([]any, len(j.Args))
	for i, a := range j.Args {
		args[i] = a
	}
	v := map[string]any{"Function": j.Fun, "Arguments": args, "Target": j.Target,
		"Target-type": j.TargetType, "User": j.User, "StartTime": history.StartTime(j.JID)}
	if !j.End.IsZero() {
		v["EndTime"] = j.End.UTC().Format("2006, Jan 02 15:04:05.000000")
	}
	return v
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

// globAny is true when there are no patterns or one matches s (fnmatch).
func globAny(patterns []string, s string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
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
	job, hosts, err := db.Lookup(ctx, jid)
	if errors.Is(err, history.ErrNotFound) {
		return usagef("job %s is not in the history %s (see brine jobs.list_jobs)", jid, db.Path())
	}
	if err != nil {
		return err
	}
	out, err := newOutput(c, job.Fun, stdout)
	if err != nil {
		return err
	}
	out.meta.JID = job.JID
	out.meta.Index = map[string]int{}
	all := make([]report.HostReturn, len(hosts))
	var streamed []history.Host
	got := map[string]bool{}
	for i, h := range hosts {
		all[i] = h.HostReturn
		out.meta.Index[h.ID] = h.Index
		got[h.ID] = true
		if h.Seq >= 0 {
			streamed = append(streamed, h)
		}
	}
	sort.SliceStable(streamed, func(i, j int) bool { return streamed[i].Seq < streamed[j].Seq })
	var missing []string
	for _, id := range job.Hosts {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	if job.End.IsZero() {
		fmt.Fprintf(stderr, "brine: job %s has no end: it was killed, or is still running\n", jid)
	}
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "brine: job %s: %d targeted hosts have no result: %s\n", jid, len(missing), strings.Join(missing, ", "))
	}
	err = out.finish(ctx, stderr, func(p report.Printer) []report.HostReturn {
		if !out.static {
			for _, h := range streamed {
				p.Host(h.HostReturn)
			}
		}
		return all
	})
	var code exitCode
	switch {
	case err != nil && !errors.As(err, &code):
		return err // printing failed
	case !job.End.IsZero() && job.ExitCode != exitOK:
		return exitCode(job.ExitCode)
	case !job.End.IsZero():
		return nil
	case len(missing) > 0:
		return exitCode(exitFailure)
	}
	return err
}

// mergeJobs is jobs.merge: the `--out json --static` outputs of several
// runs over one roster (shards) as one result, in roster order, with one
// fleet recap and the aggregate exit code.
func mergeJobs(c *cli.Context, files []string, stdout, stderr io.Writer) error {
	var all []report.HostReturn
	index := map[string]int{}
	from := map[string]string{}
	fun, funFile := "", ""
	for _, f := range files {
		doc, err := readDocument(c, f)
		if err != nil {
			return usagef("jobs.merge: %s: %v", f, err)
		}
		if !doc.Complete {
			fmt.Fprintf(stderr, "brine: warning: jobs.merge: %s has no brine metadata (not from brine --out json --static?): durations are unknown and retcodes inferred\n", f)
		}
		for _, h := range doc.Hosts {
			if prev, dup := from[h.ID]; dup {
				return usagef("jobs.merge: host %s is in both %s and %s: merge the outputs of disjoint runs (shards)", h.ID, prev, f)
			}
			from[h.ID] = f
			if h.Fun != "" {
				if fun != "" && h.Fun != fun {
					return usagef("jobs.merge: %s ran %s but %s ran %s: merge runs of one function", funFile, fun, f, h.Fun)
				}
				fun, funFile = h.Fun, f
			}
			if i, ok := doc.Index[h.ID]; ok {
				index[h.ID] = i
			}
			all = append(all, h)
		}
	}
	report.SortByIndex(all, index)
	out, err := newOutput(c, fun, stdout)
	if err != nil {
		return err
	}
	out.meta.Index = index
	return out.finish(c.Context, stderr, func(p report.Printer) []report.HostReturn {
		if !out.static {
			for _, h := range all {
				p.Host(h)
			}
		}
		return all
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
