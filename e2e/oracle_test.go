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
// oracleAddr+i.
const oracleAddr = 60

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
func newSaltOracle(t testing.TB, h *Host, fileRoot, pillarRoot string) *saltOracle {
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
	roster := fmt.Sprintf("%s:\n  host: %s\n  user: root\n  priv: %s\n", twinName, h.Addr, suite.fleet.ClientKey)
	for name, body := range map[string]string{"master": master, "roster": roster} {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
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

// keepThin keeps the thin this oracle built, for the next ones.
func (o *saltOracle) keepThin() {
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
	h, remove := oracleHost(t, c.Kind, slot)
	defer remove()
	if c.Setup != "" {
		out, errOut, code, err := suite.fleet.Exec(h, "set -e\n"+c.Setup, 10*time.Minute)
		if err != nil || code != 0 {
			t.Fatalf("setup: %v (exit %d)\n%s\n%s", err, code, out, errOut)
		}
	}
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
	fmt.Fprintf(&b, "command: \"BRINE_E2E_NET=13 CI=true go test -count=1 -timeout 4h -run TestOracleRecord/%s -v ./e2e -args -oracle /work/oracle/salt/salt-ssh\"\n", filepath.Base(dir))
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
				if runs == 2 {
					again := answers[1]
					rec.Varies = diffPaths(rec.Return, again.Return, "")
					if rec.Retcode != again.Retcode {
						rec.Varies = append(rec.Varies, "retcode")
					}
					if rec.Stdout != again.Stdout {
						rec.Varies = append(rec.Varies, "stdout")
					}
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
}
