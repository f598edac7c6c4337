package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// verboseJID is the line -v prints first on stdout, as salt-ssh's.
var verboseJID = regexp.MustCompile(`^Executing job with jid (\d{20})$`)

// jidOf is the job id of the run r: from its --out-meta document or its
// -v line when it has one, else the latest in its client's history (brine
// shows the jid only with -v, as salt-ssh).
func jidOf(t *testing.T, r result) string {
	t.Helper()
	var doc struct {
		Meta struct {
			JID string `json:"jid"`
		} `json:"__brine__"`
	}
	if json.Unmarshal([]byte(r.stdout), &doc) == nil && doc.Meta.JID != "" {
		return doc.Meta.JID
	}
	if m := regexp.MustCompile(`(?m)^Executing job with jid (\d{20})$`).FindStringSubmatch(r.stdout); m != nil {
		return m[1]
	}
	if r.c == nil {
		t.Fatal("jidOf: a result without its client")
	}
	l := r.c.run("jobs.list_jobs", "--max-jobs", "1", "--out", "json")
	var jobs map[string]any
	if err := json.Unmarshal([]byte(l.stdout), &jobs); err != nil || len(jobs) != 1 {
		t.Fatalf("no last job (%v):\n%s%s", err, l.stdout, l.stderr)
	}
	for jid := range jobs {
		return jid
	}
	return ""
}

// rosterOnly writes the client's roster with just these fleet hosts.
func (c *client) rosterOnly(ids ...string) {
	c.t.Helper()
	var b strings.Builder
	for _, id := range ids {
		h := hostByID(c.t, id)
		fmt.Fprintf(&b, "%s:\n  host: %s\n  user: root\n", h.ID, h.Addr)
	}
	if err := os.WriteFile(c.roster, []byte(b.String()), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// historyTree fails a state on h02 and h03 and writes a file everywhere.
func historyTree(t *testing.T) string {
	return writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - hist\n",
		"hist.sls": `{% if grains['id'] in ['h02', 'h03'] %}
fail:
  cmd.run:
    - name: exit 3
{% endif %}
marker:
  file.managed:
    - name: /tmp/brine-hist-marker
    - contents: {{ grains['id'] }}
`,
	})
}

// listJobs is jobs.list_jobs as JSON.
func listJobs(t *testing.T, c *client) map[string]map[string]any {
	t.Helper()
	r := c.run("jobs.list_jobs", "--out", "json")
	if r.code != 0 {
		t.Fatalf("jobs.list_jobs: exit %d\n%s", r.code, r.stderr)
	}
	var m map[string]map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("jobs.list_jobs output: %v\n%s", err, r.stdout)
	}
	return m
}

func TestJobHistoryListAndLookup(t *testing.T) {
	c := newClient(t)
	tree := historyTree(t)
	jids := map[string]string{}
	runs := []struct {
		name string
		args []string
	}{
		{"json static", []string{"-L", "h01,h02,h03,h04", "state.apply", "--file-root", tree, "--out", "json", "--static"}},
		{"highstate", []string{"-L", "h01,h02,h03,h04", "state.apply", "--file-root", tree}},
		{"highstate terse static", []string{"h0[1-4]", "state.apply", "--file-root", tree, "--static", "--state-output", "terse"}},
		{"nested", []string{"h0*", "cmd.run", "echo hello from $(hostname)"}},
	}
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			ttype, tgt, fun := "glob", run.args[0], run.args[1]
			if tgt == "-L" {
				ttype, tgt, fun = "list", run.args[1], run.args[2]
			}
			r := c.run(run.args...)
			if r.code != 20 && fun == "state.apply" {
				t.Errorf("run exit %d, want 20 (h02, h03 fail)", r.code)
			}
			jid := jidOf(t, r)
			jids[run.name] = jid
			jobs := listJobs(t, c)
			job := jobs[jid]
			if job == nil {
				t.Fatalf("jobs.list_jobs lacks %s: %v", jid, jobs)
			}
			if job["Function"] != fun || job["Target"] != tgt || job["Target-type"] != ttype || job["User"] != "root" {
				t.Errorf("job %s: %v", jid, job)
			}
			if st, _ := job["StartTime"].(string); !regexp.MustCompile(`^\d{4}, [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{6}$`).MatchString(st) {
				t.Errorf("StartTime %q is not Salt's format", st)
			}
			if _, ok := job["EndTime"]; !ok {
				t.Errorf("finished job has no EndTime: %v", job)
			}
			// The same flags print the same bytes, and the same exit code.
			lookArgs := []string{"jobs.lookup_jid", jid}
			for i, a := range run.args {
				if a == "--out" || a == "--state-output" {
					lookArgs = append(lookArgs, a, run.args[i+1])
				}
				if a == "--static" {
					lookArgs = append(lookArgs, a)
				}
			}
			l := c.run(lookArgs...)
			if l.stdout != r.stdout {
				t.Errorf("lookup_jid printed differently from the run:\nrun:\n%s\nlookup:\n%s", r.stdout, l.stdout)
			}
			if l.code != r.code {
				t.Errorf("lookup_jid exit %d, the run's %d", l.code, r.code)
			}
		})
	}
	// --out-file: nothing on stdout, the file holds what lookup prints.
	out := filepath.Join(c.home, "run.json")
	r := c.run("-L", "h01,h04", "state.apply", "--file-root", tree, "--out", "json", "--static", "--out-file", out)
	if r.code != 0 || r.stdout != "" {
		t.Errorf("--out-file run: exit %d, stdout %q", r.code, r.stdout)
	}
	b, err := os.ReadFile(out)
	fi, _ := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("out file: %v %v", err, fi)
	}
	if l := c.run("jobs.lookup_jid", jidOf(t, r), "--out", "json", "--static"); l.stdout != string(b) {
		t.Errorf("--out-file content differs from lookup_jid:\nfile:\n%s\nlookup:\n%s", b, l.stdout)
	}
	// list_job: the targeted hosts and the tree hash (the same tree, the
	// same hash; nothing compiled, none).
	listJob := func(jid string) map[string]any {
		t.Helper()
		l := c.run("jobs.list_job", jid, "--out", "json")
		var m map[string]map[string]any
		if err := json.Unmarshal([]byte(l.stdout), &m); err != nil || m[jid] == nil {
			t.Fatalf("jobs.list_job %s: %v\n%s%s", jid, err, l.stdout, l.stderr)
		}
		return m[jid]
	}
	outJob := listJob(jidOf(t, r))
	if h, _ := outJob["TreeHash"].(string); len(h) != 64 || listJob(jids["json static"])["TreeHash"] != h {
		t.Errorf("tree hash %q: want the same sha256 for two runs of one tree", h)
	}
	if fmt.Sprint(outJob["Minions"]) != "[h01 h04]" || listJob(jids["nested"])["TreeHash"] != "" {
		t.Errorf("list_job: %v", outJob)
	}
	if res, _ := outJob["Result"].(map[string]any); len(res) != 2 {
		t.Errorf("list_job Result: %v", outJob["Result"])
	}
	// --max-jobs keeps the newest jobs.
	if l := c.run("jobs.list_jobs", "--max-jobs", "1", "--out", "json"); !strings.Contains(l.stdout, jidOf(t, r)) || strings.Count(l.stdout, `"Function"`) != 1 {
		t.Errorf("--max-jobs 1:\n%s", l.stdout)
	}
	if l := c.run("jobs.list_jobs", "search_function=cmd.*", "--out", "json"); strings.Count(l.stdout, `"Function": "cmd.run"`) != 1 || strings.Contains(l.stdout, "state.apply") {
		t.Errorf("search_function=cmd.*:\n%s", l.stdout)
	}
	st, err := os.Stat(filepath.Join(c.cache, "jobs.db"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("jobs.db: %v %v", st, err)
	}
}

// hostsOf is the host ids of a --out json --static output.
func hostsOf(t *testing.T, r result) []string {
	t.Helper()
	var ids []string
	for id := range jsonOut(t, r) {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func TestFailedFrom(t *testing.T) {
	c := newClient(t)
	tree := historyTree(t)
	down := hostByID(t, "h05")
	down.Stop()
	defer func() {
		if err := down.Start(); err != nil {
			t.Fatal(err)
		}
	}()
	r := c.run("h0[1-5]", "state.apply", "--file-root", tree, "--timeout", "3", "--out", "json", "--static")
	if r.code != 20 {
		t.Fatalf("exit %d, want 20\n%s", r.code, r.stderr)
	}
	jid := jidOf(t, r)
	retry := c.run("--failed-from", jid, "*", "test.ping", "--out", "json", "--static", "--timeout", "3")
	if got := fmt.Sprint(hostsOf(t, retry)); got != "[h02 h03 h05]" {
		t.Errorf("--failed-from %s '*' targeted %s, want the failed h02, h03 and the unreachable h05", jid, got)
	}
	// The retry itself failed on h05 only (still down).
	if last := c.run("--failed-from", "last", "*", "test.ping", "--out", "json", "--static", "--timeout", "3"); fmt.Sprint(hostsOf(t, last)) != "[h05]" {
		t.Errorf("--failed-from last: the last job failed on h05 only:\n%s", last.stdout)
	}
	within := c.run("--failed-from", jid, "h0[1-3]", "test.ping", "--out", "json", "--static")
	if got := fmt.Sprint(hostsOf(t, within)); got != "[h02 h03]" || within.code != 0 {
		t.Errorf("--failed-from within h0[1-3]: %s exit %d", got, within.code)
	}
	// "last" is each host's latest run of the function: the test.pings
	// above do not hide the failed state.apply (h02, h03 failed, h05 was
	// unreachable), and the latest test.ping of h02 and h03 succeeded.
	if again := c.run("--failed-from", "last", "*", "state.apply", "--file-root", tree, "test=True", "--timeout", "3", "--out", "json", "--static"); fmt.Sprint(hostsOf(t, again)) != "[h02 h03 h05]" {
		t.Errorf("--failed-from last '*' state.apply after test.pings: %s, want h02 h03 h05", again.stdout)
	}
	none := c.run("--failed-from", "last", "h0[1-3]", "test.ping")
	if none.code != 0 || none.stdout != "" || !strings.Contains(none.stderr, "nothing to run") {
		t.Errorf("nothing to retry: exit %d\nstdout:\n%s\nstderr:\n%s", none.code, none.stdout, none.stderr)
	}

	// An interrupted run (Ctrl-C) exits 130, and so does its lookup; a
	// killed one shows in list_jobs without an end. Either way, all its
	// hosts are retried.
	slow := writeTree(t, map[string]string{"top.sls": "base:\n  '*':\n    - slow\n", "slow.sls": "nap:\n  cmd.run:\n    - name: sleep 2\nafter:\n  cmd.run:\n    - name: 'true'\n"})
	stopRun := func(sig os.Signal, wait time.Duration) (string, int) {
		t.Helper()
		cmd := exec.Command(suite.bin, "--roster-file", c.roster, "--known-hosts", c.known, "--cache-dir", c.cache,
			"--priv", suite.fleet.ClientKey, "--no-agent", "--ssh-config", "none", "-L", "h06,h07", "state.apply", "--file-root", slow, "-v")
		cmd.Env = append(os.Environ(), "HOME="+c.home, "SSH_AUTH_SOCK=", "NO_COLOR=1", "BRINE_EXEC_DIR="+filepath.Dir(suite.bin))
		pipe, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		jids := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(pipe)
			for sc.Scan() {
				if m := verboseJID.FindStringSubmatch(sc.Text()); m != nil {
					jids <- m[1]
				}
			}
			close(jids)
		}()
		var jid string
		select {
		case jid = <-jids:
		case <-time.After(30 * time.Second):
		}
		time.Sleep(wait)
		cmd.Process.Signal(sig)
		for range jids { // drain stderr until the process closes it
		}
		cmd.Wait()
		if jid == "" {
			t.Fatal("the run printed no jid")
		}
		return jid, cmd.ProcessState.ExitCode()
	}
	stopped, code := stopRun(os.Interrupt, time.Second)
	if code != 130 {
		t.Errorf("interrupted run exit %d, want 130", code)
	}
	if l := c.run("jobs.lookup_jid", stopped); l.code != 130 {
		t.Errorf("lookup of an interrupted run: exit %d, want the run's 130", l.code)
	}
	if again := c.run("--failed-from", stopped, "*", "test.ping", "--out", "json", "--static"); fmt.Sprint(hostsOf(t, again)) != "[h06 h07]" {
		t.Errorf("--failed-from an interrupted run: %s, want h06 h07", again.stdout)
	}
	killed, _ := stopRun(os.Kill, 0)
	job := listJobs(t, c)[killed]
	if job == nil || job["EndTime"] != nil {
		t.Errorf("killed job %s in list_jobs: %v (want it listed, without EndTime)", killed, job)
	}
	again := c.run("--failed-from", killed, "*", "test.ping", "--out", "json", "--static")
	if got := fmt.Sprint(hostsOf(t, again)); got != "[h06 h07]" {
		t.Errorf("--failed-from a killed run: %s, want h06 h07", got)
	}
	time.Sleep(2 * time.Second) // the killed run's states end on the hosts
}

func TestNewHosts(t *testing.T) {
	c := newClient(t)
	tree := writeTree(t, map[string]string{
		"top.sls":  "base:\n  '*':\n    - mark\n",
		"mark.sls": "mark:\n  file.managed:\n    - name: /tmp/brine-new-hosts\n    - contents: {{ grains['id'] }}\n",
	})
	for _, id := range hostIDs(6) {
		os.Remove(filepath.Join(hostByID(t, id).Root, "tmp/brine-new-hosts"))
	}
	c.rosterOnly("h01", "h02", "h03")
	// Neither a dry run nor an SLS subset counts as provisioned.
	if r := c.run("*", "state.apply", "--file-root", tree, "test=True"); r.code != 0 {
		t.Fatalf("dry run: exit %d\n%s", r.code, r.stderr)
	}
	if r := c.run("--new-hosts", "*", "state.apply", "--file-root", tree, "--out", "json", "--static"); fmt.Sprint(hostsOf(t, r)) != "[h01 h02 h03]" || r.code != 0 {
		t.Fatalf("first --new-hosts run: exit %d %s", r.code, r.stdout)
	}
	c.rosterOnly("h01", "h02", "h03", "h04", "h05", "h06")
	r := c.run("--new-hosts", "*", "state.apply", "--file-root", tree, "--out", "json", "--static")
	if got := fmt.Sprint(hostsOf(t, r)); got != "[h04 h05 h06]" || r.code != 0 {
		t.Errorf("--new-hosts after adding h04-h06 targeted %s (exit %d)", got, r.code)
	}
	for _, id := range hostIDs(6) {
		if !fileExists(filepath.Join(hostByID(t, id).Root, "tmp/brine-new-hosts")) {
			t.Errorf("%s was never provisioned", id)
		}
	}
	// Within a target, and nothing left.
	if r := c.run("--new-hosts", "h0[4-6]", "state.apply", "--file-root", tree); r.code != 0 || !strings.Contains(r.stderr, "nothing to run") || r.stdout != "" {
		t.Errorf("all provisioned: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestTwoProcessesWriteHistory(t *testing.T) {
	c := newClient(t)
	const rounds = 4
	var wg sync.WaitGroup
	results := make([][]result, 2)
	for p := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				results[p] = append(results[p], c.run("-L", []string{"h01,h02,h03", "h04,h05,h06"}[p], "test.ping", "--out", "json", "--static", "--out-meta"))
			}
		}()
	}
	wg.Wait()
	jobs := listJobs(t, c)
	if len(jobs) != 2*rounds {
		t.Errorf("%d jobs recorded, want %d", len(jobs), 2*rounds)
	}
	for p := range 2 {
		for _, r := range results[p] {
			if strings.Contains(r.stderr, "warning") || r.code != 0 {
				t.Errorf("exit %d: %s", r.code, r.stderr)
			}
			jid := jidOf(t, r)
			if jobs[jid] == nil {
				t.Errorf("job %s is not in the history", jid)
			}
			if l := c.run("jobs.lookup_jid", jid, "--out", "json", "--static", "--out-meta"); l.stdout != r.stdout {
				t.Errorf("lookup %s:\n%s\nrun:\n%s", jid, l.stdout, r.stdout)
			}
		}
	}
}

// recap is the fleet recap of a human output without its timing line.
func recap(out string) string {
	i := strings.Index(out, "\nFleet recap\n")
	if i < 0 {
		return ""
	}
	var keep []string
	for _, l := range strings.Split(out[i:], "\n") {
		if !strings.HasPrefix(l, "Slowest hosts:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func TestMergeShards(t *testing.T) {
	c := newClient(t)
	tree := historyTree(t)
	down := hostByID(t, "h07")
	down.Stop()
	defer func() {
		if err := down.Start(); err != nil {
			t.Fatal(err)
		}
	}()
	common := []string{"state.apply", "--file-root", tree, "--timeout", "3"}
	// A first run makes the files, so the runs compared below change the
	// same states.
	c.run(append([]string{"h*"}, common...)...)
	whole := c.run(append([]string{"h*"}, common...)...)
	if whole.code != 20 || recap(whole.stderr) == "" {
		t.Fatalf("unsharded run: exit %d\n%s", whole.code, whole.stdout)
	}
	// Three --shard K/3 processes at once (interleaved in the roster),
	// each writing its json --static output to a file.
	var files []string
	var wg sync.WaitGroup
	shardRuns := make([]result, 3)
	for k := range shardRuns {
		f := filepath.Join(c.home, fmt.Sprintf("shard-%d.json", k+1))
		files = append(files, f)
		wg.Add(1)
		go func() {
			defer wg.Done()
			shardRuns[k] = c.run(append([]string{"--shard", fmt.Sprintf("%d/3", k+1), "h*"}, append(common, "--out", "json", "--static", "--out-meta", "--out-file", f)...)...)
		}()
	}
	wg.Wait()
	for k, r := range shardRuns {
		if r.stdout != "" {
			t.Errorf("shard %d printed on stdout with --out-file", k+1)
		}
	}
	merged := c.run(append([]string{"jobs.merge"}, files...)...)
	if merged.code != whole.code {
		t.Errorf("merge exit %d, the unsharded run's %d", merged.code, whole.code)
	}
	if recap(merged.stderr) != recap(whole.stderr) {
		t.Errorf("merged recap differs from the unsharded run's:\nmerged:\n%s\nwhole:\n%s", recap(merged.stderr), recap(whole.stderr))
	}
	if !strings.Contains(merged.stderr, "Slowest hosts:") {
		t.Errorf("merged recap lost the durations:\n%s", merged.stderr)
	}
	// json --static -> merge -> highstate is exactly what the run printed
	// (lookup_jid prints a run's own bytes, checked above).
	for k, f := range files {
		b, _ := os.ReadFile(f)
		var doc struct {
			Meta struct{ JID string } `json:"__brine__"`
		}
		if err := json.Unmarshal(b, &doc); err != nil || doc.Meta.JID == "" {
			t.Fatalf("shard %d: %v %s", k, err, b)
		}
		// Static: a merge prints hosts in roster order, not in the order
		// they finished.
		for _, flags := range [][]string{{"--static"}, {"--static", "--state-output", "terse"}, {"--static", "--out", "nested"}} {
			direct := c.run(append([]string{"jobs.lookup_jid", doc.Meta.JID}, flags...)...)
			viaMerge := c.run(append([]string{"jobs.merge", f}, flags...)...)
			if direct.stdout != viaMerge.stdout || direct.code != viaMerge.code {
				t.Errorf("shard %d %v: merge of its json differs from its highstate:\nmerge:\n%s\nrun:\n%s", k, flags, viaMerge.stdout, direct.stdout)
			}
		}
	}
	// Overlapping inputs are refused.
	if r := c.run("jobs.merge", files[0], files[0]); r.code != 2 || !strings.Contains(r.stderr, "is in both") {
		t.Errorf("overlap: exit %d %s", r.code, r.stderr)
	}
}

// TestHistoryNeverStoresSecrets: secret pillar values, from the pillar tree
// or typed in pillar=, are in no stored column and no stored return.
func TestHistoryNeverStoresSecrets(t *testing.T) {
	c := newClient(t)
	const fromTree, typed = "Tr33-s3cret-pw", "Typ3d-s3cret-pw"
	tree := writeTree(t, map[string]string{
		"top.sls":        "base:\n  '*':\n    - db\n",
		"db.sls":         "/etc/brine-hist-db.conf:\n  file.managed:\n    - contents: password={{ pillar['db']['password'] }}\n\nshow:\n  cmd.run:\n    - name: echo {{ pillar['db']['password'] }}\n",
		"pillar/top.sls": "base:\n  '*':\n    - db\n",
		"pillar/db.sls":  "db:\n  password: " + fromTree + "\n",
	})
	args := []string{"h05", "state.apply", "--file-root", tree, "--pillar-root", filepath.Join(tree, "pillar"), "--secret-pillar", "db:password"}
	var jids []string
	for _, extra := range [][]string{nil, {`pillar={"db": {"password": "` + typed + `"}}`}} {
		r := c.run(append(args, extra...)...)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		jids = append(jids, jidOf(t, r))
	}
	var stored strings.Builder
	for _, jid := range jids {
		for _, cmd := range [][]string{{"jobs.list_job", jid, "--out", "json"}, {"jobs.lookup_jid", jid, "--out", "json"}} {
			stored.WriteString(c.run(cmd...).stdout)
		}
	}
	if !strings.Contains(stored.String(), "XXX-REDACTED-XXX") || !strings.Contains(stored.String(), `pillar={\"db\": {\"password\": \"XXX-REDACTED-XXX\"}}`) {
		t.Errorf("the stored job shows no masked value:\n%s", stored.String())
	}
	files, _ := filepath.Glob(filepath.Join(c.cache, "jobs.db*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		stored.Write(b)
	}
	for _, s := range []string{fromTree, typed} {
		if strings.Contains(stored.String(), s) {
			t.Errorf("the job history holds the secret %q", s)
		}
	}
}
