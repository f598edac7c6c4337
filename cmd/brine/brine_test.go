package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"brine/provision/controller/run"
	"brine/provision/controller/run/runtest"
)

func TestMain(m *testing.M) { os.Exit(runtest.Main(m)) }

// cli runs brine's command line over the fleet (its roster, cache and
// config, password login, no host key checks) and returns its stdout,
// stderr and exit code.
type cmdline struct {
	t *testing.T
	f *runtest.Fleet
}

func newCLI(t *testing.T, ids ...string) *cmdline {
	return &cmdline{t: t, f: runtest.NewFleet(t, ids...)}
}

func (c *cmdline) run(args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	argv := append([]string{"brine", "--roster-file", c.f.Roster, "--cache-dir", c.f.Cache,
		"-i", "--no-agent", "--ssh-config", "none", "--no-color"}, args...)
	var out, errb strings.Builder
	code = brine(argv, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// jidRE finds salt-ssh's -v line on stdout.
var jidRE = regexp.MustCompile(`(?m)^Executing job with jid (\d{20})\n-{43}\n\n\n`)

func TestStreamedOutputAndRecap(t *testing.T) {
	c := newCLI(t, "a", "b")
	c.f.AddDown("down")
	out, errs, code := c.run("*", "cmd.run", "echo hi", "--max-procs", "1")
	if code != run.ExitFailure {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	// The hosts on stdout; the recap on stderr, never in the data.
	if !strings.HasPrefix(out, "a:\n    hi\nb:\n    hi\ndown:\n") || !strings.Contains(out, "Host unreachable") || strings.Contains(out, "Fleet recap") {
		t.Errorf("stdout:\n%s", out)
	}
	for _, want := range []string{"Fleet recap", "Hosts targeted:     3", "Unreachable:        1  (down)"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	// The jid only with -v, as salt-ssh prints it: on stdout, first.
	if jidRE.MatchString(out + errs) {
		t.Errorf("a jid without -v: %q %q", out, errs)
	}
	out, errs, _ = c.run("*", "cmd.run", "echo hi", "-v", "--no-recap")
	if m := jidRE.FindStringIndex(out); m == nil || m[0] != 0 || strings.Contains(errs, "Fleet recap") {
		t.Errorf("-v --no-recap: %q %q", out, errs)
	}
	// One host: no recap; a clean run exits 0.
	out, _, code = c.run("a", "test.ping")
	if code != 0 || out != "a:\n    True\n" {
		t.Errorf("exit %d: %q", code, out)
	}
}

// --out json --static --out-meta is one document whose metadata names the
// run's jid and each host's roster position; jobs.lookup_jid prints the
// recorded run exactly as the run printed it, in any outputter.
func TestStaticDocumentAndReplay(t *testing.T) {
	c := newCLI(t, "a", "b")
	c.f.AddDown("down")
	out, errs, code := c.run("*", "test.ping", "--out", "json", "--static", "--out-meta", "--jid", "20260102030405000001")
	if code != run.ExitFailure {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	meta, _ := doc["__brine__"].(map[string]any)
	jid := "20260102030405000001"
	// --jid again: the history holds it already, nothing runs.
	if _, errs, code := c.run("*", "test.ping", "--jid", jid); code != run.ExitUsage || !strings.Contains(errs, "holds this job id already") {
		t.Errorf("--jid taken: exit %d %s", code, errs)
	}
	hosts, _ := meta["hosts"].(map[string]any)
	down, _ := hosts["down"].(map[string]any)
	if doc["a"] != true || meta["jid"] != jid || down["index"] != 2.0 || down["unreachable"] != true {
		t.Errorf("document: %s", out)
	}
	replay, rerrs, rcode := c.run("jobs.lookup_jid", "last", "--out", "json", "--static", "--out-meta")
	if replay != out || rcode != code || rerrs != "" {
		t.Errorf("lookup_jid: exit %d %q\n%s\nwant\n%s", rcode, rerrs, replay, out)
	}
	streamed, _, _ := c.run("*", "test.ping", "--max-procs", "1")
	replay, _, rcode = c.run("jobs.lookup_jid", "last")
	if replay != streamed || rcode != run.ExitFailure {
		t.Errorf("lookup_jid of a streamed run: exit %d\n%s\nwant\n%s", rcode, replay, streamed)
	}
	list, _, code := c.run("jobs.list_jobs", "--out", "json", "search_function=test.*")
	var jobs map[string]map[string]any
	if err := json.Unmarshal([]byte(list), &jobs); err != nil || code != 0 || len(jobs) != 2 || jobs[jid]["Function"] != "test.ping" {
		t.Errorf("list_jobs: exit %d %v\n%s", code, err, list)
	}
	one, _, code := c.run("jobs.list_job", jid, "--out", "json")
	var detail map[string]map[string]any
	json.Unmarshal([]byte(one), &detail)
	res, _ := detail[jid]["Result"].(map[string]any)
	if code != 0 || len(res) != 3 || detail[jid]["Target"] != "*" {
		t.Errorf("list_job: exit %d\n%s", code, one)
	}
}

// Shards' static outputs merge into one result and recap, with the
// aggregate exit code; --out-file holds exactly what stdout would.
func TestShardsMergeAndOutFile(t *testing.T) {
	c := newCLI(t, "a", "b", "c", "d")
	var files []string
	for _, s := range []string{"1/2", "2/2"} {
		p := filepath.Join(c.f.Dir, strings.Replace(s, "/", "of", 1)+".json")
		out, errs, code := c.run("*", "test.ping", "--shard", s, "--out", "json", "--static", "--out-meta", "--out-file", p)
		if code != 0 || out != "" {
			t.Fatalf("shard %s: exit %d %q %s", s, code, out, errs)
		}
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("--out-file: %v %v", fi, err)
		}
		files = append(files, p)
	}
	out, errs, code := c.run(append([]string{"jobs.merge"}, files...)...)
	if code != 0 || !strings.Contains(errs, "Hosts targeted:     4") || strings.Contains(out, "Fleet recap") {
		t.Errorf("merge: exit %d %s\n%s", code, errs, out)
	}
	if !regexp.MustCompile(`(?s)^a:\n    True\nb:\n    True\nc:\n    True\nd:\n    True\n`).MatchString(out) {
		t.Errorf("merge is not in roster order:\n%s", out)
	}
	_, errs, code = c.run("jobs.merge", files[0], files[0])
	if code != run.ExitUsage || !strings.Contains(errs, "is in both") {
		t.Errorf("merging a file twice: exit %d %s", code, errs)
	}
}

func TestProgressBatchesAndRaw(t *testing.T) {
	c := newCLI(t, "a", "b")
	out, errs, code := c.run("*", "-r", "echo out; echo err >&2; exit 3", "--progress", "-b", "1")
	if code != run.ExitFailure {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"brine: batch 1/2: a\n", "brine: batch 2/2: b\n", "progress: 2/2 done, 2 failed, 0 unreachable, 0 running\n"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "stdout:\n        out") || !strings.Contains(out, "stderr:\n        err") || !strings.Contains(out, "retcode:\n        3") {
		t.Errorf("raw output:\n%s", out)
	}
	// The catalog is answered without the hosts, and shows no progress.
	out, errs, code = c.run("*", "sys.list_state_functions", "test.nop", "--progress")
	if code != 0 || out != "a:\n    - test.nop\nb:\n    - test.nop\n" || !strings.HasPrefix(errs, "\nFleet recap\n") {
		t.Errorf("catalog: exit %d %q %q", code, out, errs)
	}
}

func TestJobsArgumentMistakes(t *testing.T) {
	c := newCLI(t, "a")
	for _, args := range [][]string{
		{"jobs.list_jobs", "web*"},
		{"jobs.list_jobs", "colour=red"},
		{"jobs.list_jobs", "limit=x"},
		{"jobs.list_jobs", "--max-jobs", "-1"},
		{"jobs.list_jobs", "--limit", "3"},
		{"jobs.list_job"},
		{"jobs.list_job", "last"},
		{"jobs.lookup_jid", "a", "b"},
		{"jobs.merge", "/nonexistent.json"},
		{"*", "jobs.list_jobs"},
	} {
		if _, errs, code := c.run(args...); code != run.ExitUsage {
			t.Errorf("%q: exit %d %s", args, code, errs)
		}
	}
}
