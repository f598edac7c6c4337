package cron

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// fakeCrontab keeps crontabs as files under root/var/spool/cron/crontabs,
// like Debian's crontab(1).
func fakeCrontab(root string) *hostcmd.Fake {
	dir := filepath.Join(root, "var/spool/cron/crontabs")
	os.MkdirAll(dir, 0o730)
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/bin/crontab"), []byte("#!/bin/sh\n"), 0o755)
	return &hostcmd.Fake{Handler: func(c state.Cmd, line string) (state.CmdResult, bool) {
		a := c.Argv
		if len(a) != 4 || a[0] != "crontab" || a[1] != "-u" {
			return state.CmdResult{Retcode: 127, Stderr: "unexpected " + line}, true
		}
		p := filepath.Join(dir, a[2])
		switch a[3] {
		case "-l":
			b, err := os.ReadFile(p)
			if err != nil {
				return state.CmdResult{Retcode: 1, Stderr: "no crontab for " + a[2] + "\n"}, true
			}
			return state.CmdResult{Stdout: string(b)}, true
		case "-":
			os.WriteFile(p, c.Stdin, 0o600)
			return state.CmdResult{}, true
		}
		return state.CmdResult{Retcode: 1}, true
	}}
}

func tab(t *testing.T, env *state.Env, u string) string {
	b, _ := os.ReadFile(filepath.Join(env.Root, "var/spool/cron/crontabs", u))
	return string(b)
}

func TestPresentWritesSaltFormat(t *testing.T) {
	root := t.TempDir()
	env := &state.Env{Root: root, Exec: fakeCrontab(root)}
	os.WriteFile(filepath.Join(root, "var/spool/cron/crontabs/app"), []byte("# my own\n*/5 * * * * /usr/bin/mine\n"), 0o600)
	job := lowstate.Chunk{"name": "/usr/local/bin/backup.sh", "user": "app", "minute": float64(0), "hour": "3"}
	env.Test = true
	r := statetest.Call(env, Module(), "cron.present", job)
	// Salt's test mode predicts with no changes (salt/states/cron.py).
	if r.Result != nil || r.Comment != "Cron /usr/local/bin/backup.sh is set to be added" || len(r.Changes) != 0 || strings.Contains(tab(t, env, "app"), "backup") {
		t.Fatalf("test: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	env.Test = false
	r = statetest.Call(env, Module(), "cron.present", job)
	if statetest.Result(r) != "true" || !reflect.DeepEqual(r.Changes, map[string]any{"app": "/usr/local/bin/backup.sh"}) ||
		r.Comment != "Cron /usr/local/bin/backup.sh added to app's crontab" {
		t.Fatalf("%s %v %q", statetest.Result(r), r.Changes, r.Comment)
	}
	statetest.Call(env, Module(), "cron.env_present", lowstate.Chunk{"name": "MAILTO", "value": "ops@example.com", "user": "app"})
	statetest.Call(env, Module(), "cron.present", lowstate.Chunk{"name": "/bin/cleanup", "user": "app", "special": "@reboot", "comment": "after boot", "identifier": "cleanup"})
	want := "# my own\n*/5 * * * * /usr/bin/mine\n" + Tag + "\n" +
		"MAILTO=ops@example.com\n" +
		"# SALT_CRON_IDENTIFIER:/usr/local/bin/backup.sh\n0 3 * * * /usr/local/bin/backup.sh\n" +
		"# after boot SALT_CRON_IDENTIFIER:cleanup\n@reboot /bin/cleanup\n"
	if got := tab(t, env, "app"); got != want {
		t.Errorf("crontab:\n%s\nwant:\n%s", got, want)
	}
	for _, c := range []lowstate.Chunk{job, {"name": "MAILTO", "value": "ops@example.com", "user": "app", "fun": "env"}} {
		fun := "present"
		if c["fun"] == "env" {
			fun = "env_present"
		}
		if r := statetest.Call(env, Module(), "cron."+fun, c); statetest.Result(r) != "true" || len(r.Changes) != 0 {
			t.Errorf("second %s: %v %q", fun, r.Changes, r.Comment)
		}
	}
	if got := tab(t, env, "app"); got != want {
		t.Errorf("second run changed the crontab:\n%s", got)
	}
}

func TestUpdateByIdentifierAndCommented(t *testing.T) {
	root := t.TempDir()
	env := &state.Env{Root: root, Exec: fakeCrontab(root)}
	statetest.Call(env, Module(), "cron.present", lowstate.Chunk{"name": "/bin/job --old", "identifier": "job", "minute": "5"})
	r := statetest.Call(env, Module(), "cron.present", lowstate.Chunk{"name": "/bin/job --new", "identifier": "job", "minute": "5", "commented": true})
	if statetest.Result(r) != "true" || r.Comment != "Cron /bin/job --new updated" {
		t.Fatalf("%s %q", statetest.Result(r), r.Comment)
	}
	want := Tag + "\n# SALT_CRON_IDENTIFIER:job\n#DISABLED#5 * * * * /bin/job --new\n"
	if got := tab(t, env, "root"); got != want {
		t.Errorf("crontab:\n%q\nwant\n%q", got, want)
	}
	env.Test = true
	if r := statetest.Call(env, Module(), "cron.absent", lowstate.Chunk{"name": "/bin/job --new", "identifier": "job"}); r.Result != nil || len(r.Changes) != 0 || r.Comment != "Cron /bin/job --new is set to be removed" {
		t.Errorf("test absent %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	env.Test = false
	r = statetest.Call(env, Module(), "cron.absent", lowstate.Chunk{"name": "/bin/job --new", "identifier": "job"})
	if statetest.Result(r) != "true" || r.Comment != "Cron /bin/job --new removed from root's crontab" || tab(t, env, "root") != Tag+"\n" {
		t.Errorf("absent: %q %q", r.Comment, tab(t, env, "root"))
	}
	if r := statetest.Call(env, Module(), "cron.absent", lowstate.Chunk{"name": "/bin/job --new", "identifier": "job"}); len(r.Changes) != 0 || r.Comment != "Cron /bin/job --new already absent" {
		t.Errorf("second absent %v %q", r.Changes, r.Comment)
	}
	env.Test = true
	if r := statetest.Call(env, Module(), "cron.absent", lowstate.Chunk{"name": "/bin/job --new", "identifier": "job"}); statetest.Result(r) != "true" || r.Comment != "Cron /bin/job --new is absent" {
		t.Errorf("test absent, absent: %s %q", statetest.Result(r), r.Comment)
	}
}

func TestEnvAbsentAndParseRoundTrip(t *testing.T) {
	root := t.TempDir()
	env := &state.Env{Root: root, Exec: fakeCrontab(root)}
	in := "SHELL=/bin/sh\n" + Tag + "\nPATH=/usr/bin:/bin\nEMPTY=\"\"\n# two\n# lines SALT_CRON_IDENTIFIER:x\n1 2 3 4 5 echo a b\n#DISABLED#@hourly echo h\n"
	os.WriteFile(filepath.Join(root, "var/spool/cron/crontabs/root"), []byte(in), 0o600)
	tb := Parse(in)
	if tb.String() != in {
		t.Errorf("round trip:\n%q\n%q", tb.String(), in)
	}
	if tb.Jobs[0].Comment != "two\nlines" || tb.Jobs[0].Identifier != "x" || !tb.Special[0].Commented {
		t.Errorf("parsed %+v %+v", tb.Jobs, tb.Special)
	}
	r := statetest.Call(env, Module(), "cron.env_absent", lowstate.Chunk{"name": "PATH"})
	if statetest.Result(r) != "true" || r.Changes["root"] != "PATH" || strings.Contains(tab(t, env, "root"), "PATH=") {
		t.Errorf("env_absent %v", tab(t, env, "root"))
	}
	if !strings.HasPrefix(tab(t, env, "root"), "SHELL=/bin/sh\n") {
		t.Error("unmanaged line lost")
	}
	// a job without identifier is matched by its command
	r = statetest.Call(env, Module(), "cron.env_present", lowstate.Chunk{"name": "EMPTY", "value": ""})
	if len(r.Changes) != 0 {
		t.Errorf("empty env should match: %v", r.Changes)
	}
}

func TestCrontabErrorReported(t *testing.T) {
	fx := &hostcmd.Fake{}
	fx.On("crontab", "", 1)
	fx.Responses[0].Result.Stderr = "crontab: user `ghost' unknown"
	env := &state.Env{Root: t.TempDir(), Exec: fx}
	r := statetest.Call(env, Module(), "cron.present", lowstate.Chunk{"name": "true", "user": "ghost"})
	if statetest.Result(r) != "false" || !strings.Contains(r.Comment, "crontab is not installed") || len(fx.Lines()) != 0 {
		t.Errorf("no crontab binary: %q", r.Comment)
	}
	os.MkdirAll(filepath.Join(env.Root, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(env.Root, "usr/bin/crontab"), []byte("#!/bin/sh\n"), 0o755)
	r = statetest.Call(env, Module(), "cron.present", lowstate.Chunk{"name": "true", "user": "ghost"})
	if statetest.Result(r) != "false" || !strings.Contains(r.Comment, "ghost' unknown") {
		t.Errorf("%s %q", statetest.Result(r), r.Comment)
	}
}

func TestRandomFieldsAreStable(t *testing.T) {
	root := t.TempDir()
	env := &state.Env{Root: root, Exec: fakeCrontab(root)}
	c := lowstate.Chunk{"name": "/bin/report", "minute": "random", "hour": "random"}
	if r := statetest.Call(env, Module(), "cron.present", c); statetest.Result(r) != "true" || len(r.Changes) != 1 {
		t.Fatalf("%s %q", statetest.Result(r), r.Comment)
	}
	tb := Parse(tab(t, env, "root"))
	j := tb.Jobs[0]
	for _, v := range []string{j.Minute, j.Hour} {
		if v == "random" || v == "*" {
			t.Errorf("field not resolved: %+v", j)
		}
	}
	for i := 0; i < 3; i++ {
		if r := statetest.Call(env, Module(), "cron.present", c); len(r.Changes) != 0 {
			t.Fatalf("random re-rolled on run %d: %v", i, tab(t, env, "root"))
		}
	}
}

// TestCrontabReadOncePerRun: with the run's memo, cron states for one user
// read the crontab once; a write makes the next read fresh.
func TestCrontabReadOncePerRun(t *testing.T) {
	root := t.TempDir()
	fx := fakeCrontab(root)
	env := &state.Env{Root: root, Exec: fx, Memo: &state.Memo{}}
	for _, name := range []string{"/bin/a", "/bin/b", "/bin/a"} {
		if r := statetest.Call(env, Module(), "cron.present", lowstate.Chunk{"name": name, "user": "app"}); statetest.Result(r) != "true" {
			t.Fatalf("%s: %q", name, r.Comment)
		}
	}
	reads := 0
	for _, l := range fx.Lines() {
		if strings.HasSuffix(l, "-l") {
			reads++
		}
	}
	// a (read, write), b (read again after the write, write), a (read again
	// after the write; present: no write).
	if reads != 3 || !strings.Contains(tab(t, env, "app"), "/bin/b") {
		t.Errorf("reads %d, commands %q", reads, fx.Lines())
	}
	fx.Reset()
	statetest.Call(env, Module(), "cron.present", lowstate.Chunk{"name": "/bin/a", "user": "app"})
	if len(fx.Lines()) != 0 {
		t.Errorf("an unchanged crontab was read again: %q", fx.Lines())
	}
}
