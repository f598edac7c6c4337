package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestFunctionsOracle runs every case of testdata/oracle/functions.yaml
// (execution functions as a Salt user types them, with their set-up) with
// brine on a fresh host and compares brine's `--out json --static` answer
// and exit code with what real salt-ssh 3007.1 answered on a twin host of
// the same image (testdata/oracle/functions/<id>.json, recorded by
// TestOracleRecord; see testdata/oracle/functions/_recording.yaml).
//
// What may differ, and why (normalize and knownDifferences say how):
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
//   - file.stats's times and inode (when the set-up ran), compared by type;
//
//   - file.readdir's list as a set (Python lists in directory order);
//
//   - the cases of knownDifferences, each with its reason (the README's
//     compatibility table lists them too).
//
//     BRINE_E2E_NET=14 CI=true go test -count=1 -run TestFunctionsOracle -v ./e2e
//     (-run 'TestFunctionsOracle/cmd.run' for some cases)
func TestFunctionsOracle(t *testing.T) {
	cases := oracleFunctionCases(t)
	equal, differ := 0, 0
	for _, fc := range cases {
		t.Run(fc.ID, func(t *testing.T) {
			rec, ok := loadFunctionRecording(t, fc.ID)
			if !ok {
				t.Skipf("no recording of %s yet", fc.ID)
			}
			if why, ok := knownDifferences()[fc.ID]; ok {
				t.Skipf("known difference: %s", why)
			}
			got, code, out := runFunctionCase(t, fc)
			diffs := compareFunction(fc.ID, rec, got, code)
			if len(diffs) == 0 {
				equal++
				return
			}
			differ++
			t.Errorf("%s: brine differs from salt-ssh 3007.1 at %s\nbrine (exit %d): %s\nsalt-ssh (exit %d): %s\nbrine's stderr: %s",
				fc.ID, strings.Join(diffs, ", "), code, jsonText(got), rec.Retcode, jsonText(rec.Return), out)
		})
	}
	t.Logf("functions: %d equal to salt-ssh 3007.1, %d different", equal, differ)
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

// knownDifferences are the cases where brine answers otherwise than
// salt-ssh 3007.1 by design, with the reason.
func knownDifferences() map[string]string {
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
		"grains.ls":           "the grains' names differ as grains.items's do",
		"pkg.install-sources": "salt-ssh 3007.1 cannot fetch a salt:// package source (cp.cache_file answers False, pkg.install raises a TypeError); brine sends the file with the request and installs it",
		"cp.get_file_str":     "salt-ssh 3007.1's cp.get_file_str cannot reach the master's file roots (it answers False); brine's controller serves them",
		"cp.cache_file":       "salt-ssh caches under its thin directory (/var/tmp/.root_*_salt/running_data/var/cache/salt/minion), brine under /var/cache/salt/minion",
		"pkg.refresh_db":      "which index files apt fetches (Translation-en...) depends on what the host already has and on the mirror at the time",
	}
}

// runFunctionCase starts a fresh host named twin of the case's image
// (the recording's), runs the case's set-up on it as the recorder does,
// and the case with brine.
func runFunctionCase(t *testing.T, fc functionCase) (any, int, string) {
	t.Helper()
	img := Images[fc.Kind]
	if img == nil {
		t.Fatalf("no image kind %q", fc.Kind)
	}
	h, err := suite.fleet.AddTwin(twinName, twinName, functionsAddr, img, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := suite.fleet.Remove(h); err != nil {
			t.Error(err)
		}
	}()
	setupHost(t, h, fc.Setup)
	c := newClient(t)
	c.writeRoster(nil)
	root := oracleDir()
	args := append([]string{"-i", "--file-root", filepath.Join(root, "fileroot"), "--pillar-root", filepath.Join(root, "pillar"),
		"--out", "json", "--static"}, fc.Options...)
	args = append(append(args, twinName, "--"), fc.Argv...)
	r := c.run(args...)
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		return nil, r.code, fmt.Sprintf("not JSON (%v): %s %s", err, r.stdout, r.stderr)
	}
	return m[twinName], r.code, r.stderr
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
	return append(diffs, valueDiffs(want, have, "")...)
}

// unordered are the cases whose list is compared as a set: file.readdir
// lists in the directory's order in Python (which differs from one
// filesystem to another), sorted in brine.
var unordered = map[string]bool{"file.readdir": true}

func sortedList(v any) any {
	l, ok := v.([]any)
	if !ok {
		return v
	}
	out := append([]any(nil), l...)
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

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
				(k == "atime" || k == "mtime" || k == "ctime" || k == "inode") && t["target"] != nil:
				out[k] = fmt.Sprintf("<%T>", x)
			case k == "stdout" && strings.Contains(fmt.Sprint(t["stderr"]), "Passed invalid arguments"):
				out[k] = variesMark
			case k == "stderr":
				s, _ := x.(string)
				if strings.HasPrefix(s, "Traceback (most recent call last):") {
					lines := strings.Split(strings.TrimSpace(s), "\n")
					s = lines[len(lines)-1]
				}
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
