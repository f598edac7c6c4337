package run_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"brine/inventory/target"
	"brine/provision/controller/history"
	"brine/provision/controller/result"
	"brine/provision/controller/rollout"
	"brine/provision/controller/run"
	"brine/provision/controller/run/runtest"
)

func TestMain(m *testing.M) { os.Exit(runtest.Main(m)) }

// syncBuffer is a log the run writes from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func ids(rs []result.HostReturn) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return strings.Join(out, ",")
}

// lookup reads a recorded job back from the fleet's history.
func lookup(t *testing.T, f *runtest.Fleet, jid string) *history.Replay {
	t.Helper()
	db, err := history.Open(context.Background(), history.Path(f.Cache))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rp, err := history.Lookup(context.Background(), db, jid)
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

// A run over a roster with one host down: every host's result in target
// order, each told to the observers exactly once, the run recorded.
func TestRunReportsEveryHostOnce(t *testing.T) {
	f := runtest.NewFleet(t, "a", "b")
	f.AddDown("down")
	f.Add("c", "")
	w := &runtest.Watcher{}
	var log syncBuffer
	o := f.Options("*", "cmd.run", "echo hello")
	o.Log = &log
	out, err := run.Run(context.Background(), o, w)
	if err != nil {
		t.Fatal(err)
	}
	if ids(out.Hosts) != "a,b,down,c" || out.ExitCode() != run.ExitFailure || out.Interrupted {
		t.Fatalf("outcome %s exit %d: %+v", ids(out.Hosts), out.ExitCode(), out.Hosts)
	}
	for _, r := range out.Hosts {
		switch {
		case r.ID == "down" && (!r.Unreachable || r.Failure != result.Unreachable):
			t.Errorf("down: %+v", r)
		case r.ID != "down" && (r.Return != "hello" || r.Failed()):
			t.Errorf("%s: %+v", r.ID, r)
		}
	}
	if len(w.Plans) != 1 || len(w.Ends) != 1 {
		t.Fatalf("Begin %d times, End %d times", len(w.Plans), len(w.Ends))
	}
	p := w.Plans[0]
	if strings.Join(p.Hosts, ",") != "a,b,down,c" || p.JID != out.JID || p.Offline || p.Concurrency != 25 ||
		!reflect.DeepEqual(p.Index, map[string]int{"a": 0, "b": 1, "down": 2, "c": 3}) {
		t.Errorf("plan %+v", p)
	}
	got := w.FinishedIDs()
	if len(got) != 4 || len(w.Starts) != 4 {
		t.Errorf("finished %v, started %v: want each of the 4 hosts once", got, w.Starts)
	}
	rp := lookup(t, f, out.JID)
	if rp.Job.Fun != "cmd.run" || rp.Job.Target != "*" || rp.Job.TargetType != "glob" || rp.Job.ExitCode != run.ExitFailure ||
		len(rp.Streamed) != 4 || !reflect.DeepEqual(rp.Job.Args, []string{"echo hello"}) {
		t.Errorf("recorded %+v, %d streamed", rp.Job, len(rp.Streamed))
	}
	if log.String() != "" {
		t.Errorf("log: %q", log.String())
	}
}

// A host a grain target needs to ask and cannot: it is a result (first,
// before the run), told to observers, counted by --max-fail and recorded.
func TestTargetingFailureIsAResult(t *testing.T) {
	f := runtest.NewFleet(t)
	f.Add("web1", "  grains: {roles: [web]}")
	f.AddDown("web2")
	f.Add("db1", "  grains: {roles: [db]}")
	w := &runtest.Watcher{}
	o := f.Options("roles:web", "test.ping")
	o.TargetKind = target.Grain
	o.MaxFail = &rollout.Size{N: 0}
	out, err := run.Run(context.Background(), o, w)
	if err != nil {
		t.Fatal(err)
	}
	if ids(out.Hosts) != "web2,web1" || strings.Join(w.FinishedIDs(), ",") != "web2,web1" {
		t.Fatalf("outcome %s, observed %v", ids(out.Hosts), w.FinishedIDs())
	}
	down, web1 := out.Hosts[0], out.Hosts[1]
	if !down.Unreachable || !strings.HasPrefix(down.Error, "the target needs this host's grains and it could not give them: ") || down.Fun != "test.ping" {
		t.Errorf("web2: %+v", down)
	}
	// More than 0 failed before the run: --max-fail starts nobody.
	if web1.Failure != result.NotRun || web1.Error != "not run: stopped after 1 failed host" {
		t.Errorf("web1: %+v", web1)
	}
	if rp := lookup(t, f, out.JID); ids(rp.All) != "web2,web1" || rp.Job.TargetType != "grain" {
		t.Errorf("recorded %s %+v", ids(rp.All), rp.Job)
	}
}

func TestBatches(t *testing.T) {
	f := runtest.NewFleet(t, "a", "b", "c")
	w := &runtest.Watcher{}
	var log syncBuffer
	o := f.Options("*", "test.ping")
	o.Batch, o.Log = &rollout.Size{N: 2}, &log
	out, err := run.Run(context.Background(), o, w)
	if err != nil || out.ExitCode() != run.ExitOK {
		t.Fatal(out, err)
	}
	if log.String() != "brine: batch 1/2: a, b\nbrine: batch 2/2: c\n" {
		t.Errorf("log %q", log.String())
	}
	if w.Plans[0].Concurrency != 2 {
		t.Errorf("concurrency %d, want the batch size", w.Plans[0].Concurrency)
	}
}

// --failed-from and --new-hosts narrow the target by the history; nothing
// left is success with nothing told to the observers.
func TestHistorySelections(t *testing.T) {
	f := runtest.NewFleet(t, "a")
	f.AddDown("down")
	f.Add("b", "")
	tree := f.Tree(map[string]string{
		"top.sls": "base:\n  '*':\n    - m\n",
		"m.sls":   "m:\n  file.managed:\n    - name: " + filepath.Join(f.Dir, "{{ grains['id'] }}.txt") + "\n    - contents: hi\n",
	})
	ctx := context.Background()
	o := f.Options("*", "state.apply")
	o.FileRoot = tree
	first, err := run.Run(ctx, o)
	if err != nil || first.ExitCode() != run.ExitFailure {
		t.Fatal(first, err)
	}
	if b, err := os.ReadFile(filepath.Join(f.Dir, "a.txt")); err != nil || string(b) != "hi\n" {
		t.Fatalf("state not applied: %q %v", b, err)
	}
	// A test.ping in between (of a and b, all ok) does not hide the
	// failed state.apply: "last" is each host's latest state.apply.
	o = f.Options("a,b", "test.ping")
	o.TargetKind = target.List
	if ping, err := run.Run(ctx, o); err != nil || ping.ExitCode() != run.ExitOK {
		t.Fatal(ping, err)
	}
	w := &runtest.Watcher{}
	o = f.Options("*", "state.apply")
	o.FileRoot, o.FailedFrom = tree, "last"
	retry, err := run.Run(ctx, o, w)
	if err != nil || ids(retry.Hosts) != "down" || strings.Join(w.FinishedIDs(), ",") != "down" {
		t.Fatalf("--failed-from last: %s %v", ids(retry.Hosts), err)
	}
	// down failed again; within a target without it nothing is left.
	var log syncBuffer
	w = &runtest.Watcher{}
	o = f.Options("a,b", "state.apply")
	o.TargetKind, o.FailedFrom, o.Log, o.FileRoot = target.List, "last", &log, tree
	none, err := run.Run(ctx, o, w)
	if err != nil || len(none.Hosts) != 0 || none.JID != "" || len(w.Plans)+len(w.Ends) != 0 {
		t.Errorf("nothing to run: %+v %v %+v", none, err, w)
	}
	if !strings.Contains(log.String(), "no targeted host's last state.apply failed, was unreachable or was not run (--failed-from last): nothing to run") {
		t.Errorf("log %q", log.String())
	}
	// No cmd.run job at all: nothing to retry.
	log = syncBuffer{}
	o = f.Options("*", "cmd.run", "true")
	o.FailedFrom, o.Log = "last", &log
	if none, err := run.Run(ctx, o); err != nil || len(none.Hosts) != 0 || !strings.Contains(log.String(), "nothing to run") {
		t.Errorf("--failed-from last without a cmd.run job: %+v %v %q", none, err, log.String())
	}
	// a and b had a full highstate: only down is new.
	o = f.Options("*", "test.ping")
	o.NewHosts = true
	fresh, err := run.Run(ctx, o)
	if err != nil || ids(fresh.Hosts) != "down" {
		t.Errorf("--new-hosts: %s %v", ids(fresh.Hosts), err)
	}
	o = f.Options("*", "test.ping")
	o.FailedFrom = "20000101000000000000"
	if _, err := run.Run(ctx, o); !run.IsUsage(err) || !strings.Contains(err.Error(), "the job is not in the history") {
		t.Errorf("unknown jid: %v", err)
	}
}

// --failed-from last and --new-hosts read the histories of other cache
// directories too (--history-from: the shards of a fleet): a host's latest
// result wins wherever it was recorded.
func TestHistoryFromOtherCaches(t *testing.T) {
	f := runtest.NewFleet(t, "a", "b", "c")
	ctx := context.Background()
	fail := f.Tree(map[string]string{"top.sls": "base:\n  '*':\n    - m\n", "m.sls": "m:\n  test.fail_without_changes: []\n"})
	pass := f.Tree(map[string]string{"top.sls": "base:\n  '*':\n    - m\n", "m.sls": "m:\n  test.succeed_without_changes: []\n"})
	shard2 := filepath.Join(f.Dir, "cache-shard-2")
	apply := func(cache, tgt, tree string) {
		t.Helper()
		o := f.Options(tgt, "state.apply")
		o.TargetKind, o.FileRoot, o.CacheDir = target.List, tree, cache
		if _, err := run.Run(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	apply(f.Cache, "a,b,c", fail) // all three fail, in this cache
	apply(shard2, "a", pass)      // later, a succeeds in another cache
	retry := func(from ...string) string {
		t.Helper()
		var log syncBuffer
		o := f.Options("*", "state.apply")
		o.FileRoot, o.FailedFrom, o.HistoryFrom, o.Log = pass, "last", from, &log
		out, err := run.Run(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return ids(out.Hosts)
	}
	if got := retry(); got != "a,b,c" {
		t.Errorf("own history only: retried %s, want a,b,c", got)
	}
	// The run above was recorded in f.Cache: a, b and c are ok now. Fail
	// b there again, and look from shard 2's cache at both.
	apply(f.Cache, "b", fail)
	o := f.Options("*", "state.apply")
	o.FileRoot, o.FailedFrom, o.CacheDir, o.HistoryFrom = pass, "last", shard2, []string{filepath.Join(f.Dir, "cach*"), filepath.Join(f.Dir, "no-such-dir")}
	out, err := run.Run(ctx, o)
	if err != nil || ids(out.Hosts) != "b" {
		t.Errorf("merged histories: retried %s %v, want b", ids(out.Hosts), err)
	}
	// --new-hosts: provisioned in any of the histories counts. Shard 2
	// provisioned a and b (the last two runs there), never c.
	fresh := f.Cache + "-empty"
	o = f.Options("*", "test.ping")
	o.NewHosts, o.CacheDir, o.HistoryFrom = true, fresh, []string{shard2}
	if out, err = run.Run(ctx, o); err != nil || ids(out.Hosts) != "c" {
		t.Errorf("--new-hosts over shard 2's history: %s %v, want c", ids(out.Hosts), err)
	}
	var log syncBuffer
	o.HistoryFrom, o.Log = []string{shard2, f.Cache}, &log
	out, err = run.Run(ctx, o)
	if err != nil || len(out.Hosts) != 0 || !strings.Contains(log.String(), "nothing to run") {
		t.Errorf("--new-hosts over both histories: %s %v %q", ids(out.Hosts), err, log.String())
	}
}

// Ctrl-C: the hosts in flight stop and answer, the others are not run,
// the exit code is 130 and the job is recorded.
func TestInterrupt(t *testing.T) {
	f := runtest.NewFleet(t, "a", "b", "c")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &runtest.Watcher{OnStarted: func(string) { cancel() }}
	o := f.Options("*", "test.ping")
	o.MaxProcs = 1
	out, err := run.Run(ctx, o, w)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Interrupted || out.ExitCode() != run.ExitInterrupted || len(out.Hosts) != 3 {
		t.Fatalf("%+v exit %d", out, out.ExitCode())
	}
	if a := out.Hosts[0]; a.Failure != result.Interrupted {
		t.Errorf("a (in flight): %+v", a)
	}
	for _, r := range out.Hosts[1:] {
		if r.Failure != result.NotRun || r.Error != "not run: the run was interrupted" {
			t.Errorf("%s: %+v", r.ID, r)
		}
	}
	if rp := lookup(t, f, out.JID); rp.Job.ExitCode != run.ExitInterrupted || len(rp.All) != 3 {
		t.Errorf("recorded exit %d, %d hosts", rp.Job.ExitCode, len(rp.All))
	}
}

// An observer whose End fails (the output could not be written) makes the
// run's error and exit code 1, and the history records that code.
func TestObserverEndError(t *testing.T) {
	f := runtest.NewFleet(t, "a")
	boom := errors.New("disk full")
	first, second := &runtest.Watcher{EndErr: boom}, &runtest.Watcher{}
	out, err := run.Run(context.Background(), f.Options("*", "test.ping"), first, second)
	if !errors.Is(err, boom) || out.ExitCode() != run.ExitError {
		t.Fatalf("%v exit %d", err, out.ExitCode())
	}
	if len(second.Ends) != 1 || !errors.Is(second.Ends[0].Err, boom) {
		t.Errorf("a later observer should see the earlier End's error: %+v", second.Ends)
	}
	if rp := lookup(t, f, out.JID); rp.Job.ExitCode != run.ExitError {
		t.Errorf("recorded exit %d", rp.Job.ExitCode)
	}
}

// sys.* is answered by the controller for each targeted host: no host is
// contacted and nothing is recorded.
func TestCatalogIsOffline(t *testing.T) {
	f := runtest.NewFleet(t, "a", "b")
	w := &runtest.Watcher{}
	out, err := run.Run(context.Background(), f.Options("*", "sys.list_state_functions", "test.nop"), w)
	if err != nil || out.JID != "" || ids(out.Hosts) != "a,b" {
		t.Fatal(out, err)
	}
	if !w.Plans[0].Offline || w.Plans[0].JID != "" || !reflect.DeepEqual(out.Hosts[0].Return, []any{"test.nop"}) {
		t.Errorf("plan %+v, return %v", w.Plans[0], out.Hosts[0].Return)
	}
	if n := len(f.Execs()); n != 0 {
		t.Errorf("hosts contacted: %v", f.Execs())
	}
	if _, err := os.Stat(history.Path(f.Cache)); err == nil {
		t.Error("a catalog answer was recorded")
	}
}

// The show functions compile on the controller from the host's grains; a
// state run applies, with secret pillar values masked everywhere.
func TestCompileFunctions(t *testing.T) {
	f := runtest.NewFleet(t, "a")
	secretFile := filepath.Join(f.Dir, "secret.txt")
	tree := f.Tree(map[string]string{
		"top.sls": "base:\n  '*':\n    - s\n",
		"s.sls": "s:\n  file.managed:\n    - name: " + secretFile + "\n    - contents: {{ pillar['db']['password'] }}\n" +
			"show:\n  test.succeed_without_changes:\n    - name: pw is {{ pillar['db']['password'] }}\n",
	})
	pillar := `pillar={"db": {"password": "hunter2-secret"}}`
	ctx := context.Background()
	o := f.Options("*", "state.show_top")
	o.FileRoot = tree
	top, err := run.Run(ctx, o)
	if err != nil || toJSON(top.Hosts[0].Return) != `{"base":["s"]}` {
		t.Fatalf("show_top: %+v %v", top.Hosts, err)
	}
	o = f.Options("*", "state.show_lowstate", pillar)
	o.FileRoot = tree
	low, err := run.Run(ctx, o)
	if err != nil || low.ExitCode() != 0 || !strings.Contains(toJSON(low.Hosts[0].Return), `"__id__":"s"`) {
		t.Fatalf("show_lowstate: %+v %v", low.Hosts, err)
	}
	o = f.Options("*", "state.apply", pillar)
	o.FileRoot, o.SecretPillar = tree, []string{"db:password"}
	applied, err := run.Run(ctx, o)
	if err != nil || applied.ExitCode() != 0 {
		t.Fatalf("state.apply: %+v %v", applied.Hosts, err)
	}
	if b, _ := os.ReadFile(secretFile); string(b) != "hunter2-secret\n" {
		t.Errorf("file: %q", b)
	}
	if s := toJSON(applied.Hosts[0].Return); strings.Contains(s, "hunter2-secret") || !strings.Contains(s, result.Mask) {
		t.Errorf("secret in the result: %s", s)
	}
	rp := lookup(t, f, applied.JID)
	if s := toJSON(rp.All) + strings.Join(rp.Job.Args, " "); strings.Contains(s, "hunter2-secret") {
		t.Errorf("secret in the history: %s", s)
	}
	if rp.Job.TreeHash == "" || !rp.Job.Provisions {
		t.Errorf("job %+v", rp.Job)
	}
}

func TestLocal(t *testing.T) {
	cache := t.TempDir()
	w := &runtest.Watcher{}
	out, err := run.Run(context.Background(), run.Options{Local: true, LocalID: "me", Fun: "test.ping", CacheDir: cache, Config: filepath.Join(cache, "none.yaml")}, w)
	if err != nil || ids(out.Hosts) != "me" || out.Hosts[0].Return != true || w.Plans[0].Index["me"] != 0 {
		t.Fatalf("%+v %v", out, err)
	}
	if rp := lookup(t, &runtest.Fleet{Cache: cache}, out.JID); rp.Job.TargetType != "local" || rp.Job.Target != "me" {
		t.Errorf("recorded %+v", rp.Job)
	}
}

func TestTrace(t *testing.T) {
	f := runtest.NewFleet(t, "a")
	var log syncBuffer
	o := f.Options("a", "test.ping")
	o.Trace, o.Log = true, &log
	if _, err := run.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "brine: trace: a: dial 127.0.0.1:") || !strings.Contains(log.String(), "brine: trace: a: exec") {
		t.Errorf("trace: %q", log.String())
	}
}

// Mistakes are usage errors, found before any host is contacted.
func TestUsageErrors(t *testing.T) {
	f := runtest.NewFleet(t, "a")
	for _, c := range []struct {
		name string
		set  func(o *run.Options)
		want string
	}{
		{"unknown function", func(o *run.Options) { o.Fun = "nosuch" }, `unknown function "nosuch"`},
		{"a guarded function without Yes", func(o *run.Options) { o.Fun = "system.reboot" }, "add --yes"},
		{"a runner function", func(o *run.Options) { o.Fun = "jobs.list_jobs" }, "runs on the controller and takes no TARGET"},
		{"missing argument", func(o *run.Options) { o.Fun = "state.sls" }, "state.sls needs SLS"},
		{"raw without a command", func(o *run.Options) { o.Raw, o.Args = true, nil }, "cmd.raw needs 'CMD'"},
		{"bad test=", func(o *run.Options) { o.Fun, o.Args = "state.apply", []string{"test=maybe"} }, "test=maybe: want True or False"},
		{"bad pillar=", func(o *run.Options) { o.Fun, o.Args = "state.apply", []string{"pillar=[1"} }, "pillar=[1: want a JSON or YAML map"},
		{"no file root", func(o *run.Options) { o.Fun, o.FileRoot = "state.apply", "/nonexistent" }, `file root "/nonexistent" of saltenv "base" is not a directory`},
		{"no roster", func(o *run.Options) { o.RosterFile = "/nonexistent/roster.yaml" }, "/nonexistent/roster.yaml"},
		{"no match", func(o *run.Options) { o.Target = "zz*" }, `no hosts in ` + f.Roster + ` match target "zz*" (ids: a)`},
		{"bad target", func(o *run.Options) { o.TargetKind, o.Target = target.PCRE, "(" }, "("},
		{"config named but missing", func(o *run.Options) { o.ConfigExplicit = true }, "brine.yaml"},
		{"--local --failed-from", func(o *run.Options) { o.Local, o.FailedFrom = true, "last" }, "do not go with --local"},
		{"--local --key-deploy", func(o *run.Options) { o.Local, o.KeyDeploy = true, true }, "--key-deploy is for SSH hosts"},
		{"sshconfig roster with a roster file", func(o *run.Options) { o.Roster, o.RosterFileExplicit = "sshconfig", true }, "--roster sshconfig reads the hosts"},
		{"sshconfig roster without a config", func(o *run.Options) { o.Roster = "sshconfig" }, "--roster sshconfig needs an OpenSSH config"},
		{"--askpass without a terminal", func(o *run.Options) { o.Askpass = true }, "no terminal"},
	} {
		o := f.Options("*", "test.ping")
		c.set(&o)
		w := &runtest.Watcher{}
		_, err := run.Run(context.Background(), o, w)
		if !run.IsUsage(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v (want a usage error with %q)", c.name, err, c.want)
		}
		if len(w.Plans) != 0 {
			t.Errorf("%s: observers were told of a run", c.name)
		}
	}
	if n := len(f.Execs()); n != 0 {
		t.Errorf("hosts contacted: %v", f.Execs())
	}
}

// A call Salt refuses (a function brine does not have, arguments that do
// not fit its signature) is every host's answer in salt-call's words, no
// host contacted; with RetcodePassthrough the exit code is salt-call's.
func TestRefusedCall(t *testing.T) {
	f := runtest.NewFleet(t, "a", "b")
	for _, c := range []struct {
		fun     string
		args    []string
		msg     string
		retcode int
	}{
		{"test.pnig", nil, "'test.pnig' is not available.", 255},
		{"cmd.run", nil, "Passed invalid arguments: run() missing 1 required positional argument: 'cmd'", 1},
	} {
		o := f.Options("*", c.fun, c.args...)
		var log syncBuffer
		o.Log, o.RetcodePassthrough = &log, true
		w := &runtest.Watcher{}
		out, err := run.Run(context.Background(), o, w)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Plans) != 1 || !w.Plans[0].Offline || len(w.Finishes) != 2 {
			t.Fatalf("%s: plans %+v, finished %+v", c.fun, w.Plans, w.Finishes)
		}
		for _, r := range w.Finishes {
			if !strings.HasPrefix(r.Error, c.msg) || r.Retcode != c.retcode {
				t.Errorf("%s: %s: %q retcode %d; want %q, %d", c.fun, r.ID, r.Error, r.Retcode, c.msg, c.retcode)
			}
		}
		if out.ExitCode() != c.retcode {
			t.Errorf("%s: exit %d; want %d", c.fun, out.ExitCode(), c.retcode)
		}
	}
	if n := len(f.Execs()); n != 0 {
		t.Errorf("hosts contacted: %v", f.Execs())
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
