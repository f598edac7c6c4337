package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTemplatesAskTheHost: execution modules called from SLS files and
// `template: jinja` sources answer from the host, over the run's own
// session, for state.apply and state.show_lowstate alike; a missing
// salt:// source and a requisite pointing at nothing fail their states only,
// with Salt's comments, while every other state runs.
func TestTemplatesAskTheHost(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h09")
	for p, s := range map[string]string{"etc/brine-e2e-marker": "marker-h09\n", "etc/brine-e2e-dir/a": "", "etc/brine-e2e-dir/b": ""} {
		full := filepath.Join(h.Root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		os.Remove(filepath.Join(h.Root, "etc/brine-e2e-marker"))
		os.RemoveAll(filepath.Join(h.Root, "etc/brine-e2e-dir"))
	})
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - probe\n",
		"probe.sls": `{% set root = salt['user.info']('root') %}
probe:
  test.nop:
    - marker: {{ salt['file.file_exists']('/etc/brine-e2e-marker') }}
    - nodir: {{ salt['file.directory_exists']('/etc/brine-e2e-marker') }}
    - content: {{ salt['cmd.run']('cat /etc/brine-e2e-marker') }}
    - root_uid: {{ root.uid }}
    - root_home: {{ root.home }}
    - ssh_installed: {{ salt['pkg.version']('openssh-server') != '' }}
    - lo: {{ 'lo' in salt['network.interfaces']() }}
    - unknown_callable: {{ salt['no_such.fn'] is callable }}
/tmp/probe.txt:
  file.managed:
    - source: salt://probe.j2
    - template: jinja
missing:
  file.managed:
    - name: /tmp/missing-h3
    - source: salt://nope.conf
after-missing:
  test.nop:
    - require:
      - file: missing
lost:
  test.nop:
    - require:
      - test: nothere
independent:
  file.managed:
    - name: /tmp/independent-h3
    - contents: ok
`,
		"probe.j2": "{{ salt['file.readdir']('/etc/brine-e2e-dir') | join(',') }}\n",
	})

	// show_lowstate asks the host too (as Salt's show functions ask the minion)
	r := c.run("h09", "state.show_lowstate", "--file-root", tree, "--out", "json", "--static")
	low, ok := jsonOut(t, r)["h09"].([]any)
	if !ok {
		t.Fatalf("show_lowstate: %s\n%s", r.stdout, r.stderr)
	}
	var probe map[string]any
	for _, c := range low {
		if m, _ := c.(map[string]any); m["__id__"] == "probe" {
			probe = m
		}
	}
	want := map[string]any{"marker": true, "nodir": false, "content": "marker-h09", "root_uid": float64(0), "root_home": "/root",
		"ssh_installed": true, "lo": true, "unknown_callable": false}
	for k, v := range want {
		if probe[k] != v {
			t.Errorf("show_lowstate probe %s = %#v, want %#v (%v)", k, probe[k], v, probe)
		}
	}

	get := func(res stateReturn, id string) map[string]any {
		t.Helper()
		for tag, v := range res {
			if strings.Contains(tag, "_|-"+id+"_|-") {
				return v
			}
		}
		t.Fatalf("no result for %s in %v", id, res)
		return nil
	}
	check := func(res stateReturn, id string, result any, comment string) {
		t.Helper()
		v := get(res, id)
		if v["result"] != result || !strings.Contains(fmt.Sprint(v["comment"]), comment) {
			t.Errorf("%s: result %v comment %q; want %v, %q", id, v["result"], v["comment"], result, comment)
		}
	}

	// a dry run
	r = c.run("h09", "state.apply", "test=True", "--file-root", tree, "--out", "json", "--static")
	res := stateResults(t, r)["h09"]
	check(res, "missing", false, "Unable to manage file: Source file salt://nope.conf not found in saltenv 'base'")
	check(res, "after-missing", false, "One or more requisite failed")
	check(res, "lost", false, "The following requisites were not found:\n                   require:\n                       test: nothere\n")
	check(res, "independent", nil, "")

	// the real run
	r = c.run("h09", "state.apply", "--file-root", tree, "--out", "json", "--static")
	if r.code != 20 {
		t.Errorf("failed states: want exit 20, got %d", r.code)
	}
	res = stateResults(t, r)["h09"]
	check(res, "probe", true, "")
	check(res, "missing", false, "Source file salt://nope.conf not found in saltenv 'base'")
	check(res, "after-missing", false, "One or more requisite failed")
	check(res, "lost", false, "The following requisites were not found")
	check(res, "independent", true, "")
	if b, _ := os.ReadFile(filepath.Join(h.Root, "tmp/probe.txt")); string(b) != ".,..,a,b\n" {
		t.Errorf("probe.txt = %q: the template's readdir is the host's", b)
	}
	if fileExists(filepath.Join(h.Root, "tmp/missing-h3")) || !fileExists(filepath.Join(h.Root, "tmp/independent-h3")) {
		t.Error("the missing source's state ran, or the independent one did not")
	}
}

// TestSecretInCompileErrorMasked: a compile error that quotes a secret
// pillar value is masked, since the host's secrets are registered as soon
// as its pillar renders, before any SLS (issue 7).
func TestSecretInCompileErrorMasked(t *testing.T) {
	c := newClient(t)
	const secret = "Err0r-s3cret-pw"
	tree := writeTree(t, map[string]string{
		"top.sls":        "base:\n  '*':\n    - app\n",
		"app.sls":        "include:\n  - conf.{{ pillar['db']['password'] }}\n",
		"pillar/top.sls": "base:\n  '*':\n    - db\n",
		"pillar/db.sls":  "db:\n  password: " + secret + "\n",
	})
	for _, out := range [][]string{{"--out", "json"}, {}} {
		r := c.run(append([]string{"h05", "state.apply", "--file-root", tree, "--pillar-root", filepath.Join(tree, "pillar"), "--secret-pillar", "db:password"}, out...)...)
		if r.code != 20 || !strings.Contains(r.stdout+r.stderr, "Unknown include") {
			t.Fatalf("want the include error (exit 20), got %d:\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("the secret is in the compile error:\n%s\n%s", r.stdout, r.stderr)
		}
	}
}
