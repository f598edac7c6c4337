package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The oracle: real salt-ssh 3007.1 (set up by ../shared/oracle/
// setup-salt-ssh.sh) run on a fresh host of an e2e image, its answers
// recorded into testdata. CI compares brine with the recordings on a twin
// host of the same image and never needs Salt; TestOracleRecord, which
// records, runs only when given the salt-ssh to record with:
//
//	BRINE_E2E_NET=13 CI=true go test -count=1 -timeout 3h -run TestOracleRecord -v ./e2e -args -oracle /work/oracle/salt/salt-ssh
//
// (add /functions, /formulas, /trees or /outputs to -run for one part, or
// /functions/CASE_ID for one case).
var oracleBin = flag.String("oracle", "", "salt-ssh 3007.1 to record Salt's answers with (TestOracleRecord only)")

// twinName is the roster id and host name of every oracle host and of the
// brine twin it is compared with: the host names in both answers are the
// same without normalising.
const twinName = "twin"

// oracleAddr is the address of the oracle's first host slot (a fresh host
// each time, removed before the next starts in its slot); slot i is
// oracleAddr+i. The parts of a recording take slots of their own, so two
// parts can record at once (two processes: a recording session starts no
// other host).
const oracleAddr = 60

// The parts' first slots.
const (
	functionSlot = 0 // and 1 (-oracle-twice)
	formulaSlot  = 2
	outputSlot   = 3
)

// saltOracle is a salt-ssh set up for one host, one file root and one
// pillar root: CONFIG_DIR/master and a roster with the host as twinName.
type saltOracle struct {
	t    testing.TB
	bin  string
	conf string
	h    *Host
}

// saltCommand is the command line salt-ssh runs with, as recorded: the
// config dir (a temp dir) is written as $CONFIG.
func saltCommand(args ...string) []string {
	return append([]string{"salt-ssh", "-c", "$CONFIG", "--ignore-host-keys", "--out", "json", "--static", twinName}, args...)
}

// newSaltOracle writes the master config and roster for h. The Salt cache
// (root_dir: the thin Salt ships to hosts, the fileserver caches) is a
// fresh dir per oracle, seeded with the thin of the first one so the thin
// is built once per recording session.
func newSaltOracle(t testing.TB, h *Host, fileRoot, pillarRoot string, extra ...string) *saltOracle {
	t.Helper()
	conf := t.TempDir()
	root := filepath.Join(conf, "root")
	if err := seedThin(root); err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	master := fmt.Sprintf(`root_dir: %s
file_roots: {base: [%s]}
pillar_roots: {base: [%s]}
roster_file: %s
ssh_options: [StrictHostKeyChecking=no, UserKnownHostsFile=/dev/null]
ssh_log_file: %s
log_file: %s
`, root, abs(fileRoot), abs(pillarRoot), filepath.Join(conf, "roster"), filepath.Join(conf, "ssh.log"), filepath.Join(conf, "master.log"))
	if len(extra) > 0 {
		master += "extra_filerefs: [" + strings.Join(extra, ", ") + "]\n"
	}
	roster := fmt.Sprintf("%s:\n  host: %s\n  user: root\n  priv: %s\n", twinName, h.Addr, suite.fleet.ClientKey)
	for name, body := range map[string]string{"master": master, "roster": roster} {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	seedHost(t, h)
	return &saltOracle{t: t, bin: *oracleBin, conf: conf, h: h}
}

// thinCache is where the first oracle's thin is kept for the others.
func thinCache() string { return filepath.Join(filepath.Dir(*oracleBin), "thin-cache") }

// seedThin copies a thin built earlier into root's cache.
func seedThin(root string) error {
	src := thinCache()
	if _, err := os.Stat(filepath.Join(src, "thin.tgz")); err != nil {
		return nil
	}
	dst := filepath.Join(root, "var/cache/salt/master/thin")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		return fmt.Errorf("seed thin: %v: %s", err, out)
	}
	return nil
}

// hostThinCache is where the thin as unpacked on a host (salt-ssh's
// thin_dir, /var/tmp/.root_XXXXXX_salt, less its running_data) is kept:
// seedHost puts it on fresh hosts, so salt-ssh finds its thin there
// (checked by version and checksum) instead of uploading and unpacking it
// again, which is most of the time of a call on a fresh host. It is Salt's
// own plumbing: nothing a function or state sees.
func hostThinCache() string { return filepath.Join(filepath.Dir(*oracleBin), "thin-host") }

// seedHost copies the unpacked thin onto h, when one was kept.
func seedHost(t testing.TB, h *Host) {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(hostThinCache(), ".root_*_salt"))
	if len(dirs) != 1 {
		return
	}
	if out, err := exec.Command("cp", "-a", dirs[0], filepath.Join(h.Root, "var/tmp")+"/").CombinedOutput(); err != nil {
		t.Fatalf("seed thin: %v: %s", err, out)
	}
}

// keepHostThin keeps the thin unpacked on h by a first call.
func keepHostThin(h *Host) {
	if dirs, _ := filepath.Glob(filepath.Join(hostThinCache(), ".root_*_salt")); len(dirs) > 0 {
		return
	}
	dirs, _ := filepath.Glob(filepath.Join(h.Root, "var/tmp/.root_*_salt"))
	if len(dirs) != 1 {
		return
	}
	tmp := hostThinCache() + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return
	}
	dst := filepath.Join(tmp, filepath.Base(dirs[0]))
	if exec.Command("cp", "-a", dirs[0], dst).Run() != nil {
		return
	}
	os.RemoveAll(filepath.Join(dst, "running_data"))
	_ = os.Rename(tmp, hostThinCache())
}

// keepThin keeps the thin this oracle built, for the next ones.
func (o *saltOracle) keepThin() {
	keepHostThin(o.h)
	src := filepath.Join(o.conf, "root/var/cache/salt/master/thin")
	if _, err := os.Stat(filepath.Join(thinCache(), "thin.tgz")); err == nil {
		return
	}
	if _, err := os.Stat(filepath.Join(src, "thin.tgz")); err != nil {
		return
	}
	_ = exec.Command("cp", "-a", src, thinCache()).Run()
}

// saltAnswer is one salt-ssh call's outcome.
type saltAnswer struct {
	Command []string `json:"command"`
	Retcode int      `json:"retcode"`
	// Return is the host's value in salt-ssh's JSON output.
	Return any `json:"return"`
	// Stdout is salt-ssh's output when it is not one JSON object with the
	// host's value (a text outputter, or an error before any host ran).
	Stdout string `json:"stdout,omitempty"`
	// Stderr is salt-ssh's log on stderr (informative: a render error's
	// details; never compared).
	Stderr string `json:"stderr,omitempty"`
	// Seconds is how long the call took (informative, never compared).
	Seconds float64 `json:"seconds"`
}

// call runs salt-ssh with args after the target, with a bound of d.
func (o *saltOracle) call(d time.Duration, args ...string) saltAnswer {
	o.t.Helper()
	return o.callOut(d, "json", args...)
}

// callOut is call with another outputter (and other options before the
// target, as salt-ssh takes them): opts are the options, args follow the
// target.
func (o *saltOracle) callOut(d time.Duration, out string, args ...string) saltAnswer {
	o.t.Helper()
	return o.callWith(d, []string{"--out", out}, args...)
}

// callWith runs salt-ssh with opts before the target and args after it.
func (o *saltOracle) callWith(d time.Duration, opts []string, args ...string) saltAnswer {
	o.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	full := append([]string{"-c", o.conf, "--ignore-host-keys"}, opts...)
	if !hasOpt(opts, "--static") && optVal(opts, "--out") == "json" {
		full = append(full, "--static")
	}
	full = append(append(full, twinName), args...)
	cmd := exec.CommandContext(ctx, o.bin, full...)
	cmd.Env = append(os.Environ(), "HOME="+o.conf, "LANG=C.UTF-8")
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	t0 := time.Now()
	err := cmd.Run()
	ans := saltAnswer{Command: append([]string{"salt-ssh"}, full...), Seconds: time.Since(t0).Round(10 * time.Millisecond).Seconds()}
	ans.Command[2] = "$CONFIG"
	ans.Stderr = strings.ReplaceAll(se.String(), o.conf, "$CONFIG")
	if ee, ok := err.(*exec.ExitError); ok {
		ans.Retcode = ee.ExitCode()
	} else if err != nil {
		o.t.Fatalf("salt-ssh %v: %v", args, err)
	}
	if ctx.Err() != nil {
		o.t.Fatalf("salt-ssh %v: no answer within %s\n%s\n%s", args, d, so.String(), se.String())
	}
	var m map[string]any
	if optVal(opts, "--out") == "json" && json.Unmarshal(so.Bytes(), &m) == nil && len(m) == 1 {
		if v, ok := m[twinName]; ok {
			ans.Return = v
			return ans
		}
	}
	ans.Stdout = so.String()
	return ans
}

func hasOpt(opts []string, name string) bool {
	for _, o := range opts {
		if o == name || strings.HasPrefix(o, name+"=") {
			return true
		}
	}
	return false
}

func optVal(opts []string, name string) string {
	for i, o := range opts {
		if o == name && i+1 < len(opts) {
			return opts[i+1]
		}
		if v, ok := strings.CutPrefix(o, name+"="); ok {
			return v
		}
	}
	return ""
}

// writeJSON writes v as indented JSON (keys sorted, as encoding/json does
// for maps) with a final newline.
func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// oracleHost starts a fresh twin host of the image kind for the oracle;
// remove removes it (at the latest when the test ends; a host that failed
// to start is removed too).
func oracleHost(t testing.TB, kind string, slot int) (h *Host, remove func()) {
	t.Helper()
	img := Images[kind]
	if img == nil {
		t.Fatalf("no image kind %q", kind)
	}
	id := fmt.Sprintf("oracle-%s-%d", kind, slot)
	var once sync.Once
	remove = func() {
		once.Do(func() {
			for _, x := range suite.fleet.Hosts {
				if x.ID == id {
					if err := suite.fleet.Remove(x); err != nil {
						t.Error(err)
					}
					return
				}
			}
		})
	}
	t.Cleanup(remove)
	h, err := suite.fleet.AddTwin(id, twinName, oracleAddr+slot, img, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	return h, remove
}

// functionCase is one case of testdata/oracle/functions.yaml (its header
// says what each field means).
type functionCase struct {
	ID      string   `yaml:"id"`
	Kind    string   `yaml:"kind"`
	Setup   string   `yaml:"setup"`
	Options []string `yaml:"options"`
	Argv    []string `yaml:"argv"`
	Note    string   `yaml:"note"`
}

// functionCases reads and checks testdata/oracle/functions.yaml.
func functionCases(t testing.TB) []functionCase {
	t.Helper()
	b, err := os.ReadFile("testdata/oracle/functions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []functionCase
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cases); err != nil {
		t.Fatalf("functions.yaml: %v", err)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		switch {
		case c.ID == "" || strings.ContainsAny(c.ID, "/ "):
			t.Fatalf("functions.yaml: bad id %q", c.ID)
		case seen[c.ID]:
			t.Fatalf("functions.yaml: id %s twice", c.ID)
		case c.Kind != "chroot" && c.Kind != "systemd":
			t.Fatalf("functions.yaml: %s: kind %q (chroot or systemd)", c.ID, c.Kind)
		case len(c.Argv) == 0:
			t.Fatalf("functions.yaml: %s: no argv", c.ID)
		}
		seen[c.ID] = true
	}
	return cases
}

// recordFunction records one case on a fresh host: setup, then salt-ssh.
func recordFunction(t *testing.T, c functionCase, slot int) saltAnswer {
	h, remove := oracleHost(t, c.Kind, functionSlot+slot)
	defer remove()
	setupHost(t, h, c.Setup)
	o := newSaltOracle(t, h, "testdata/oracle/fileroot", "testdata/oracle/pillar")
	a := o.callWith(15*time.Minute, append([]string{"--out", "json"}, c.Options...), c.Argv...)
	o.keepThin()
	return a
}

// diffPaths lists the JSON paths where a and b differ ("" is the root).
func diffPaths(a, b any, path string) []string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return []string{path}
		}
		var out []string
		for _, k := range sortedKeys(x) {
			if _, ok := y[k]; !ok {
				out = append(out, path+"/"+k)
				continue
			}
			out = append(out, diffPaths(x[k], y[k], path+"/"+k)...)
		}
		for _, k := range sortedKeys(y) {
			if _, ok := x[k]; !ok {
				out = append(out, path+"/"+k)
			}
		}
		return out
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return []string{path}
		}
		var out []string
		for i := range x {
			out = append(out, diffPaths(x[i], y[i], fmt.Sprintf("%s/%d", path, i))...)
		}
		return out
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		return []string{path}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// oracleTwice: record every case a second time on another fresh host and
// keep the JSON paths whose values differed (what varies from run to run
// on identical hosts: times, pids, the Salt cache's paths).
var oracleTwice = flag.Bool("oracle-twice", false, "record each function case twice and note the paths that differ (TestOracleRecord)")

// oracleMissing: record only what has no recording yet (a recording
// session interrupted, or cases added to the table).
var oracleMissing = flag.Bool("oracle-missing", false, "record only the function cases and trees with no recording yet (TestOracleRecord)")

// oracleVaries: record each function case once more and keep, in its
// recording, the paths where this answer differs from the recorded one
// (the recorded answer itself is kept).
var oracleVaries = flag.Bool("oracle-varies", false, "record each function case again and note in its recording the paths that differ (TestOracleRecord)")

// variesOf lists where two answers to one case differ: paths of the
// return, "retcode", "stdout".
func variesOf(a, b saltAnswer) []string {
	v := diffPaths(a.Return, b.Return, "")
	if a.Retcode != b.Retcode {
		v = append(v, "retcode")
	}
	if a.Stdout != b.Stdout {
		v = append(v, "stdout")
	}
	return v
}

// functionRecording is testdata/oracle/functions/<id>.json.
type functionRecording struct {
	saltAnswer
	// Varies lists the paths of Return (/key/index/...) whose values
	// differed between two recordings on identical fresh hosts.
	Varies []string `json:"varies,omitempty"`
}

// writeRecordingHeader writes DIR/_recording.yaml: what recorded the files
// in DIR, when, on which images.
func writeRecordingHeader(t testing.TB, dir, what string, kinds ...string) {
	t.Helper()
	ver, _ := exec.Command(*oracleBin, "--version").Output()
	var b strings.Builder
	fmt.Fprintf(&b, "# What recorded the files in this directory (written by TestOracleRecord).\n")
	fmt.Fprintf(&b, "recorded: %s\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "salt: %q\n", strings.TrimSpace(string(ver)))
	fmt.Fprintf(&b, "what: %q\n", what)
	fmt.Fprintf(&b, "command: \"BRINE_E2E_NET=13 CI=true go test -count=1 -timeout 4h -run 'TestOracleRecord/%s' -v ./e2e -args -oracle /work/oracle/salt/salt-ssh\"\n", recordPart(dir))
	fmt.Fprintf(&b, "salt_command: \"salt-ssh -c $CONFIG --ignore-host-keys --out json --static twin FUNCTION ARGS...\"\n")
	fmt.Fprintf(&b, "master_config: |\n  root_dir: (a fresh temp dir)\n  file_roots: {base: [FILE_ROOT]}\n  pillar_roots: {base: [PILLAR_ROOT]}\n  roster_file: $CONFIG/roster\n  ssh_options: [StrictHostKeyChecking=no, UserKnownHostsFile=/dev/null]\n")
	fmt.Fprintf(&b, "roster: \"twin: {host: 127.B.1.60, user: root, priv: (the e2e fleet's key)}\"\n")
	b.WriteString("images:\n")
	for _, k := range kinds {
		img := Images[k]
		stamp, _ := os.ReadFile(filepath.Join(filepath.Dir(suite.fleet.Base), img.Name, ".brine-image-ok"))
		fmt.Fprintf(&b, "  %s: {image: %s, built: %q}\n", k, img.Name, strings.TrimSpace(string(stamp)))
	}
	if err := os.WriteFile(filepath.Join(dir, "_recording.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// treeSpec is a formula's formula.yaml or a tree's tree.yaml: where the
// tree comes from, the host it is recorded and compared on.
type treeSpec struct {
	Formula string `yaml:"formula"`
	Source  string `yaml:"source"`
	Commit  string `yaml:"commit"`
	// Kind is the image kind of the hosts (chroot or systemd).
	Kind string `yaml:"kind"`
	// Setup is sh run as root on the fresh host first, on both twins,
	// with E2E_ADDR set to the host's address.
	Setup string `yaml:"setup"`
	// States and Pillar are the file and pillar roots, relative to the
	// spec's directory (states and pillar when empty).
	States string `yaml:"states"`
	Pillar string `yaml:"pillar"`
	// Why says why a tree has no recording (Salt cannot run it offline).
	Why string `yaml:"why"`
	// ExtraFilerefs are salt:// files salt-ssh must ship besides those
	// the states name (its master option extra_filerefs): a file
	// template's own imports. brine needs none (it renders with the whole
	// file root).
	ExtraFilerefs []string `yaml:"extra_filerefs"`

	name, dir string
	// release is "" for Debian 12, else the Debian release a chroot
	// tree's variant runs on ("debian11": name "x@debian11", its
	// recording in salt-debian11/); see withReleases.
	release string
}

// saltDir is where the spec's Salt recording is.
func (s treeSpec) saltDir() string {
	if s.release == "" {
		return filepath.Join(s.dir, "salt")
	}
	return filepath.Join(s.dir, "salt-"+s.release)
}

// hostID is the spec's name as a host id.
func (s treeSpec) hostID() string { return strings.ReplaceAll(s.name, "@", "-") }

// withReleases adds, after each chroot-kind tree, its variants on the
// other Debian releases the e2e images have (11 and 13): the same tree,
// recorded with Salt and compared on those hosts. Booted (systemd) trees
// run on Debian 12 only: the booted image is 12's.
func withReleases(specs []treeSpec) []treeSpec {
	var out []treeSpec
	for _, s := range specs {
		out = append(out, s)
		if s.Kind != "chroot" || s.Why != "" {
			continue
		}
		for _, r := range []struct{ name, kind string }{{"debian11", "chroot11"}, {"debian13", "chroot13"}} {
			v := s
			v.name, v.Kind, v.release = s.name+"@"+r.name, r.kind, r.name
			out = append(out, v)
		}
	}
	return out
}

// fileRoot and pillarRoot are the spec's roots.
func (s treeSpec) fileRoot() string   { return filepath.Join(s.dir, cmpOr(s.States, "states")) }
func (s treeSpec) pillarRoot() string { return filepath.Join(s.dir, cmpOr(s.Pillar, "pillar")) }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// treeSpecs reads testdata/formulas/*/formula.yaml and testdata/trees/*/tree.yaml.
func treeSpecs(t testing.TB) []treeSpec {
	t.Helper()
	var out []treeSpec
	for _, glob := range []string{"testdata/formulas/*/formula.yaml", "testdata/trees/*/tree.yaml"} {
		files, _ := filepath.Glob(glob)
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var spec treeSpec
			dec := yaml.NewDecoder(bytes.NewReader(b))
			dec.KnownFields(true)
			if err := dec.Decode(&spec); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if Images[spec.Kind] == nil {
				t.Fatalf("%s: kind %q", f, spec.Kind)
			}
			spec.dir = filepath.Dir(f)
			spec.name = filepath.Base(spec.dir)
			out = append(out, spec)
		}
	}
	if len(out) == 0 {
		t.Fatal("no formulas or trees")
	}
	return out
}

// treeSteps are a tree's recorded runs, in order on one fresh host: the
// file name in salt/ and the arguments after the target.
var treeSteps = []struct {
	name string
	args []string
}{
	{"lowstate", []string{"state.show_lowstate"}},
	{"test", []string{"state.apply", "test=True"}},
	{"apply", []string{"state.apply"}},
	{"second", []string{"state.apply"}},
}

// setupHost runs a spec's or case's setup on h.
func setupHost(t testing.TB, h *Host, setup string) {
	t.Helper()
	if setup == "" {
		return
	}
	script := fmt.Sprintf("E2E_ADDR=%s; export E2E_ADDR\nset -e\n%s", h.Addr, setup)
	out, errOut, code, err := suite.fleet.Exec(h, script, 10*time.Minute)
	if err != nil || code != 0 {
		t.Fatalf("setup: %v (exit %d)\n%s\n%s", err, code, out, errOut)
	}
}

// recordTree records a tree's steps with Salt on one fresh host.
func recordTree(t *testing.T, spec treeSpec) {
	unlock, err := MachineLock(filepath.Dir(suite.fleet.Base), "formulas", 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	h, remove := oracleHost(t, spec.Kind, formulaSlot)
	defer remove()
	setupHost(t, h, spec.Setup)
	o := newSaltOracle(t, h, spec.fileRoot(), spec.pillarRoot(), spec.ExtraFilerefs...)
	dir := spec.saltDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, step := range treeSteps {
		a := o.call(45*time.Minute, step.args...)
		o.keepThin()
		writeJSON(t, filepath.Join(dir, step.name+".json"), a)
		t.Logf("%s %s: exit %d in %.1fs", spec.name, step.name, a.Retcode, a.Seconds)
	}
	what := fmt.Sprintf("%s (file roots %s, pillar %s): %s on one fresh host", spec.name, spec.fileRoot(), spec.pillarRoot(),
		"state.show_lowstate, state.apply test=True, state.apply, state.apply")
	if len(spec.ExtraFilerefs) > 0 {
		what += "; master config extra_filerefs: " + strings.Join(spec.ExtraFilerefs, ", ")
	}
	writeRecordingHeader(t, dir, what, spec.Kind)
}

// outputRecording is one entry of testdata/oracle/outputs/index.json.
type outputRecording struct {
	File    string   `json:"file"`
	Command []string `json:"command"`
	Retcode int      `json:"retcode"`
}

// outputFunctions are the ad-hoc calls whose text outputs are recorded.
var outputFunctions = []struct {
	name string
	args []string
}{
	{"test.ping", []string{"test.ping"}},
	{"grains.item", []string{"grains.item", "os", "osrelease", "id"}},
	{"cmd.run_all", []string{"cmd.run_all", "echo out; echo err >&2; exit 3"}},
	{"pkg.version", []string{"pkg.version", "sudo", "cron"}},
	{"test.arg", []string{"test.arg", "1", "two", "x=[1, 2]", "y={a: b}"}},
	{"pillar.items", []string{"pillar.items"}},
	{"test.not_there", []string{"test.not_there"}},
}

// recordOutputs records salt-ssh's human outputs (issue 16): the
// highstate outputter for every --state-output and --state-verbose on
// testdata/trees/mixed (a fresh host each), and --out nested, txt, yaml
// of outputFunctions (one host).
func recordOutputs(t *testing.T) {
	dir := "testdata/oracle/outputs"
	spec := treeSpec{Kind: "chroot", name: "mixed", dir: "testdata/trees/mixed"}
	var index []outputRecording
	save := func(file string, a saltAnswer) {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(a.Stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		index = append(index, outputRecording{File: file, Command: a.Command, Retcode: a.Retcode})
		t.Logf("%s: exit %d in %.1fs", file, a.Retcode, a.Seconds)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"full", "terse", "mixed", "changes", "filter"} {
		for _, verbose := range []string{"True", "False"} {
			func() {
				h, remove := oracleHost(t, spec.Kind, outputSlot)
				defer remove()
				o := newSaltOracle(t, h, spec.fileRoot(), spec.pillarRoot())
				a := o.callWith(10*time.Minute, []string{"--state-output", mode, "--state-verbose", verbose}, "state.apply")
				o.keepThin()
				save(fmt.Sprintf("state.apply-%s-verbose-%s.txt", mode, strings.ToLower(verbose)), a)
			}()
		}
	}
	func() {
		h, remove := oracleHost(t, spec.Kind, outputSlot)
		defer remove()
		o := newSaltOracle(t, h, "testdata/oracle/fileroot", "testdata/oracle/pillar")
		a := o.callWith(10*time.Minute, nil, "state.apply", "test=True")
		save("state.apply-test-default.txt", a)
		for _, f := range outputFunctions {
			for _, out := range []string{"nested", "txt", "yaml"} {
				save(fmt.Sprintf("%s-%s.txt", f.name, out), o.callOut(10*time.Minute, out, f.args...))
			}
		}
	}()
	sort.Slice(index, func(i, j int) bool { return index[i].File < index[j].File })
	writeJSON(t, filepath.Join(dir, "index.json"), index)
	writeRecordingHeader(t, dir, "salt-ssh's text outputs: state.apply of testdata/trees/mixed with each --state-output and --state-verbose (a fresh host each); "+
		"state.apply test=True of testdata/oracle/fileroot and ad-hoc functions with --out nested, txt, yaml (one host); index.json has each file's command", "chroot")
}

// recordPart is the -run pattern that records dir again.
func recordPart(dir string) string {
	switch p := strings.Split(filepath.ToSlash(dir), "/"); {
	case len(p) >= 4 && (p[1] == "formulas" || p[1] == "trees") && strings.HasPrefix(p[3], "salt-"):
		return p[1] + "/" + p[2] + "@" + strings.TrimPrefix(p[3], "salt-") + "$"
	case len(p) >= 3 && (p[1] == "formulas" || p[1] == "trees"):
		return p[1] + "/" + p[2] + "$"
	case len(p) >= 3:
		return p[2]
	}
	return dir
}

// TestOracleRecord records Salt's answers (see oracleBin).
func TestOracleRecord(t *testing.T) {
	if *oracleBin == "" {
		t.Skip("records only with -oracle /path/to/salt-ssh")
	}
	if suite == nil {
		t.Skip("no fleet")
	}
	t.Run("functions", func(t *testing.T) {
		dir := "testdata/oracle/functions"
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range functionCases(t) {
			if *oracleMissing {
				if _, err := os.Stat(filepath.Join(dir, c.ID+".json")); err == nil {
					continue
				}
			}
			t.Run(c.ID, func(t *testing.T) {
				// twice: on two fresh hosts at once
				runs := 1
				if *oracleTwice {
					runs = 2
				}
				answers := make([]saltAnswer, runs)
				t.Run("salt", func(t *testing.T) {
					for i := range answers {
						t.Run(fmt.Sprint(i), func(t *testing.T) {
							t.Parallel()
							answers[i] = recordFunction(t, c, i)
						})
					}
				})
				if t.Failed() {
					return
				}
				rec := functionRecording{saltAnswer: answers[0]}
				if *oracleVaries {
					b, err := os.ReadFile(filepath.Join(dir, c.ID+".json"))
					if err != nil {
						t.Fatal(err)
					}
					var old functionRecording
					if err := json.Unmarshal(b, &old); err != nil {
						t.Fatal(err)
					}
					again := rec.saltAnswer
					rec = old
					rec.Varies = variesOf(old.saltAnswer, again)
					writeJSON(t, filepath.Join(dir, c.ID+".json"), rec)
					t.Logf("%s: varies %v", c.ID, rec.Varies)
					return
				}
				if runs == 2 {
					rec.Varies = variesOf(rec.saltAnswer, answers[1])
				}
				writeJSON(t, filepath.Join(dir, c.ID+".json"), rec)
				t.Logf("%s: exit %d in %.1fs", c.ID, rec.Retcode, rec.Seconds)
				n++
			})
		}
		if n > 0 {
			writeRecordingHeader(t, dir, "testdata/oracle/functions.yaml, each case on a fresh host", "chroot", "systemd")
		}
	})
	t.Run("outputs", recordOutputs)
	for _, part := range []string{"formulas", "trees"} {
		t.Run(part, func(t *testing.T) {
			for _, spec := range withReleases(treeSpecs(t)) {
				if !strings.HasPrefix(spec.dir, filepath.Join("testdata", part)) || spec.Why != "" {
					continue
				}
				if _, err := os.Stat(filepath.Join(spec.saltDir(), "second.json")); err == nil && *oracleMissing {
					continue
				}
				t.Run(spec.name, func(t *testing.T) { recordTree(t, spec) })
			}
		})
	}
}
