package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"brine/provision/controller/run"
)

// Every numeric flag is range-checked before anything is read: 0, -1 and a
// value past its range are either taken (where the flag allows them) or a
// usage error naming the flag and its range.
func TestNumericFlagRanges(t *testing.T) {
	const taken = ""
	cases := []struct {
		flag            string
		zero, neg, over string // "" taken, else the range's words
		overValue       string
	}{
		{"--timeout", "above 0 up to 86400 seconds", "above 0", "above 0 up to 86400", "86401"},
		{"--keepalive", taken, "from 0 up to 86400 seconds (0: off)", "from 0", "90000"},
		{"--run-timeout", taken, "from 0 up to 604800", "from 0", "604801"},
		{"--lock-timeout", taken, "from 0 up to 86400", "from 0", "86401"},
		{"--max-procs", "from 1 up to 100000 hosts", "from 1", "from 1", "100001"},
		{"--forks", "from 1 up to 100000 hosts", "from 1", "from 1", "100001"},
		{"--max-handshakes", "from 1 up to 100000", "from 1", "from 1", "100001"},
		{"--max-jobs", taken, "from 0", "from 0", "3000000000"},
		{"--out-indent", taken, taken, "up to 64", "65"},
		{"--scan-timeout", "above 0 up to 60", "above 0", "above 0", "61"},
		{"--batch-size", "want a number of hosts (at least 1)", "want a number of hosts", "up to 100%", "101%"},
		{"--max-fail", taken, "want a number of hosts", "percentage from 0 to 100%", "101%"},
		{"--max-answer", "from 64KiB up to 4GiB", "from 64KiB", "from 64KiB up to 4GiB", "5GiB"},
		{"--max-stderr", "from 4KiB up to 1GiB", "from 4KiB", "up to 1GiB", "2G"},
		{"--max-output", "from 4KiB up to 1GiB", "from 4KiB", "up to 1GiB", "1025MiB"},
	}
	for _, c := range cases {
		for i, v := range []string{"0", "-1", c.overValue} {
			want := []string{c.zero, c.neg, c.over}[i]
			var out, errb strings.Builder
			argv := []string{"brine", "--roster-file", "/nonexistent/roster.yaml", c.flag, v, "*", "test.ping"}
			code := brine(argv, nil, &out, &errb)
			name := strings.TrimPrefix(c.flag, "--")
			if name == "forks" {
				name = "max-procs"
			}
			if want == taken {
				// Taken: the next thing to fail is the roster.
				if code != run.ExitUsage || !strings.Contains(errb.String(), "/nonexistent/roster.yaml") {
					t.Errorf("%s %s: exit %d: %s", c.flag, v, code, errb.String())
				}
				continue
			}
			if code != run.ExitUsage || !strings.Contains(errb.String(), "--"+name) || !strings.Contains(errb.String(), want) {
				t.Errorf("%s %s: exit %d, want a usage error naming --%s and %q: %s", c.flag, v, code, name, want, errb.String())
			}
		}
	}
}

// A Saltfile's salt-ssh: section sets options by salt-ssh's names; the
// command line wins over it and it wins over brine.yaml; an unknown key in
// either is a warning naming the key and the file.
func TestSaltfileAndPrecedence(t *testing.T) {
	c := newCLI(t, "a", "b")
	dir := c.f.Dir
	saltfile := filepath.Join(dir, "Saltfile")
	cfg := filepath.Join(dir, "brine.yaml")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(saltfile, fmt.Sprintf("salt:\n  anything: 1\nsalt-ssh:\n  roster_file: %s\n  config: %s\n  output: json\n  static: True\n  ssh_wipe_it: 1\n", c.f.Roster, cfg))
	write(cfg, "output: yaml\nno_recap: true\nsecret_pillar: [a:b]\nflavour: 3\n")
	run := func(args ...string) (string, string, int) {
		var out, errb strings.Builder
		argv := append([]string{"brine", "--saltfile", saltfile, "--cache-dir", c.f.Cache, "-i", "--no-agent", "--ssh-config", "none"}, args...)
		code := brine(argv, nil, &out, &errb)
		return out.String(), errb.String(), code
	}
	out, errs, code := run("*", "test.ping")
	if code != 0 || out != "{\n    \"a\": true,\n    \"b\": true\n}\n" {
		t.Errorf("Saltfile's output json, static: exit %d %q %s", code, out, errs)
	}
	for _, want := range []string{saltfile + ":8: salt-ssh: ssh_wipe_it: unknown key \"ssh_wipe_it\"", cfg + ":4: flavour: unknown key \"flavour\""} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "anything") || strings.Contains(errs, "Fleet recap") {
		t.Errorf("salt:'s keys are Salt's; brine.yaml's no_recap applies:\n%s", errs)
	}
	out, _, code = run("*", "test.ping", "--out", "txt")
	if code != 0 || out != "a: True\nb: True\n" {
		t.Errorf("the flag wins: exit %d %q", code, out)
	}
	// $SALT_SALTFILE finds it too; a Saltfile named and missing is an error.
	t.Setenv("SALT_SALTFILE", saltfile)
	var o, e strings.Builder
	if code := brine([]string{"brine", "--cache-dir", c.f.Cache, "-i", "--no-agent", "--ssh-config", "none", "a", "test.ping"}, nil, &o, &e); code != 0 || o.String() != "{\n    \"a\": true\n}\n" {
		t.Errorf("SALT_SALTFILE: exit %d %q %s", code, o.String(), e.String())
	}
	if _, errs, code := run("--saltfile", filepath.Join(dir, "nope"), "*", "test.ping"); code != 2 || !strings.Contains(errs, "does not exist") {
		t.Errorf("missing Saltfile: exit %d %s", code, errs)
	}
}

// errWriter fails every write with err (after n bytes went through).
type errWriter struct {
	strings.Builder
	err error
	n   int
}

func (w *errWriter) Write(p []byte) (int, error) {
	if w.Len()+len(p) <= w.n {
		return w.Builder.Write(p)
	}
	return 0, w.err
}

// A write to stdout that fails is an error naming stdout and the command
// that has the results (exit 1, or the run's own code when worse); a
// reader that went away (EPIPE) is quiet and the run's code stands. Either
// way every host ran and the job is complete in the history.
func TestOutputWriteFailures(t *testing.T) {
	c := newCLI(t, "a", "b")
	argv := func(args ...string) []string {
		return append([]string{"brine", "--roster-file", c.f.Roster, "--cache-dir", c.f.Cache, "-i", "--no-agent", "--ssh-config", "none", "--max-procs", "1"}, args...)
	}
	full := &errWriter{err: &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.ENOSPC}, n: 10}
	var errb strings.Builder
	code := brine(argv("*", "cmd.run", "echo hello world"), nil, full, &errb)
	re := regexp.MustCompile(`brine: the output could not be written to stdout: no space left on device; the results are in the job history: brine jobs.lookup_jid (\d{20})`)
	m := re.FindStringSubmatch(errb.String())
	if code != run.ExitError || m == nil {
		t.Fatalf("full stdout: exit %d\n%s", code, errb.String())
	}
	out, errs, rc := c.run("jobs.lookup_jid", m[1])
	if rc != run.ExitError || !strings.Contains(out, "a:\n    hello world\nb:\n    hello world\n") {
		t.Errorf("lookup_jid after a failed output: exit %d %q %s", rc, out, errs)
	}
	// A run whose hosts failed keeps its own code (20), the worse one.
	c.f.AddDown("down")
	errb.Reset()
	full = &errWriter{err: syscall.EIO, n: 0}
	if code := brine(argv("*", "test.ping"), nil, full, &errb); code != run.ExitFailure || !strings.Contains(errb.String(), "could not be written to stdout") {
		t.Errorf("failed hosts and output: exit %d %s", code, errb.String())
	}
	// EPIPE: quiet, the run's code, the job complete.
	pipe := &errWriter{err: &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}, n: 3}
	errb.Reset()
	code = brine(argv("a,b", "-L", "test.ping"), nil, pipe, &errb)
	if code != 0 || strings.Contains(errb.String(), "could not be written") {
		t.Errorf("EPIPE: exit %d %s", code, errb.String())
	}
	out, _, rc = c.run("jobs.lookup_jid", "last")
	if rc != 0 || out != "a:\n    True\nb:\n    True\n" {
		t.Errorf("lookup_jid after EPIPE: exit %d %q", rc, out)
	}
}

// --out-file in a directory brine cannot write to fails before anything
// runs; one that fails while the run goes on says where the results are.
func TestOutFileUnwritable(t *testing.T) {
	c := newCLI(t, "a")
	if _, errs, code := c.run("a", "test.ping", "--out-file", filepath.Join(c.f.Dir, "no", "such", "dir", "out.txt")); code != run.ExitUsage || !strings.Contains(errs, "--out-file") {
		t.Errorf("unwritable --out-file: exit %d %s", code, errs)
	}
	if _, _, code := c.run("jobs.lookup_jid", "last"); code != run.ExitUsage {
		t.Errorf("a job was recorded: nothing should have run (exit %d)", code)
	}
	// Appending to a file in a missing directory: the same.
	if _, errs, code := c.run("a", "test.ping", "--out-file", "/nonexistent/dir/x", "--out-file-append"); code != run.ExitUsage || !strings.Contains(errs, "/nonexistent/dir/x") {
		t.Errorf("--out-file-append: exit %d %s", code, errs)
	}
}

// -H lists the roster as salt-ssh prints it; --list-hosts the hosts a
// target (and --limit) selects; nothing runs.
func TestHostListsAndLimit(t *testing.T) {
	c := newCLI(t, "web1", "web2", "db1")
	out, errs, code := c.run("-H")
	want := c.f.Roster + ":\n    ----------\n    db1:\n        127.0.0.1\n    web1:\n        127.0.0.1\n    web2:\n        127.0.0.1\n"
	if code != 0 || out != want {
		t.Errorf("-H: exit %d %s\n%q\nwant\n%q", code, errs, out, want)
	}
	out, _, code = c.run("--list-hosts", "*", "--limit", "web*,!web2")
	if code != 0 || out != c.f.Roster+":\n    ----------\n    web1:\n        127.0.0.1\n" {
		t.Errorf("--list-hosts --limit: exit %d %q", code, out)
	}
	out, _, code = c.run("*", "test.ping", "--limit", "db1", "--out", "txt")
	if code != 0 || out != "db1: True\n" {
		t.Errorf("--limit: exit %d %q", code, out)
	}
	if _, errs, code := c.run("web*", "test.ping", "--limit", "db1"); code != run.ExitUsage || !strings.Contains(errs, "--limit") {
		t.Errorf("--limit leaving nothing: exit %d %s", code, errs)
	}
	if c.f.Execs()["grains.items"] != 0 {
		t.Error("listing asked hosts for grains")
	}
}

// --check is test=True for state functions, and refused for others.
func TestCheckAndPythonNotes(t *testing.T) {
	c := newCLI(t, "a")
	tree := c.f.Tree(map[string]string{"top.sls": "base:\n  '*': [x]\n", "x.sls": "n:\n  test.succeed_with_changes: []\n"})
	out, errs, code := c.run("a", "state.apply", "--check", "--file-root", tree, "--out", "json")
	if code != 0 || !strings.Contains(out, `"result": null`) {
		t.Errorf("--check: exit %d %s %s", code, out, errs)
	}
	if _, errs, code := c.run("a", "cmd.run", "true", "--check"); code != run.ExitUsage || !strings.Contains(errs, "--check") {
		t.Errorf("--check with cmd.run: exit %d %s", code, errs)
	}
	_, errs, code = c.run("a", "test.ping", "-t", "--python3-bin", "/usr/bin/python3")
	if code != 0 || !strings.Contains(errs, "brine: note: -t/--regen-thin:") || !strings.Contains(errs, "brine: note: --python3-bin:") {
		t.Errorf("Python-only options: exit %d %s", code, errs)
	}
	if _, errs, code := c.run("-R", "%cluster", "test.ping"); code != run.ExitUsage || !strings.Contains(errs, "range server") {
		t.Errorf("-R: exit %d %s", code, errs)
	}
	_, errs, code = c.run("a", "test.ping", "--ssh-option", "Ciphers=aes128-ctr,aes256-ctr")
	if code != run.ExitUsage || !strings.Contains(errs, "--ssh-option Ciphers=aes128-ctr,aes256-ctr: brine does not support") {
		t.Errorf("--ssh-option unknown: exit %d %s", code, errs)
	}
}

// The log: -l sets the console level (quiet hides warnings), --log-file
// gets every line at its level with a stamp, -vvv traces at debug.
func TestLogLevels(t *testing.T) {
	c := newCLI(t, "a")
	logFile := filepath.Join(c.f.Dir, "brine.log")
	_, errs, code := c.run("a", "test.ping", "-vvv", "--log-file", logFile, "--log-file-level", "debug", "--no-recap")
	if code != 0 || !strings.Contains(errs, "brine: trace: a: dial") {
		t.Errorf("-vvv: exit %d %s", code, errs)
	}
	b, _ := os.ReadFile(logFile)
	if !regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[brine +\]\[DEBUG +\]\[\d+\] trace: a: dial`).Match(b) {
		t.Errorf("log file:\n%s", b)
	}
	_, errs, _ = c.run("a", "test.ping", "-t", "-l", "quiet")
	if strings.Contains(errs, "note") {
		t.Errorf("-l quiet shows warnings: %s", errs)
	}
	if _, errs, code := c.run("a", "test.ping", "-l", "chatty"); code != run.ExitUsage || !strings.Contains(errs, "--log-level \"chatty\": want one of all, garbage, trace") {
		t.Errorf("bad level: exit %d %s", code, errs)
	}
}

// The completion candidates: flags, flag values, host ids from the roster,
// functions, SLS names from the file root.
func TestCompletionCandidates(t *testing.T) {
	c := newCLI(t, "web1", "web2", "db1")
	tree := c.f.Tree(map[string]string{"top.sls": "base: {}\n", "nginx/init.sls": "", "nginx/conf.sls": "", "users.sls": ""})
	words := func(ws ...string) string {
		out, errs, code := c.run(append([]string{"--file-root", tree, "completion", "complete", "--"}, ws...)...)
		if code != 0 {
			t.Fatalf("%q: exit %d %s", ws, code, errs)
		}
		return strings.TrimSpace(strings.ReplaceAll(out, "\n", " "))
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"we"}, "web1 web2"},
		{[]string{"web1", "state.s"}, "state.show_highstate state.show_low_sls state.show_lowstate state.show_pillar state.show_sls state.show_top state.single state.sls state.sls_id"},
		{[]string{"web1", "pkg.ins"}, "pkg.install"},
		{[]string{"web1", "state.sls", "ng"}, "nginx nginx.conf"},
		{[]string{"web1", "state.sls", "users,ng"}, "users,nginx users,nginx.conf"},
		{[]string{"--state-output", "te"}, "terse terse_id"},
		{[]string{"--max-pro"}, "--max-procs"},
		{[]string{"-r", "web1", ""}, ""},
		{[]string{"jobs.lookup_jid", "l"}, "last"},
	} {
		if got := words(tc.words...); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.words, got, tc.want)
		}
	}
}

// brine.1 is the man page brine prints (go generate ./cmd/brine).
func TestManPageIsGenerated(t *testing.T) {
	var out, errb strings.Builder
	if code := brine([]string{"brine", "completion", "man"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d %s", code, errb.String())
	}
	b, err := os.ReadFile("brine.1")
	if err != nil || string(b) != out.String() {
		t.Errorf("brine.1 is not the man page brine prints (%v): run go generate ./cmd/brine", err)
	}
	for _, want := range []string{".TH brine 1", "salt-ssh", "--saltfile", "--state-verbose", "EXIT STATUS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
}

// -c DIR reads DIR/brine.yaml, or Salt's DIR/master (whose settings brine
// has no use for are one warning), and DIR/roster.
func TestConfigDir(t *testing.T) {
	c := newCLI(t, "a", "b")
	dir := t.TempDir()
	roster, _ := os.ReadFile(c.f.Roster)
	os.WriteFile(filepath.Join(dir, "roster"), roster, 0o600)
	os.WriteFile(filepath.Join(dir, "master"), []byte("root_dir: /tmp/x\npki_dir: /tmp/y\nssh_max_procs: 1\noutput: txt\nkeep_jobs: 24\n"), 0o600)
	var out, errb strings.Builder
	code := brine([]string{"brine", "-c", dir, "--cache-dir", c.f.Cache, "-i", "--no-agent", "--ssh-config", "none", "*", "test.ping"}, nil, &out, &errb)
	if code != 0 || out.String() != "a: True\nb: True\n" || !strings.Contains(errb.String(), "master: Salt master settings brine does not use, ignored: root_dir, pki_dir") {
		t.Errorf("-c DIR with a master file: exit %d %q %s", code, out.String(), errb.String())
	}
}

// --delimiter, --no-parse, --diff, -V.
func TestMoreSaltSSHOptions(t *testing.T) {
	c := newCLI(t, "a")
	c.f.Add("web", "  grains: {roles: {tier: front}}")
	out, errs, code := c.run("-G", "roles;tier;front", "--delimiter", ";", "test.ping", "--out", "txt")
	if code != 0 || out != "web: True\n" {
		t.Errorf("--delimiter: exit %d %q %s", code, out, errs)
	}
	// --no-parse keeps a key=value value as typed (pillar= is read as
	// JSON or YAML either way; saltenv stays the string "01").
	if pos, kw := run.SplitArgs([]string{"a=01", "b=01", "x"}, "a"); kw["a"] != "01" || kw["b"] != 1 || len(pos) != 1 {
		t.Errorf("SplitArgs with no-parse: %v %v", pos, kw)
	}
	tree := c.f.Tree(map[string]string{"top.sls": "base:\n  '*': [x]\n", "x.sls": "quiet:\n  test.succeed_without_changes: []\nloud:\n  test.succeed_with_changes: []\n"})
	out, errs, code = c.run("a", "state.apply", "--diff", "--file-root", tree)
	if code != 0 || strings.Contains(out, "quiet") || !strings.Contains(out, "ID: loud") {
		t.Errorf("--diff: exit %d\n%s%s", code, out, errs)
	}
	out, _, code = c.run("-V")
	for _, want := range []string{"Brine Version:\n", "Go Version:\n", "Dependency Versions:\n", "golang.org/x/crypto: v", "Executors:\n", "linux/amd64: sha256 ", "System Versions:\n"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("-V lacks %q:\n%s", want, out)
		}
	}
}
