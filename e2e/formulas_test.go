package e2e

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

var (
	formulasDiffs = flag.String("formulas-diffs", "", "TestFormulas: write every difference from Salt (listed or not) to this file, one JSON object a line")
	updateReadme  = flag.Bool("update-readme", false, "TestFormulas: write the table into README.md's compatibility section")
)

// knownDifference is one entry of testdata/formulas/known-differences.yaml:
// a place where brine does not yet do what Salt does. The test fails on a
// difference that is not listed, and on a listed one that is gone (so the
// list only shrinks, and always says what is true).
type knownDifference struct {
	// Formula is the formula's or tree's directory name.
	Formula string `yaml:"formula"`
	// State is the state's tag (state_|-id_|-name_|-fun) or, for the
	// lowstate, the chunk's; "*" for the whole step (its order, its exit
	// code, a render error).
	State string `yaml:"state"`
	// Field is STEP.WHAT: lowstate.chunk, lowstate.error, test.result,
	// test.comment, test.changes, test.present, test.order, apply.result,
	// apply.changes, second.result, second.changes, STEP.retcode...
	Field  string `yaml:"field"`
	Reason string `yaml:"reason"`
}

func (k knownDifference) key() string { return k.Formula + "\x00" + k.State + "\x00" + k.Field }

func knownDifferences(t *testing.T) map[string]knownDifference {
	t.Helper()
	b, err := os.ReadFile("testdata/formulas/known-differences.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var list []knownDifference
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&list); err != nil && err.Error() != "EOF" {
		t.Fatalf("known-differences.yaml: %v", err)
	}
	out := map[string]knownDifference{}
	for _, k := range list {
		if k.Formula == "" || k.State == "" || k.Field == "" || strings.TrimSpace(k.Reason) == "" {
			t.Fatalf("known-differences.yaml: incomplete entry %+v (formula, state, field and reason)", k)
		}
		if _, dup := out[k.key()]; dup {
			t.Fatalf("known-differences.yaml: %s %s %s twice", k.Formula, k.State, k.Field)
		}
		out[k.key()] = k
	}
	return out
}

// difference is one place where brine's answer differs from Salt's.
type difference struct {
	state, field string
	salt, brine  any
	// the whole state results, for -formulas-diffs
	saltState, brineState any
}

// stepTally counts a step's compared items and those equal to Salt's.
type stepTally struct{ matched, total int }

func (s stepTally) String() string { return fmt.Sprintf("%d/%d", s.matched, s.total) }

// loadRecording reads testdata/.../salt/STEP.json (salt-RELEASE/).
func loadRecording(t *testing.T, spec treeSpec, step string) saltAnswer {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(spec.saltDir(), step+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var a saltAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s/%s.json: %v", spec.saltDir(), step, err)
	}
	return a
}

// show renders a value for a message.
func show(v any) string {
	if v == nil {
		return "None"
	}
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// compareLowstate compares the chunks: their ids, state functions, names,
// SLS and order, one by one in Salt's order.
func compareLowstate(salt, brine any) ([]difference, stepTally) {
	sc, ok := salt.([]any)
	if !ok || len(sc) == 0 || !isMap(sc[0]) {
		// Salt did not render: brine must fail the same way
		s, b := normalise("", salt), normalise("", brine)
		if reflect.DeepEqual(s, b) {
			return nil, stepTally{1, 1}
		}
		return []difference{{state: "*", field: "lowstate.error", salt: s, brine: b}}, stepTally{0, 1}
	}
	bc, _ := brine.([]any)
	key := func(c any) (string, map[string]any) {
		m, _ := c.(map[string]any)
		return fmt.Sprintf("%v_|-%v_|-%v_|-%v", m["state"], m["__id__"], m["name"], m["fun"]),
			map[string]any{"__sls__": m["__sls__"], "order": m["order"]}
	}
	var diffs []difference
	tally := stepTally{total: len(sc)}
	for i, c := range sc {
		tag, sv := key(c)
		if i >= len(bc) {
			diffs = append(diffs, difference{state: tag, field: "lowstate.chunk", salt: tag, brine: "(no chunk)"})
			continue
		}
		btag, bv := key(bc[i])
		if btag == tag && reflect.DeepEqual(sv, bv) {
			tally.matched++
			continue
		}
		diffs = append(diffs, difference{state: tag, field: "lowstate.chunk", salt: fmt.Sprintf("%s %s", tag, show(sv)), brine: fmt.Sprintf("%s %s", btag, show(bv))})
	}
	for i := len(sc); i < len(bc); i++ {
		tag, _ := key(bc[i])
		diffs = append(diffs, difference{state: tag, field: "lowstate.chunk", salt: "(no chunk)", brine: tag})
	}
	return diffs, tally
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

// compareStates compares a state run (test, apply or second) state by
// state: each field of fields, presence, and the run order.
func compareStates(step string, salt, brine any, fields []string) ([]difference, stepTally) {
	sm, ok := salt.(map[string]any)
	if !ok || !allStates(sm) {
		s, b := normalise("", salt), normalise("", brine)
		if reflect.DeepEqual(s, b) {
			return nil, stepTally{1, 1}
		}
		return []difference{{state: "*", field: step + ".error", salt: s, brine: b}}, stepTally{0, 1}
	}
	bm, _ := brine.(map[string]any)
	var diffs []difference
	tally := stepTally{total: len(sm)}
	for _, tag := range sortedKeys(sm) {
		b, ok := bm[tag]
		if !ok {
			diffs = append(diffs, difference{state: tag, field: step + ".present", salt: "present", brine: "(no such state)"})
			continue
		}
		s := normalise(tag, sm[tag]).(map[string]any)
		bn, _ := normalise(tag, b).(map[string]any)
		same := true
		for _, f := range fields {
			if !reflect.DeepEqual(s[f], bn[f]) {
				same = false
				diffs = append(diffs, difference{state: tag, field: step + "." + f, salt: s[f], brine: bn[f], saltState: s, brineState: bn})
			}
		}
		if same {
			tally.matched++
		}
	}
	for _, tag := range sortedKeys(bm) {
		if _, ok := sm[tag]; !ok {
			diffs = append(diffs, difference{state: tag, field: step + ".present", salt: "(no such state)", brine: "present"})
		}
	}
	if so, bo := runOrder(sm, bm), runOrder(bm, sm); !reflect.DeepEqual(so, bo) {
		diffs = append(diffs, difference{state: "*", field: step + ".order", salt: strings.Join(so, ", "), brine: strings.Join(bo, ", ")})
	}
	return diffs, tally
}

func allStates(m map[string]any) bool {
	for k, v := range m {
		if !strings.Contains(k, "_|-") || !isMap(v) {
			return false
		}
	}
	return len(m) > 0
}

// runOrder is m's tags that are also in other, by __run_num__.
func runOrder(m, other map[string]any) []string {
	var tags []string
	for tag := range m {
		if _, ok := other[tag]; ok {
			tags = append(tags, tag)
		}
	}
	num := func(tag string) float64 {
		r, _ := m[tag].(map[string]any)
		n, _ := r["__run_num__"].(float64)
		return n
	}
	sort.Slice(tags, func(i, j int) bool { return num(tags[i]) < num(tags[j]) })
	return tags
}

// The fields compared in each step (besides presence and order).
var stepFields = map[string][]string{
	"test":   {"result", "comment", "changes"},
	"apply":  {"result", "changes"},
	"second": {"result", "changes"},
}

// TestFormulas runs each formula-shaped tree (testdata/formulas/*) and the
// example tree (testdata/trees/*) with brine on a fresh host of the image
// its Salt recording was made on (a twin of Salt's host), through the same
// steps on one host: state.show_lowstate, state.apply test=True, a real
// state.apply and a second one, and compares each with what salt-ssh
// 3007.1 answered (salt/*.json, recorded by TestOracleRecord): the chunks
// (ids, functions, names, SLS, order), every dry-run result, comment and
// change, the real apply's results and changes, the second apply's, the
// run order and the exit codes, after normalise. A difference fails the
// test unless testdata/formulas/known-differences.yaml lists it; the log
// has the table (matched/total per step).
//
//	BRINE_E2E_NET=13 CI=true go test -count=1 -run TestFormulas -v ./e2e
//	(one: -run 'TestFormulas/openssh$')
//
// recordedSpecs are the trees and their release variants that have a
// Salt recording (the others are logged).
func recordedSpecs(t *testing.T) []treeSpec {
	var out []treeSpec
	for _, spec := range withReleases(treeSpecs(t)) {
		switch _, err := os.Stat(filepath.Join(spec.saltDir(), "second.json")); {
		case spec.Why != "":
			t.Logf("%s: not recorded: %s", spec.name, spec.Why)
		case err != nil && spec.release != "":
			t.Logf("%s: not recorded on %s yet", spec.name, spec.release)
		default:
			out = append(out, spec)
		}
	}
	return out
}

func TestFormulas(t *testing.T) {
	c := newClient(t)
	known := knownDifferences(t)
	used := map[string]bool{}
	var rows []string
	var tot [4]stepTally
	byRelease := map[string]*[4]stepTally{} // "" is Debian 12
	specs := recordedSpecs(t)
	for _, spec := range specs {
		t.Run(spec.name, func(t *testing.T) {
			unlock, err := MachineLock(filepath.Dir(suite.fleet.Base), "formulas", 30*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(unlock)
			h, err := suite.fleet.AddTwin("formula-"+spec.hostID(), twinName, 41, Images[spec.Kind], t.Logf)
			t.Cleanup(func() {
				for _, x := range suite.fleet.Hosts {
					if x.ID == "formula-"+spec.hostID() {
						if err := suite.fleet.Remove(x); err != nil {
							t.Error(err)
						}
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			setupHost(t, h, spec.Setup)
			if err := os.WriteFile(c.known, []byte(h.KnownHostsLine()+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(c.roster, []byte(fmt.Sprintf("%s:\n  host: %s\n  user: root\n", twinName, h.Addr)), 0o600); err != nil {
				t.Fatal(err)
			}
			var tallies [4]stepTally
			var diffs []difference
			for i, step := range treeSteps {
				rec := loadRecording(t, spec, step.name)
				args := append(append([]string{twinName}, step.args...),
					"--file-root", spec.fileRoot(), "--pillar-root", spec.pillarRoot(), "--out", "json", "--static")
				r := c.run(args...)
				var out map[string]any
				if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
					t.Fatalf("brine %s: output is not JSON: %v\n%s\n%s", step.name, err, r.stdout, r.stderr)
				}
				got := out[twinName]
				var d []difference
				if step.name == "lowstate" {
					d, tallies[i] = compareLowstate(rec.Return, got)
				} else {
					d, tallies[i] = compareStates(step.name, rec.Return, got, stepFields[step.name])
				}
				if r.code != rec.Retcode {
					d = append(d, difference{state: "*", field: step.name + ".retcode", salt: rec.Retcode, brine: r.code})
				}
				diffs = append(diffs, d...)
				tot[i].matched += tallies[i].matched
				tot[i].total += tallies[i].total
				rt := byRelease[spec.release]
				if rt == nil {
					rt = &[4]stepTally{}
					byRelease[spec.release] = rt
				}
				rt[i].matched += tallies[i].matched
				rt[i].total += tallies[i].total
			}
			if *formulasDiffs != "" {
				f, err := os.OpenFile(*formulasDiffs, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range diffs {
					b, _ := json.Marshal(map[string]any{"formula": spec.name, "state": d.state, "field": d.field, "salt": d.salt, "brine": d.brine,
						"salt_state": d.saltState, "brine_state": d.brineState})
					fmt.Fprintf(f, "%s\n", b)
				}
				f.Close()
			}
			for _, d := range diffs {
				k := knownDifference{Formula: spec.name, State: d.state, Field: d.field}.key()
				if _, ok := known[k]; ok {
					used[k] = true
					continue
				}
				t.Errorf("%s %s:\n  Salt:  %s\n  brine: %s", d.state, d.field, show(d.salt), show(d.brine))
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s |", spec.name, tallies[0], tallies[1], tallies[2], tallies[3]))
		})
	}
	// (a row is written only when all of a formula's steps ran)
	ran := map[string]bool{}
	for _, r := range rows {
		ran[strings.Fields(r)[1]] = true
	}
	for k, d := range known {
		if ran[d.Formula] && !used[k] {
			t.Errorf("known-differences.yaml: %s %s %s no longer differs: remove the entry", d.Formula, d.State, d.Field)
		}
	}
	var sums []string
	for _, r := range []struct{ release, label string }{{"", "Debian 12"}, {"debian11", "Debian 11"}, {"debian13", "Debian 13"}} {
		if rt := byRelease[r.release]; rt != nil && len(byRelease) > 1 {
			sums = append(sums, fmt.Sprintf("| all on %s | %s | %s | %s | %s |", r.label, rt[0], rt[1], rt[2], rt[3]))
		}
	}
	sums = append(sums, fmt.Sprintf("| all | %s | %s | %s | %s |", tot[0], tot[1], tot[2], tot[3]))
	table := fmt.Sprintf("| formula | render | dry run | apply | second run |\n|---|---|---|---|---|\n%s\n%s\n",
		strings.Join(rows, "\n"), strings.Join(sums, "\n"))
	t.Logf("brine vs salt-ssh 3007.1 on twin hosts (states equal to Salt's / states; known differences: known-differences.yaml):\n%s", table)
	// README.md's copy of the table, when every formula and tree ran
	if len(rows) == len(specs) {
		checkReadmeTable(t, table)
	}
}

// checkReadmeTable compares README.md's formula table (between the
// formulas-table markers) with table, or writes it there (-update-readme).
func checkReadmeTable(t *testing.T, table string) {
	const begin, end = "<!-- formulas-table:begin (TestFormulas -update-readme) -->\n", "<!-- formulas-table:end -->"
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q block", begin, end)
	}
	if readme[i+len(begin):j] == table {
		return
	}
	if *updateReadme {
		if err := os.WriteFile("../README.md", []byte(readme[:i+len(begin)]+table+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's formula table is not the test's: run TestFormulas with -args -update-readme")
}
