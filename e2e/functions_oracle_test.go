package e2e

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// functionsCompare turns on TestFunctionsAgainstOracle.
var functionsCompare = flag.Bool("functions-compare", false, "run every case of testdata/oracle/functions.yaml with brine and compare with Salt's recording (TestFunctionsAgainstOracle)")

// TestFunctionsAgainstOracle runs each case of testdata/oracle/functions.yaml
// with brine on a fresh host of the case's kind (a twin of the host Salt's
// recording was made on: same image, same setup, host name "twin") and
// compares brine's exit code and return (after normalise) with Salt's. It
// fails on any difference and logs one line per case; until brine has the
// execution-function layer it is a progress report, so it runs only when
// asked:
//
//	BRINE_E2E_NET=13 CI=true go test -count=1 -timeout 2h -run TestFunctionsAgainstOracle -v ./e2e -args -functions-compare
//	(some: -run 'TestFunctionsAgainstOracle/(cmd|test)\.')
func TestFunctionsAgainstOracle(t *testing.T) {
	if !*functionsCompare {
		t.Skip("only with -functions-compare")
	}
	c := newClient(t)
	var lines []string
	matched, total := 0, 0
	for _, fc := range functionCases(t) {
		b, err := os.ReadFile(filepath.Join("testdata/oracle/functions", fc.ID+".json"))
		if err != nil {
			continue
		}
		var rec functionRecording
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatalf("%s: %v", fc.ID, err)
		}
		t.Run(fc.ID, func(t *testing.T) {
			h, err := suite.fleet.AddTwin("fn-"+fc.Kind, twinName, 42, Images[fc.Kind], t.Logf)
			t.Cleanup(func() {
				for _, x := range suite.fleet.Hosts {
					if x.ID == "fn-"+fc.Kind {
						suite.fleet.Remove(x)
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			setupHost(t, h, fc.Setup)
			if err := os.WriteFile(c.known, []byte(h.KnownHostsLine()+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(c.roster, []byte(fmt.Sprintf("%s:\n  host: %s\n  user: root\n", twinName, h.Addr)), 0o600); err != nil {
				t.Fatal(err)
			}
			args := append(append(append([]string{}, fc.Options...), twinName), fc.Argv...)
			args = append(args, "--file-root", "testdata/oracle/fileroot", "--pillar-root", "testdata/oracle/pillar", "--out", "json", "--static")
			r := c.run(args...)
			var out map[string]any
			var got any = r.stdout
			if json.Unmarshal([]byte(r.stdout), &out) == nil {
				got = out[twinName]
			}
			total++
			want := normalise("", rec.Return)
			if rec.Stdout != "" {
				want = rec.Stdout
			}
			g := normalise("", got)
			for _, p := range rec.Varies {
				dropPath(want, p)
				dropPath(g, p)
			}
			var why []string
			if r.code != rec.Retcode {
				why = append(why, fmt.Sprintf("exit %d, Salt %d", r.code, rec.Retcode))
			}
			if !reflect.DeepEqual(want, g) {
				why = append(why, fmt.Sprintf("return %s, Salt %s", short(show(g)), short(show(want))))
			}
			if len(why) == 0 {
				matched++
				lines = append(lines, fmt.Sprintf("| %s | ok |", fc.ID))
				return
			}
			lines = append(lines, fmt.Sprintf("| %s | %s |", fc.ID, strings.ReplaceAll(strings.Join(why, "; "), "|", `\|`)))
			t.Errorf("%s", strings.Join(why, "\n"))
		})
	}
	t.Logf("brine vs salt-ssh 3007.1, execution functions (%d/%d equal):\n| case | difference |\n|---|---|\n%s", matched, total, strings.Join(lines, "\n"))
}

// dropPath removes the JSON path p (/key/index/...) from v, where it is.
func dropPath(v any, p string) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, k := range parts {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if i == len(parts)-1 {
			delete(m, k)
			return
		}
		v = m[k]
	}
}

// TestFunctionRecordings checks that every case of
// testdata/oracle/functions.yaml has its recording, made with the case's
// own command (a case edited without recording it again fails here), and
// that no recording is left without its case.
func TestFunctionRecordings(t *testing.T) {
	cases := functionCases(t)
	want := map[string]bool{}
	for _, fc := range cases {
		want[fc.ID+".json"] = true
		b, err := os.ReadFile(filepath.Join("testdata/oracle/functions", fc.ID+".json"))
		if err != nil {
			t.Errorf("%s: no recording: %v", fc.ID, err)
			continue
		}
		var rec functionRecording
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Errorf("%s: %v", fc.ID, err)
			continue
		}
		cmd := append(append(append([]string{"salt-ssh", "-c", "$CONFIG", "--ignore-host-keys", "--out", "json"}, fc.Options...), "--static", twinName), fc.Argv...)
		if !reflect.DeepEqual(rec.Command, cmd) {
			t.Errorf("%s: recorded with %q, the case says %q: record it again", fc.ID, rec.Command, cmd)
		}
	}
	files, _ := filepath.Glob("testdata/oracle/functions/*.json")
	for _, f := range files {
		if !want[filepath.Base(f)] {
			t.Errorf("%s has no case in functions.yaml", f)
		}
	}
}
