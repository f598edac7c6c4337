package history

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"brine/provision/controller/result"
)

// A recorded run reads back as it ran: hosts in run order and in the order
// they finished, secrets masked (those known at the start and those found
// during the run), the exit code, and the job in list_jobs and list_job.
func TestRecorderRecordsARun(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	var log bytes.Buffer
	job := Job{Start: time.Now(), User: "me", Target: "web*", TargetType: "glob", Fun: "cmd.run",
		Args: []string{"echo s3cret-flag", "pillar-secret"}, Hosts: []string{"web1", "web2", "web3"}}
	rec, err := Record(ctx, path, job, map[string]int{"web1": 0, "web2": 1, "web3": 2}, []string{"s3cret-flag"}, Keep{Jobs: 10}, &log)
	if err != nil || !rec.Recorded() {
		t.Fatal(err)
	}
	if _, ok := ParseJID(rec.JID()); !ok || log.Len() != 0 {
		t.Fatalf("jid %q, log %q", rec.JID(), log.String())
	}
	all := []result.HostReturn{
		{ID: "web1", Fun: "cmd.run", Return: "s3cret-flag"},
		{ID: "web2", Fun: "cmd.run", Return: "pillar-secret here", Retcode: 1},
		{ID: "web3", Fun: "cmd.run", Failure: result.NotRun, Retcode: 1, Error: "not run: stopped"},
	}
	rec.Started("web2", time.Now())
	rec.Finished(all[1])
	rec.Finished(all[0])
	rec.Finished(all[0]) // told twice: the first counts
	rec.Finish(ctx, all, func(id string) []string {
		if id == "web2" {
			return []string{"pillar-secret"}
		}
		return nil
	}, 20)

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	jid, err := ResolveJID(ctx, db, "last")
	if err != nil || jid != rec.JID() {
		t.Fatalf("last = %q %v", jid, err)
	}
	rp, err := Lookup(ctx, db, jid)
	if err != nil {
		t.Fatal(err)
	}
	if !rp.Ended() || rp.Job.ExitCode != 20 || len(rp.Missing) != 0 || len(rp.All) != 3 {
		t.Fatalf("replay: %+v", rp)
	}
	var streamed []string
	for _, h := range rp.Streamed {
		streamed = append(streamed, h.ID)
	}
	if strings.Join(streamed, ",") != "web2,web1" {
		t.Errorf("finish order %v (web3 never ran: only in All)", streamed)
	}
	if rp.All[0].Return != result.Mask || !strings.Contains(rp.All[1].Return.(string), result.Mask) ||
		!reflect.DeepEqual(rp.Job.Args, []string{"echo " + result.Mask, result.Mask}) {
		t.Errorf("secrets not masked: %v %v %q", rp.All[0].Return, rp.All[1].Return, rp.Job.Args)
	}
	if rp.Index["web3"] != 2 {
		t.Errorf("index %v", rp.Index)
	}
	d := Detail(rp.Job, rp.All, func(r result.HostReturn) any { return r.Return })
	res := d["Result"].(map[string]any)
	if d["jid"] != jid || d["Function"] != "cmd.run" || res["web1"].(map[string]any)["success"] != true ||
		res["web2"].(map[string]any)["retcode"] != 1 || d["EndTime"] == nil || len(d["Minions"].([]any)) != 3 {
		t.Errorf("detail %v", d)
	}
}

// A history that cannot be opened never stops the run: the recorder says
// so once, still hands out a jid, and records nothing.
func TestRecorderWithoutHistory(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o600)
	var log bytes.Buffer
	rec, err := Record(context.Background(), filepath.Join(notDir, FileName), Job{Start: time.Now(), Fun: "test.ping"}, nil, nil, Keep{}, &log)
	if err != nil || rec.Recorded() {
		t.Fatalf("%v %v", err, rec.Recorded())
	}
	if _, ok := ParseJID(rec.JID()); !ok || !strings.Contains(log.String(), "this run is not recorded") {
		t.Errorf("jid %q, log %q", rec.JID(), log.String())
	}
	rec.Finished(result.HostReturn{ID: "a"})
	rec.Finish(context.Background(), []result.HostReturn{{ID: "a"}}, nil, 0)
}

func TestJobArguments(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := ResolveJID(ctx, db, "last"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "is empty: no last job") {
		t.Errorf("last in an empty history: %v", err)
	}
	if _, err := ResolveJID(ctx, db, "nope"); !errors.Is(err, ErrBadJID) || err.Error() != `"nope" is not a job id: want 20 digits (YYYYmmddHHMMSSffffff) or last; see brine jobs.list_jobs` {
		t.Errorf("a bad jid: %v", err)
	}
	if _, err := Lookup(ctx, db, "20000101000000000000"); !errors.Is(err, ErrNotFound) || !strings.HasPrefix(err.Error(), "job 20000101000000000000 is not in the history") {
		t.Errorf("an unknown jid: %v", err)
	}
	start := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for i, j := range []Job{{Fun: "test.ping", Target: "web*"}, {Fun: "state.apply", Target: "db*"}, {Fun: "state.sls", Target: "web1"}} {
		j.Start = start.Add(time.Duration(i) * time.Second)
		if err := db.Begin(ctx, &j); err != nil {
			t.Fatal(err)
		}
	}
	list := func(f Filter) string {
		jobs, err := ListJobs(ctx, db, f)
		if err != nil {
			t.Fatal(err)
		}
		var funs []string
		for _, j := range jobs {
			funs = append(funs, j.Fun)
		}
		return strings.Join(funs, ",")
	}
	for _, c := range []struct {
		f    Filter
		want string
	}{
		{Filter{}, "test.ping,state.apply,state.sls"},
		{Filter{Functions: []string{"state.*"}}, "state.apply,state.sls"},
		{Filter{Functions: []string{"test.*", "state.sls"}, Targets: []string{"web*"}}, "test.ping,state.sls"},
		{Filter{Limit: 2}, "state.apply,state.sls"},
		{Filter{Targets: []string{"nothing"}}, ""},
	} {
		if got := list(c.f); got != c.want {
			t.Errorf("%+v: %s, want %s", c.f, got, c.want)
		}
	}
	jobs, _ := ListJobs(ctx, db, Filter{Limit: 1})
	load := jobs[0].Load()
	if load["StartTime"] != "2024, May 01 10:00:02.000000" || load["EndTime"] != nil || load["Target-type"] != "" {
		t.Errorf("load %v", load)
	}
}

func TestParseFilter(t *testing.T) {
	f, err := ParseFilter(nil, map[string]any{"search_function": "state.*, test.ping", "search_target": "web*", "limit": 3}, 10)
	if err != nil || !reflect.DeepEqual(f, Filter{Functions: []string{"state.*", "test.ping"}, Targets: []string{"web*"}, Limit: 3}) {
		t.Errorf("%+v %v", f, err)
	}
	for _, c := range []struct {
		pos   []string
		kw    map[string]any
		limit int
		want  string
	}{
		{[]string{"web*"}, nil, 0, "takes no positional arguments"},
		{nil, map[string]any{"colour": "red"}, 0, "unknown argument colour="},
		{nil, map[string]any{"limit": "x"}, 0, "limit=x: want a number of jobs"},
		{nil, nil, -1, "--max-jobs -1: want a number of jobs"},
	} {
		if _, err := ParseFilter(c.pos, c.kw, c.limit); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v %d: %v", c.pos, c.kw, c.limit, err)
		}
	}
}

// A job id the operator chose (--jid) is used as given, and refused when
// the history holds it already (never moved on, as a made-up one is).
func TestRecorderFixedJID(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	var log bytes.Buffer
	jid := "20260102030405123456"
	rec, err := Record(ctx, path, Job{JID: jid, FixedJID: true, Start: time.Now(), Fun: "test.ping"}, nil, nil, Keep{}, &log)
	if err != nil || rec.JID() != jid {
		t.Fatalf("%v %q", err, rec.JID())
	}
	rec.Finish(ctx, nil, nil, 0)
	if _, err := Record(ctx, path, Job{JID: jid, FixedJID: true, Start: time.Now(), Fun: "test.ping"}, nil, nil, Keep{}, &log); !errors.Is(err, ErrJIDTaken) {
		t.Fatalf("the same jid again: %v", err)
	}
	rec, err = Record(ctx, path, Job{JID: jid, Start: time.Now(), Fun: "test.ping"}, nil, nil, Keep{}, &log)
	if err != nil || rec.JID() == jid {
		t.Fatalf("a jid not fixed moves on: %v %q", err, rec.JID())
	}
	rec.Finish(ctx, nil, nil, 0)
}
