package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"brine/provision/controller/run"
)

func TestOutFileReplacesOnlyWhenComplete(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(p, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	f := &outFile{path: p}
	fmt.Fprint(f, "partial")
	if b, _ := os.ReadFile(p); string(b) != "old\n" {
		t.Errorf("FILE changed before the output was complete: %q", b)
	}
	f.abort()
	if b, _ := os.ReadFile(p); string(b) != "old\n" {
		t.Errorf("an aborted output replaced FILE: %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temp file left behind: %v", ents)
	}
	f = &outFile{path: p}
	fmt.Fprint(f, "new\n")
	if err := f.commit(); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	if b, _ := os.ReadFile(p); string(b) != "new\n" || fi.Mode().Perm() != 0o640 {
		t.Errorf("after commit: %q %v (an existing file keeps its mode)", b, fi.Mode())
	}
	// A new file is private; appending adds.
	q := filepath.Join(dir, "new.txt")
	f = &outFile{path: q}
	fmt.Fprint(f, "one\n")
	if err := f.commit(); err != nil {
		t.Fatal(err)
	}
	f = &outFile{path: q, append: true}
	fmt.Fprint(f, "two\n")
	if err := f.commit(); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(q)
	if b, _ := os.ReadFile(q); string(b) != "one\ntwo\n" || fi.Mode().Perm() != 0o600 {
		t.Errorf("new file: %q %v", b, fi.Mode())
	}
	// An empty output still replaces FILE (Salt truncates it).
	f = &outFile{path: q}
	if err := f.commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(q); len(b) != 0 {
		t.Errorf("empty output: %q", b)
	}
	// Through a symlink, the target is replaced and the link kept.
	l := filepath.Join(dir, "link")
	if err := os.Symlink(p, l); err != nil {
		t.Fatal(err)
	}
	f = &outFile{path: l}
	fmt.Fprint(f, "via link\n")
	if err := f.commit(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(l); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced by a file")
	}
	if b, _ := os.ReadFile(p); string(b) != "via link\n" {
		t.Errorf("link target: %q", b)
	}
}

func TestRunnerFunctionsInHelp(t *testing.T) {
	var out bytes.Buffer
	if code := brine([]string{"brine", "--help"}, strings.NewReader(""), &out, &out); code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for _, want := range []string{"jobs.list_jobs", "jobs.lookup_jid JID", "jobs.merge FILE...", "--failed-from JID", "--new-hosts", "--out-file FILE", "--out-file-append", "--max-jobs N", "--limit PATTERN"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

func TestLookupUnknownJID(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := brine([]string{"brine", "--cache-dir", dir, "jobs.lookup_jid", "20000101000000000000"}, strings.NewReader(""), &out, &errb)
	if code != run.ExitUsage || !strings.Contains(errb.String(), "not in the history") {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	code = brine([]string{"brine", "--cache-dir", dir, "jobs.lookup_jid", "nope"}, strings.NewReader(""), &out, &errb)
	if code != run.ExitUsage || !strings.Contains(errb.String(), "is not a job id") {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	code = brine([]string{"brine", "--cache-dir", dir, "--out-file-append", "jobs.list_jobs"}, strings.NewReader(""), &out, &errb)
	if code != run.ExitUsage || !strings.Contains(errb.String(), "needs --out-file") {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}

func TestRunGoesOnWithoutHistory(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	brine([]string{"brine", "--cache-dir", notDir, "--local", "--id", "me", "test.ping", "-v"}, strings.NewReader(""), &out, &errb)
	if !strings.Contains(errb.String(), "brine: warning: job history:") || !strings.Contains(errb.String(), "this run is not recorded") {
		t.Errorf("no warning:\n%s", errb.String())
	}
	if !regexp.MustCompile(`(?m)^Executing job with jid \d{20}$`).MatchString(out.String()) {
		t.Errorf("no jid printed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "me:") {
		t.Errorf("the run did not print its host:\n%s", out.String())
	}
}
