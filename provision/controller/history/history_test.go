package history

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"brine/provision/controller/report"
	"brine/provision/controller/result"
	"brine/provision/wire/lowstate"
)

func open(t *testing.T, path string) *DB {
	t.Helper()
	d, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestJID(t *testing.T) {
	// Salt: f"{datetime:%Y%m%d%H%M%S%f}" in UTC; jid_to_time gives
	// "{year}, {months[int(month)]} {day} {hour}:{minute}:{second}.{micro}".
	loc := time.FixedZone("CET", 3600)
	ts := time.Date(2026, 11, 28, 11, 30, 0, 123456789, loc)
	jid := NewJID(ts)
	if jid != "20261128103000123456" {
		t.Fatalf("NewJID = %s", jid)
	}
	if got := StartTime(jid); got != "2026, Nov 28 10:30:00.123456" {
		t.Errorf("StartTime = %q", got)
	}
	if got := StartTime("20260102030405000007"); got != "2026, Jan 02 03:04:05.000007" {
		t.Errorf("StartTime = %q", got)
	}
	for _, bad := range []string{"", "2026112810300012345", "2026112810300012345x", "20261328103000123456", "202611281030001234567"} {
		if _, ok := ParseJID(bad); ok {
			t.Errorf("ParseJID(%q) accepted", bad)
		}
	}
	if got := nextJID("20261128103059999999"); got != "20261128103100000000" {
		t.Errorf("nextJID = %s", got)
	}
}

func TestFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache", "brine")
	d := open(t, Path(dir))
	j := &Job{Start: time.Now(), Fun: "test.ping", Hosts: []string{"a"}}
	if err := d.Begin(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache dir: %v %v", fi.Mode(), err)
	}
	for _, name := range []string{FileName, FileName + "-wal", FileName + "-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
}

// sample is one host of every shape the outputters treat differently.
func sample() []report.HostReturn {
	tru, fal := true, false
	states := lowstate.Results{
		"file_|-motd_|-/etc/motd_|-managed": {ID: "motd", Name: "/etc/motd", Result: &tru, Comment: "File /etc/motd updated",
			Changes: map[string]any{"diff": "--- \n+++ \n@@ -1 +1 @@\n-old\n+new"}, SLS: "motd", RunNum: 0, Start: "10:30:00.000001", Duration: 7.0},
		"cmd_|-broken_|-exit 3_|-run": {ID: "broken", Name: "exit 3", Result: &fal, Comment: "Command \"exit 3\" run",
			Changes: map[string]any{"retcode": 3, "pid": 12, "stdout": "", "stderr": ""}, SLS: "motd", RunNum: 1, Start: "10:30:00.1", Duration: 1.25},
	}
	return []report.HostReturn{
		{ID: "web1", Fun: "state.apply", Return: states, Retcode: 2, Duration: 1234567891 * time.Nanosecond},
		{ID: "web2", Fun: "state.apply", Unreachable: true, Retcode: 255, Error: "dial tcp 192.0.2.1:22: connect: connection refused", Duration: 3 * time.Second},
		{ID: "web3", Fun: "state.apply", Retcode: 1, Error: "Rendering SLS 'base:motd' failed: line 3\nmore", Duration: 5 * time.Millisecond},
		{ID: "web4", Fun: "state.apply", Return: map[string]any{}, Duration: 2 * time.Millisecond, Notes: []string{"took over a stale host lock"}},
		{ID: "web6", Fun: "state.apply", Failure: result.NotRun, Retcode: 1, Error: "not run: stopped after 3 failed hosts"},
	}
}

func render(t *testing.T, out string, static bool, all []report.HostReturn, streamOrder []report.HostReturn) string {
	t.Helper()
	var b bytes.Buffer
	o := report.Options{StateOutput: "full", StateVerbose: true, Static: static}
	p, err := report.New(&b, out, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range streamOrder {
		if err := p.Host(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Finish(all); err != nil {
		t.Fatal(err)
	}
	report.Recap(&b, all, o)
	return b.String()
}

func TestRoundTripPrintsTheSameBytes(t *testing.T) {
	ctx := context.Background()
	d := open(t, Path(t.TempDir()))
	all := sample()
	j := &Job{Start: time.Now(), User: "root", Target: "web*", TargetType: "glob", Fun: "state.apply",
		Args: []string{"motd", "test=False"}, TreeHash: "abc", Hosts: []string{"web1", "web2", "web3", "web4", "web5", "web6"}, Provisions: true}
	if err := d.Begin(ctx, j); err != nil {
		t.Fatal(err)
	}
	// Printed in a different order than the roster's.
	seq := map[string]int{"web3": 0, "web1": 1, "web4": 2, "web2": 3, "web6": 4}
	var hosts []Host
	for i, r := range all {
		hosts = append(hosts, Host{HostReturn: r, Index: i, Seq: seq[r.ID]})
	}
	j.End, j.ExitCode = time.Now(), 20
	if err := d.Finish(ctx, j, hosts); err != nil {
		t.Fatal(err)
	}
	got, stored, err := d.Lookup(ctx, j.JID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fun != "state.apply" || got.Target != "web*" || got.User != "root" || len(got.Args) != 2 || got.TreeHash != "abc" || got.End.IsZero() || got.ExitCode != 20 {
		t.Errorf("job row: %+v", got)
	}
	if len(stored) != 5 {
		t.Fatalf("stored %d hosts", len(stored))
	}
	var back []report.HostReturn
	stream := make([]report.HostReturn, 5)
	for i, h := range stored {
		if h.ID != all[i].ID || h.Index != i || h.Seq != seq[h.ID] || h.Duration != all[i].Duration ||
			h.Failure != all[i].Failure || fmt.Sprint(h.Notes) != fmt.Sprint(all[i].Notes) || (h.Notes == nil) != (all[i].Notes == nil) {
			t.Errorf("host %d: %+v", i, h)
		}
		back = append(back, h.HostReturn)
		stream[h.Seq] = h.HostReturn
	}
	origStream := make([]report.HostReturn, 5)
	for _, r := range all {
		origStream[seq[r.ID]] = r
	}
	for _, out := range report.Outputters() {
		for _, static := range []bool{false, true} {
			want := render(t, out, static, all, origStream)
			have := render(t, out, static, back, stream)
			if want != have {
				t.Errorf("--out %s static=%v differs:\nrun:\n%s\nlookup:\n%s", out, static, want, have)
			}
		}
	}
	retry, err := d.Retry(ctx, j.JID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(retry) != "[web1 web2 web3 web5 web6]" {
		t.Errorf("Retry = %v: want the failed, unreachable, not run and unrecorded hosts", retry)
	}
	prov, err := d.Provisioned(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(prov) != 1 || !prov["web4"] {
		t.Errorf("Provisioned = %v, want only web4", prov)
	}
	if _, _, err := d.Lookup(ctx, "20000101000000000000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown jid: %v", err)
	}
}

func TestKilledRunShowsWithoutEnd(t *testing.T) {
	ctx := context.Background()
	d := open(t, Path(t.TempDir()))
	j := &Job{Start: time.Now(), Fun: "test.ping", Target: "*", TargetType: "glob", Hosts: []string{"a", "b"}}
	if err := d.Begin(ctx, j); err != nil {
		t.Fatal(err)
	}
	jobs, err := d.Jobs(ctx)
	if err != nil || len(jobs) != 1 || !jobs[0].End.IsZero() || jobs[0].JID != j.JID {
		t.Fatalf("Jobs = %+v, %v", jobs, err)
	}
	retry, err := d.Retry(ctx, j.JID)
	if err != nil || fmt.Sprint(retry) != "[a b]" {
		t.Errorf("Retry of a killed run = %v, %v: want every targeted host", retry, err)
	}
	latest, err := d.Latest(ctx)
	if err != nil || latest != j.JID {
		t.Errorf("Latest = %s, %v", latest, err)
	}
}

func TestSameMicrosecondGetsDistinctJIDs(t *testing.T) {
	ctx := context.Background()
	d := open(t, Path(t.TempDir()))
	start := time.Date(2026, 1, 1, 0, 0, 0, 5000, time.UTC)
	seen := map[string]bool{}
	for range 3 {
		j := &Job{Start: start, Fun: "test.ping"}
		if err := d.Begin(ctx, j); err != nil {
			t.Fatal(err)
		}
		seen[j.JID] = true
	}
	if len(seen) != 3 || !seen["20260101000000000005"] || !seen["20260101000000000006"] || !seen["20260101000000000007"] {
		t.Errorf("jids: %v", seen)
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	d := open(t, Path(t.TempDir()))
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var jids []string
	for i := range 10 {
		j := &Job{Start: now.Add(time.Duration(i-9) * time.Hour), Fun: "state.apply", Hosts: []string{"h" + strconv.Itoa(i)}, Provisions: true}
		if err := d.Begin(ctx, j); err != nil {
			t.Fatal(err)
		}
		j.End = j.Start
		if err := d.Finish(ctx, j, []Host{{HostReturn: report.HostReturn{ID: j.Hosts[0], Fun: "state.apply", Return: map[string]any{}}}}); err != nil {
			t.Fatal(err)
		}
		jids = append(jids, j.JID)
	}
	n, err := d.Prune(ctx, Keep{Jobs: 6}, now)
	if err != nil || n != 4 {
		t.Fatalf("Prune by count: %d, %v", n, err)
	}
	n, err = d.Prune(ctx, Keep{Jobs: 6, Age: 150 * time.Minute}, now)
	if err != nil || n != 3 {
		t.Fatalf("Prune by age: %d, %v", n, err)
	}
	jobs, _ := d.Jobs(ctx)
	if len(jobs) != 3 || jobs[0].JID != jids[7] || jobs[2].JID != jids[9] {
		t.Errorf("kept %v", jobs)
	}
	var rets int
	if err := d.db.QueryRow(`SELECT count(*) FROM returns`).Scan(&rets); err != nil || rets != 3 {
		t.Errorf("returns left: %d, %v", rets, err)
	}
	prov, _ := d.Provisioned(ctx)
	if len(prov) != 10 {
		t.Errorf("pruning jobs forgot provisioned hosts: %v", prov)
	}
	if n, err := d.Prune(ctx, Keep{}, now); n != 0 || err != nil {
		t.Errorf("Keep{} pruned %d, %v", n, err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := Path(t.TempDir())
	d := open(t, path)
	if _, err := d.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := Open(context.Background(), path); err == nil {
		t.Fatal("a newer schema opened")
	}
}

// writeJobs records n jobs, all started at the same instant, each with
// one host.
func writeJobs(d *DB, n int, who string) error {
	ctx := context.Background()
	start := time.Date(2026, 3, 3, 3, 3, 3, 0, time.UTC)
	for i := range n {
		j := &Job{Start: start, Fun: "test.ping", User: who, Hosts: []string{who}}
		if err := d.Begin(ctx, j); err != nil {
			return err
		}
		j.End = time.Now()
		if err := d.Finish(ctx, j, []Host{{HostReturn: report.HostReturn{ID: who, Fun: "test.ping", Return: true}, Seq: 0}}); err != nil {
			return err
		}
		if _, err := d.Prune(ctx, Keep{Jobs: 1000}, time.Now()); err != nil {
			return err
		}
		_ = i
	}
	return nil
}

func checkConcurrent(t *testing.T, path string, writers, each int) {
	t.Helper()
	d := open(t, path)
	jobs, err := d.Jobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, j := range jobs {
		if seen[j.JID] {
			t.Errorf("duplicate jid %s", j.JID)
		}
		seen[j.JID] = true
		if j.End.IsZero() {
			t.Errorf("job %s has no end", j.JID)
		}
	}
	if len(jobs) != writers*each {
		t.Errorf("%d jobs recorded, want %d", len(jobs), writers*each)
	}
	var ok string
	if err := d.db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check: %s %v", ok, err)
	}
	var rets int
	if err := d.db.QueryRow(`SELECT count(*) FROM returns`).Scan(&rets); err != nil || rets != writers*each {
		t.Errorf("returns: %d %v", rets, err)
	}
}

func TestTwoHandlesWriteAtOnce(t *testing.T) {
	path := Path(t.TempDir())
	const writers, each = 2, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		d := open(t, path) // one *sql.DB each: two connections, as two processes
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- writeJobs(d, each, fmt.Sprintf("w%d", w))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkConcurrent(t, path, writers, each)
}

// TestTwoProcessesWriteAtOnce runs this test binary twice more as writer
// processes on one database.
func TestTwoProcessesWriteAtOnce(t *testing.T) {
	if p := os.Getenv("BRINE_HISTORY_WRITER"); p != "" {
		d, err := Open(context.Background(), p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := writeJobs(d, 40, strconv.Itoa(os.Getpid())); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		d.Close()
		os.Exit(0)
	}
	path := Path(t.TempDir())
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTwoProcessesWriteAtOnce$")
		cmd.Env = append(os.Environ(), "BRINE_HISTORY_WRITER="+path)
		var b bytes.Buffer
		cmd.Stdout, cmd.Stderr = &b, &b
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &b)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("writer %d: %v\n%s", i, err, outs[i])
		}
	}
	checkConcurrent(t, path, 2, 40)
}

func TestSecondWriterWaits(t *testing.T) {
	path := Path(t.TempDir())
	a := open(t, path)
	b := open(t, path)
	// Hold the write lock on a; b's write waits busy_timeout, then its
	// retries, and succeeds once a lets go.
	tx, err := a.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO provisioned VALUES ('x', 'j', 0)`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		done <- b.write(context.Background(), func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO provisioned VALUES ('y', 'j', 0)`)
			return err
		})
	}()
	time.Sleep(200 * time.Millisecond)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the second writer failed instead of waiting: %v", err)
	}
	p, _ := b.Provisioned(context.Background())
	if !p["x"] || !p["y"] {
		t.Errorf("provisioned: %v", p)
	}
}

// BenchmarkRecord500 records a 500-host state run of 30 states per host
// (start, results, prune) into a history of up to 1000 jobs; it reports
// the database's bytes per job.
func BenchmarkRecord500(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), FileName)
	d, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	tru := true
	ret := lowstate.Results{}
	for i := range 30 {
		ret[fmt.Sprintf("file_|-f%d_|-/etc/brine/f%d_|-managed", i, i)] = &lowstate.Result{ID: fmt.Sprintf("f%d", i),
			Name: fmt.Sprintf("/etc/brine/f%d", i), Result: &tru, Comment: fmt.Sprintf("File /etc/brine/f%d is in the correct state", i),
			Changes: map[string]any{}, SLS: "bench", RunNum: i, Start: "10:30:00.000001", Duration: 0.25}
	}
	hosts := make([]Host, 500)
	ids := make([]string, 500)
	for i := range hosts {
		ids[i] = fmt.Sprintf("host%03d", i)
		hosts[i] = Host{HostReturn: report.HostReturn{ID: ids[i], Fun: "state.apply", Return: ret, Duration: time.Second}, Index: i, Seq: i}
	}
	b.ResetTimer()
	for range b.N {
		j := &Job{Start: time.Now(), Fun: "state.apply", Target: "*", TargetType: "glob", Hosts: ids, Provisions: true}
		if err := d.Begin(ctx, j); err != nil {
			b.Fatal(err)
		}
		if err := d.Finish(ctx, j, hosts); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Prune(ctx, Keep{Jobs: 1000}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	d.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/float64(b.N), "dbbytes/job")
	}
}
