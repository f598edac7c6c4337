package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fingerprintOf is Salt's ssh known_hosts fingerprint of a host key: the
// sha256 of the key blob, hex pairs joined by colons.
func fingerprintOf(h *Host) string {
	sum := sha256.Sum256(h.PublicKey().Marshal())
	s := hex.EncodeToString(sum[:])
	var pairs []string
	for i := 0; i < len(s); i += 2 {
		pairs = append(pairs, s[i:i+2])
	}
	return strings.Join(pairs, ":")
}

// TestNewStateFunctions applies the state functions the catalog added on a
// real host, as Salt would run them: a dry run predicts without touching
// the host, the real run makes the changes (checked on the host's disk),
// and a second run changes nothing.
func TestNewStateFunctions(t *testing.T) {
	c := newClient(t)
	h, peer := hostByID(t, "h07"), hostByID(t, "h08")
	root := func(p string) string { return filepath.Join(h.Root, p) }
	os.MkdirAll(root("srv/site/old"), 0o755)
	os.WriteFile(root("srv/site/old/stale.txt"), []byte("stale\n"), 0o644)
	os.WriteFile(root("srv/site/keep.log"), []byte("log\n"), 0o644)
	os.WriteFile(root("srv/to-rename"), []byte("rename me\n"), 0o644)
	os.WriteFile(root("srv/copy-src"), []byte("copy me\n"), 0o644)
	os.WriteFile(root("srv/app.ini"), []byte("# app\n[main]\n#port = 80\nhost = a\n"), 0o644)
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  'h07':\n    - new\n",
		"new.sls": `/srv/data.json:
  file.serialize:
    - dataset:
        name: brine
        ports: [80, 443]
        tls: {enabled: true}
    - serializer: json
/srv/data.toml:
  file.serialize:
    - dataset:
        title: brine
        server: {host: h07, port: 8080}
    - serializer: toml
/srv/data.yaml:
  file.serialize:
    - dataset: {b: [1, two], a: {x: true}}
/srv/copied:
  file.copy:
    - source: /srv/copy-src
    - mode: '0600'
/srv/renamed:
  file.rename:
    - source: /srv/to-rename
/srv/site:
  file.recurse:
    - source: salt://site
    - clean: True
    - exclude_pat: '*.log'
root-crontab:
  cron.file:
    - name: salt://cron/root
    - template: jinja
/srv/app.ini:
  ini.options_present:
    - sections:
        main:
          port: 8080
          host: a
brine-e2e-alt:
  alternatives.set:
    - path: /bin/true
` + peer.Addr + `:
  ssh_known_hosts.present:
    - fingerprint: ` + fingerprintOf(peer) + `
    - enc: ssh-ed25519
`,
		"site/index.html":  "<h1>brine</h1>\n",
		"site/css/app.css": "body {}\n",
		"cron/root":        "# managed by brine on {{ grains['id'] }}\nMAILTO=\"\"\n17 4 * * * /bin/true\n",
	})
	// two registered alternatives; /bin/false wins in auto mode
	for _, alt := range []string{"/bin/false 50", "/bin/true 10"} {
		if r := c.run("h07", "cmd.run", "update-alternatives --install /usr/local/bin/brine-e2e-alt brine-e2e-alt "+alt); r.code != 0 {
			t.Fatalf("update-alternatives: %s %s", r.stdout, r.stderr)
		}
	}
	dry := c.run("h07", "state.apply", "test=True", "--file-root", tree, "--out", "json", "--static")
	if dry.code != 0 {
		t.Fatalf("dry run: exit %d\n%s\n%s", dry.code, dry.stdout, dry.stderr)
	}
	for tag, res := range stateResults(t, dry)["h07"] {
		if res["result"] != nil {
			t.Errorf("dry run %s: result %v (want None), comment %v", tag, res["result"], res["comment"])
		}
	}
	if fileExists(root("srv/data.json")) || !fileExists(root("srv/to-rename")) || !fileExists(root("srv/site/old/stale.txt")) {
		t.Fatal("test=True changed the host")
	}
	first := c.run("h07", "state.apply", "--file-root", tree, "--out", "json", "--static")
	if first.code != 0 {
		t.Fatalf("real run: exit %d\n%s\n%s", first.code, first.stdout, first.stderr)
	}
	for tag, res := range stateResults(t, first)["h07"] {
		if res["result"] != true || !changed(res) {
			t.Errorf("real run %s: result %v changes %v comment %v", tag, res["result"], res["changes"], res["comment"])
		}
	}
	read := func(p string) string {
		b, _ := os.ReadFile(root(p))
		return string(b)
	}
	checks := map[string]string{
		"srv/data.json":        "{\n  \"name\": \"brine\",\n  \"ports\": [\n    80,\n    443\n  ],\n  \"tls\": {\n    \"enabled\": true\n  }\n}\n",
		"srv/data.toml":        "title = \"brine\"\n\n[server]\nhost = \"h07\"\nport = 8080\n\n",
		"srv/data.yaml":        "a:\n  x: true\nb:\n- 1\n- two\n",
		"srv/copied":           "copy me\n",
		"srv/renamed":          "rename me\n",
		"srv/site/index.html":  "<h1>brine</h1>\n",
		"srv/site/css/app.css": "body {}\n",
		"srv/site/keep.log":    "log\n",
		"srv/app.ini":          "# app\n\n[main]\nport = 8080\nhost = a\n",
	}
	for p, want := range checks {
		if got := read(p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if fileExists(root("srv/to-rename")) || fileExists(root("srv/site/old")) {
		t.Error("rename left its source, or recurse clean left a stale path")
	}
	if fi, err := os.Stat(root("srv/copied")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("copied mode: %v %v", fi, err)
	}
	if ct := read("var/spool/cron/crontabs/root"); !strings.Contains(ct, "# managed by brine on h07\nMAILTO=\"\"\n17 4 * * * /bin/true") {
		t.Errorf("crontab: %q", ct)
	}
	if l, _ := os.Readlink(root("etc/alternatives/brine-e2e-alt")); l != "/bin/true" {
		t.Errorf("alternative -> %q", l)
	}
	if kh := read("etc/ssh/ssh_known_hosts"); !strings.HasPrefix(kh, "|1|") || !strings.Contains(kh, "ssh-ed25519") {
		t.Errorf("known_hosts: %q", kh)
	}
	again := c.run("h07", "state.apply", "--file-root", tree, "--out", "json", "--static")
	for tag, res := range stateResults(t, again)["h07"] {
		if res["result"] != true || changed(res) {
			t.Errorf("second run %s: result %v changes %v comment %v", tag, res["result"], res["changes"], res["comment"])
		}
	}
}

// TestSpecErrorsAtCompileTime: an unknown function and an argument value
// Salt's types do not allow are refused on the controller, in Salt's words
// with the file and line, and nothing runs on the host.
func TestSpecErrorsAtCompileTime(t *testing.T) {
	c := newClient(t)
	h := hostByID(t, "h08")
	tree := writeTree(t, map[string]string{
		"top.sls": "base:\n  'h08':\n    - typo\n",
		"typo.sls": `/srv/first:
  file.managed:
    - contents: should never be written
/etc/motd-brine:
  file.managedd:
    - contents: hi
/srv/deep/file:
  file.managed:
    - contents: hi
    - makedirs: maybe
`,
	})
	r := c.run("h08", "state.apply", "--file-root", tree)
	out := r.stdout + r.stderr
	if r.code != 20 {
		t.Errorf("exit %d, want 20\n%s", r.code, out)
	}
	for _, want := range []string{
		"State 'file.managedd' was not found in SLS 'typo' (" + filepath.Join(tree, "typo.sls") + ":5)",
		"Reason: 'file.managedd' is not available.",
		"Invalid value for argument makedirs of state file.managed: 'maybe' is not True or False (" + filepath.Join(tree, "typo.sls") + ":10)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if fileExists(filepath.Join(h.Root, "srv/first")) {
		t.Error("a state ran although the tree did not compile")
	}
}

// TestSysFunctionsWithoutContactingHosts: sys.list_state_functions and
// sys.state_doc answer per targeted host from the controller's catalog,
// even for a host that cannot be reached.
func TestSysFunctionsWithoutContactingHosts(t *testing.T) {
	c := newClient(t)
	c.writeRoster(map[string]string{"ghost": "  host: " + HostAddr(250) + "\n  user: root\n  timeout: 1"})
	r := c.run("-L", "h09,ghost", "sys.list_state_functions", "file", "--out", "json", "--static")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for id, v := range jsonOut(t, r) {
		l, _ := v.([]any)
		if len(l) < 15 || l[0] != "file.absent" {
			t.Errorf("%s: %v", id, v)
		}
	}
	r = c.run("-L", "h09,ghost", "sys.state_doc", "pip.installed", "--out", "json", "--static")
	for id, v := range jsonOut(t, r) {
		d, _ := v.(map[string]any)
		if doc, _ := d["pip.installed"].(string); !strings.Contains(doc, "PEP 668") {
			t.Errorf("%s: %v", id, v)
		}
	}
}
