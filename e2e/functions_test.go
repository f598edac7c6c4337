package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"gopkg.in/yaml.v3"

	"brine/provision/wire/funcs"
)

// TestFunctionsOracle runs every case of testdata/oracle/functions.yaml
// (execution functions as a Salt user types them, with their set-up) with
// brine on a fresh host and compares brine's `--out json --static` answer
// and exit code with what real salt-ssh 3007.1 answered on a twin host of
// the same image (testdata/oracle/functions/<id>.json, recorded by
// TestOracleRecord; see testdata/oracle/functions/_recording.yaml).
//
// What may differ, and why (normalize and functionDifferences say how):
//
//   - the values a second Salt recording on an identical host changed (a
//     recording's "varies" paths: job ids, pids, timings);
//
//   - process ids and job ids anywhere (pid, __pub_pid, __pub_jid), and
//     timings (test.fib's seconds): their type is compared, not their value;
//
//   - the usage salt-call prints after "Passed invalid arguments" is Salt's
//     docstring; brine prints its own doc line: not compared;
//
//   - a Python traceback is compared by its last line ("Exception: boom");
//
//   - the e2e run's directory in paths (/tmp/brine-e2e-N/);
//
//   - file.stats's times and inode (when the set-up ran), and a state
//     result's start_time and duration, compared by type;
//
//   - the context cmdmod prints when a command cannot start ("with the
//     context '{... the environment ...}', reason:");
//
//   - sysctl.show's keys only (the kernel's counters move); the shape
//     (keys and value types) of live measures (shapeOnly: status.*, the
//     clock, disk counters, TCP connections);
//
//   - guarded functions (system.reboot...) run with --yes.
//
//   - file.readdir's list as a set (Python lists in directory order);
//
//   - the cases of functionDifferences, each with its reason (the README's
//     compatibility table lists them too).
//
//     BRINE_E2E_NET=14 CI=true go test -count=1 -run TestFunctionsOracle -v ./e2e
//     (-run 'TestFunctionsOracle/cmd.run' for some cases)
func TestFunctionsOracle(t *testing.T) {
	cases := oracleFunctionCases(t)
	var equal, differ atomic.Int32
	// the cases run on BRINE_FUNCTIONS_PARALLEL twins at once (default 4),
	// each in a host slot of its own
	slots := make(chan int, envInt("BRINE_FUNCTIONS_PARALLEL", 4))
	for i := range cap(slots) {
		slots <- functionsAddr + i
	}
	t.Cleanup(func() { t.Logf("functions: %d equal to salt-ssh 3007.1, %d different", equal.Load(), differ.Load()) })
	for _, fc := range cases {
		t.Run(fc.ID, func(t *testing.T) {
			rec, ok := loadFunctionRecording(t, fc.ID)
			if !ok {
				t.Skipf("no recording of %s yet", fc.ID)
			}
			if why, ok := functionDifferences()[fc.ID]; ok {
				t.Skipf("known difference: %s", why)
			}
			t.Parallel()
			slot := <-slots
			defer func() { slots <- slot }()
			got, code, out := runFunctionCase(t, fc, slot)
			diffs := compareFunction(fc.ID, rec, got, code)
			if len(diffs) == 0 {
				equal.Add(1)
				return
			}
			differ.Add(1)
			t.Errorf("%s: brine differs from salt-ssh 3007.1 at %s\nbrine (exit %d): %s\nsalt-ssh (exit %d): %s\nbrine's stderr: %s",
				fc.ID, strings.Join(diffs, ", "), code, jsonText(got), rec.Retcode, jsonText(rec.Return), out)
		})
	}
}

// functionAnswer is testdata/oracle/functions/<id>.json.
type functionAnswer struct {
	Command []string `json:"command"`
	Retcode int      `json:"retcode"`
	Return  any      `json:"return"`
	Varies  []string `json:"varies"`
}

// oracleDir is where the cases and recordings are read:
// testdata/oracle, or $BRINE_ORACLE_DIR (the oracle engineer's worktree,
// to compare with recordings not merged yet).
func oracleDir() string {
	if d := os.Getenv("BRINE_ORACLE_DIR"); d != "" {
		return d
	}
	return "testdata/oracle"
}

func oracleFunctionCases(t *testing.T) []functionCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(oracleDir(), "functions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []functionCase
	if err := yaml.Unmarshal(b, &cases); err != nil {
		t.Fatalf("functions.yaml: %v", err)
	}
	if len(cases) < 100 {
		t.Fatalf("functions.yaml has %d cases", len(cases))
	}
	return cases
}

func loadFunctionRecording(t *testing.T, id string) (functionAnswer, bool) {
	var a functionAnswer
	b, err := os.ReadFile(filepath.Join(oracleDir(), "functions", id+".json"))
	if os.IsNotExist(err) {
		return a, false
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s.json: %v", id, err)
	}
	return a, true
}

// functionDifferences are the cases where brine answers otherwise than
// salt-ssh 3007.1 by design, with the reason.
func functionDifferences() map[string]string {
	ifaces := "Salt lists interfaces with the ip (or ifconfig) command, which the image lacks: it finds none; brine reads the kernel's (as Salt does on a host with iproute2)"
	passthrough := "salt-ssh 3007.1 has no --retcode-passthrough (it exits 64, no such option); brine has salt-call's: the exit code is the function's"
	return map[string]string{
		"test.retcode-passthrough":            passthrough,
		"cmd.run-passthrough":                 passthrough,
		"cmd.run_all-passthrough":             passthrough,
		"error-command-execution-passthrough": passthrough,
		"test.versions_report":                "brine reports its own components (brine-exec, Go) where Salt reports Python's",
		"grains.get-from-file":                "salt-ssh keeps persistent grains in its thin directory and never reads /etc/salt/grains; brine reads them there (issue 14), so a grain set there is seen",
		"pillar.keys":                         "salt-ssh 3007.1 fails to serialize the answer (odict_keys is not JSON serializable); brine returns the keys",
		"test.exception":                      "Salt prints a Python traceback; brine its last line (compared by normalize, kept here for the exit code check)",
		"grains.append":                       "salt-ssh never reads /etc/salt/grains (see grains.get-from-file): it appends to an empty list",
		"grains.items": "the grains Salt takes from its Python runtime (pythonexecutable, pythonpath, pythonversion, saltpath, package) are not brine's, which adds brine_version; " +
			"Salt's interface grains need the ip command (the image has none: Salt reports none), brine reads the kernel's; locale_info comes from each one's process environment",
		"grains.ls":                "the grains' names differ as grains.items's do",
		"pkg.install-sources":      "salt-ssh 3007.1 cannot fetch a salt:// package source (cp.cache_file answers False, pkg.install raises a TypeError); brine sends the file with the request and installs it",
		"cp.get_file_str":          "salt-ssh 3007.1's cp.get_file_str cannot reach the master's file roots (it answers False); brine's controller serves them",
		"cp.cache_file":            "salt-ssh caches under its thin directory (/var/tmp/.root_*_salt/running_data/var/cache/salt/minion), brine under /var/cache/salt/minion",
		"network.interfaces":       ifaces,
		"network.ip_addrs":         ifaces,
		"network.ip_addrs6":        ifaces,
		"network.subnets":          ifaces,
		"network.hw_addr":          ifaces,
		"sys.list_state_functions": "brine lists the state functions it implements (the README's Supported states), Salt every one of its state modules",
		"sys.state_doc":            "brine's docs are its own (what brine's implementation does), Salt's the modules' docstrings",
		"sys.list_functions":       "brine lists the execution functions it implements (the README's Supported functions), Salt every function of its loaded modules",
		"sys.list_modules":         "brine lists the execution modules it implements, Salt every module its loader loads on the host",
		"sys.doc":                  "brine's docs are its own (what brine's implementation does, and the signature), Salt's the functions' docstrings",
		"sys.argspec": "a default Salt computes when the module loads on the host (cmdmod's DEFAULT_SHELL: the shell grain, /bin/bash) is None in brine's answer, " +
			"which the controller gives from its catalog without contacting the host (the host's login shell is found when the command runs)",
		"state.id_exists": "salt-ssh 3007.1's state.id_exists fails (its show_low_sls answers a dict over salt-ssh: TypeError string indices must be integers); brine answers whether the ids exist",
		"pkg.refresh_db":  "which index files apt fetches (Translation-en...) depends on what the host already has and on the mirror at the time",
	}
}

// runFunctionCase starts a fresh host named twin of the case's image
// (the recording's), runs the case's set-up on it as the recorder does,
// and the case with brine.
func runFunctionCase(t *testing.T, fc functionCase, slot int) (any, int, string) {
	t.Helper()
	img := Images[fc.Kind]
	if img == nil {
		t.Fatalf("no image kind %q", fc.Kind)
	}
	h, err := suite.fleet.AddTwin(fmt.Sprintf("fn-twin%d", slot), twinName, slot, img, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := suite.fleet.Remove(h); err != nil {
			t.Error(err)
		}
	}()
	setupHost(t, h, fc.Setup)
	opts := fc.Options
	if f, ok := funcs.Lookup(fc.Argv[0]); ok && f.Guarded {
		// brine runs system.reboot and friends only when told to
		opts = append([]string{"--yes"}, opts...)
	}
	return runOnTwin(t, h, opts, fc.Argv, "json", "--static")
}

// runOnTwin runs brine against h under the roster id twin (the id Salt's
// recording had), with the oracle's file roots and pillar; the decoded
// answer of --out json, the exit code and stderr.
func runOnTwin(t *testing.T, h *Host, opts, argv []string, out string, more ...string) (any, int, string) {
	r := twinRun(t, h, opts, argv, out, more...)
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		return nil, r.code, fmt.Sprintf("not JSON (%v): %s %s", err, r.stdout, r.stderr)
	}
	return m[twinName], r.code, r.stderr
}

func twinRun(t *testing.T, h *Host, opts, argv []string, out string, more ...string) result {
	c := newClient(t)
	if err := os.WriteFile(c.roster, []byte(fmt.Sprintf("%s:\n  host: %s\n  user: root\n", twinName, h.Addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	root := oracleDir()
	args := append([]string{"-i", "--file-root", filepath.Join(root, "fileroot"), "--pillar-root", filepath.Join(root, "pillar"), "--out", out}, more...)
	args = append(append(append(args, opts...), twinName, "--"), argv...)
	return c.run(args...)
}

// functionsAddr is the host slot of TestFunctionsOracle's twin (the
// oracle's recorder uses 60 and up).
const functionsAddr = 70

// compareFunction lists where brine's answer differs from the recording.
func compareFunction(id string, rec functionAnswer, got any, code int) []string {
	var diffs []string
	if code != rec.Retcode {
		diffs = append(diffs, fmt.Sprintf("exit code %d (salt-ssh %d)", code, rec.Retcode))
	}
	want := normalize(rec.Return, "", rec.Varies)
	have := normalize(got, "", rec.Varies)
	if unordered[id] {
		want, have = sortedList(want), sortedList(have)
	}
	if keysOnly[id] {
		want, have = dictKeys(want), dictKeys(have)
	}
	if k, ok := shapeOnly[id]; ok {
		want, have = shapeOf(want, k), shapeOf(have, k)
	}
	return append(diffs, valueDiffs(want, have, "")...)
}

// unordered are the cases whose list is compared as a set: file.readdir
// lists in the directory's order in Python (which differs from one
// filesystem to another), sorted in brine.
var unordered = map[string]bool{"file.readdir": true}

// keysOnly are the cases whose dict is compared by its keys: sysctl.show's
// values are the kernel's live counters, service.show's the unit's
// timestamps, ids and dependency lists in systemd's (hash) order.
var keysOnly = map[string]bool{"sysctl.show": true, "service.show": true}

// shapeOnly are the cases whose answer is compared by its shape (keys and
// value types): live measures of the host (status.*, the clock, disk
// counters, the TCP connections of the moment). true: the top-level keys
// vary too (pids, connection numbers) and only the values' shapes are
// compared, as a set.
var shapeOnly = map[string]bool{
	"status.all_status": false, "status.cpustats": false, "status.meminfo": false, "status.vmstats": false,
	"status.diskstats": false, "status.netstats": false, "status.loadavg": false, "status.uptime": false,
	"status.diskusage": false, "status.netdev": false, "status.w": false, "disk.inodeusage": false, "disk.usage": false,
	"disk.percent": false, "system.get_system_time": false, "system.get_system_date": false, "status.time": false,
	"status.procs": true, "network.active_tcp": true,
}

// shapeOf replaces every leaf by its type; dropKeys turns the top-level
// dict into the set of its values' shapes.
func shapeOf(v any, dropKeys bool) any {
	var shape func(v any) any
	shape = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, x := range t {
				out[k] = shape(x)
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, x := range t {
				out[i] = shape(x)
			}
			return out
		}
		return fmt.Sprintf("<%T>", v)
	}
	m, ok := v.(map[string]any)
	if !dropKeys || !ok {
		return shape(v)
	}
	set := map[string]any{}
	for _, x := range m {
		set[jsonText(shape(x))] = true
	}
	return set
}

func dictKeys(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedList(v any) any {
	l, ok := v.([]any)
	if !ok {
		return v
	}
	out := append([]any(nil), l...)
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

// runContextRe is the context cmdmod prints when a command cannot start
// (the process's whole environment: ports, PWD...).
var runContextRe = regexp.MustCompile(`with the context '\{.*?\}', reason: `)

var e2eDirRe = regexp.MustCompile(`/tmp/brine-e2e-\d+/(fleet/[^/]+/)?`)

// variesMark stands for a value not compared.
const variesMark = "<varies>"

// normalize applies the rules of TestFunctionsOracle's comment.
func normalize(v any, path string, varies []string) any {
	for _, p := range varies {
		if p == path {
			return variesMark
		}
	}
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			p := path + "/" + k
			switch {
			case k == "pid" || k == "__pub_pid" || k == "__pub_jid",
				// file.stats: when the set-up ran, and where the file landed
				(k == "atime" || k == "mtime" || k == "ctime" || k == "inode") && t["target"] != nil,
				// a state's result: when it ran and for how long
				(k == "start_time" || k == "duration") && t["__run_num__"] != nil:
				out[k] = fmt.Sprintf("<%T>", x)
			case k == "stdout" && strings.Contains(fmt.Sprint(t["stderr"]), "Passed invalid arguments"):
				out[k] = variesMark
			case k == "stderr":
				s, _ := x.(string)
				if strings.HasPrefix(s, "Traceback (most recent call last):") {
					lines := strings.Split(strings.TrimSpace(s), "\n")
					s = lines[len(lines)-1]
				}
				s = runContextRe.ReplaceAllString(s, "with the context <context>, reason: ")
				out[k] = normalize(s, p, varies)
			default:
				out[k] = normalize(x, p, varies)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normalize(x, fmt.Sprintf("%s/%d", path, i), varies)
		}
		return out
	case string:
		// the e2e run's own directory (a host's overlay in mount.active)
		return e2eDirRe.ReplaceAllString(t, "/tmp/brine-e2e-N/")
	case float64:
		if t != float64(int64(t)) && t < 1 && t > 0 {
			return "<seconds>" // a timing (test.fib)
		}
	}
	return v
}

// valueDiffs lists the paths where two normalized values differ.
func valueDiffs(want, got any, path string) []string {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok && gok {
		var out []string
		keys := map[string]bool{}
		for k := range wm {
			keys[k] = true
		}
		for k := range gm {
			keys[k] = true
		}
		var sorted []string
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			w, inW := wm[k]
			g, inG := gm[k]
			switch {
			case !inW:
				out = append(out, path+"/"+k+" (only brine)")
			case !inG:
				out = append(out, path+"/"+k+" (only salt)")
			default:
				out = append(out, valueDiffs(w, g, path+"/"+k)...)
			}
		}
		return out
	}
	wl, wok := want.([]any)
	gl, gok := got.([]any)
	if wok && gok && len(wl) == len(gl) {
		var out []string
		for i := range wl {
			out = append(out, valueDiffs(wl[i], gl[i], fmt.Sprintf("%s/%d", path, i))...)
		}
		return out
	}
	if reflect.DeepEqual(want, got) || want == variesMark || got == variesMark {
		return nil
	}
	if path == "" {
		path = "/"
	}
	return []string{path}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 3000 {
		b = append(b[:3000], "..."...)
	}
	return string(b)
}

// TestFunctionOutputs runs the ad-hoc calls of testdata/oracle/outputs
// (index.json: salt-ssh 3007.1 with --out nested, txt and yaml, on one
// host of the chroot image) with brine on a twin and compares the text,
// after the same normalisation as TestFunctionsOracle (process and job
// ids: any number; the usage text after "Passed invalid arguments").
// txt prints a dict in Python's order, which for a return built by the
// host's code brine does not keep (the README's dictionary order row):
// those lines are compared as sets of key: value pairs.
func TestFunctionOutputs(t *testing.T) {
	dir := filepath.Join(oracleDir(), "outputs")
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index []outputRecording
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	h, err := suite.fleet.AddTwin("fn-twin-out", twinName, functionsAddr, Images["chroot"], t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := suite.fleet.Remove(h); err != nil {
			t.Error(err)
		}
	}()
	n := 0
	for _, rec := range index {
		cmd := rec.Command
		out := optVal(cmd, "--out")
		if strings.HasPrefix(rec.File, "state.") || out == "" {
			continue // the highstate outputter's recordings (issue 16)
		}
		i := slices.Index(cmd, twinName)
		argv := cmd[i+1:]
		t.Run(rec.File, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(dir, rec.File))
			if err != nil {
				t.Fatal(err)
			}
			r := twinRun(t, h, nil, argv, out)
			n++
			if r.code != rec.Retcode {
				t.Errorf("exit %d, salt-ssh %d", r.code, rec.Retcode)
			}
			if g, w := normalizeText(r.stdout, out), normalizeText(string(want), out); g != w {
				t.Errorf("brine --out %s:\n%s\nsalt-ssh:\n%s", out, r.stdout, want)
			}
		})
	}
	if n == 0 {
		t.Fatal("no ad-hoc output recordings")
	}
}

var (
	idValueRe = regexp.MustCompile(`('(?:__pub_)?(?:pid|jid)': |(?:__pub_)?(?:pid|jid): )'?\d+'?`)
	txtPairRe = regexp.MustCompile(`'[^']*': (?:'[^']*'|[^,{}\[\]]+|\[[^\]]*\])`)
)

// normalizeText blanks process and job ids in a text output; txt's dict
// lines become their sorted key: value pairs.
func normalizeText(s, out string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if k := strings.TrimSpace(l); out == "nested" && (k == "pid:" || k == "__pub_pid:" || k == "__pub_jid:") && i+1 < len(lines) {
			lines[i+1] = strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return -1
				}
				return r
			}, lines[i+1]) + "N"
			i++
			continue
		}
		l = idValueRe.ReplaceAllString(l, "${1}N")
		if out == "txt" && strings.Contains(l, ": {") {
			pairs := txtPairRe.FindAllString(l, -1)
			sort.Strings(pairs)
			id, _, _ := strings.Cut(l, ": ")
			l = id + ": " + strings.Join(pairs, ", ")
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}
