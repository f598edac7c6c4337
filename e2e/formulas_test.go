package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// formulaWant is testdata/formulas/NAME/expected.yaml: what Salt 3007.1
// renders and predicts for a public saltstack-formulas formula with its own
// pillar.example on a fresh e2e host, written from Salt's source (each
// non-obvious expectation says which code path), never from brine's output.
type formulaWant struct {
	Formula string `yaml:"formula"`
	Source  string `yaml:"source"`
	Commit  string `yaml:"commit"`
	// Chunks is the length of Salt's state.show_lowstate.
	Chunks int `yaml:"chunks"`
	// States are the dry run's results in Salt's run order (__run_num__).
	States []formulaState `yaml:"states"`
}

type formulaState struct {
	ID   string `yaml:"id"`
	Fun  string `yaml:"fun"` // state.function
	Name string `yaml:"name"`
	// Result is Salt's True, None (null) or False.
	Result *bool `yaml:"result"`
	// Comment is Salt's exact comment; CommentPrefix is used instead where
	// Salt's comment ends with something no other program can reproduce
	// (a Python traceback).
	Comment       string `yaml:"comment"`
	CommentPrefix string `yaml:"comment_prefix"`
	// FailedRequisites stands for Salt's "One or more requisite failed:
	// A, B", whose names Salt joins from a set, in any order.
	FailedRequisites []string `yaml:"failed_requisites"`
	Why              string   `yaml:"why"`
}

func (s formulaState) tag() string {
	st, fun, _ := strings.Cut(s.Fun, ".")
	return st + "_|-" + s.ID + "_|-" + s.Name + "_|-" + fun
}

func (s formulaState) commentOK(got string) bool {
	switch {
	case s.CommentPrefix != "":
		return strings.HasPrefix(got, s.CommentPrefix)
	case s.FailedRequisites != nil:
		names, ok := strings.CutPrefix(got, "One or more requisite failed: ")
		have := strings.Split(names, ", ")
		sort.Strings(have)
		want := slices.Sorted(slices.Values(s.FailedRequisites))
		return ok && slices.Equal(have, want)
	}
	return got == s.Comment
}

func (s formulaState) wantComment() string {
	switch {
	case s.CommentPrefix != "":
		return s.CommentPrefix + "..."
	case s.FailedRequisites != nil:
		return "One or more requisite failed: " + strings.Join(s.FailedRequisites, ", ") + " (in any order)"
	}
	return s.Comment
}

func fmtResult(v any) string {
	switch v {
	case true:
		return "True"
	case false:
		return "False"
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
}

// TestFormulas renders (state.show_lowstate) and dry-runs (state.apply
// test=True) public saltstack-formulas formulas, vendored unchanged with
// their pillar.example, on one fresh host, and compares brine with what
// Salt 3007.1 renders and predicts (testdata/formulas/*/expected.yaml):
// the number of chunks, and for every state its result, its comment and
// the run order. It logs one line per formula with the counts.
//
//	BRINE_E2E_NET=18 go test -count=1 -run TestFormulas -v ./e2e
func TestFormulas(t *testing.T) {
	c := newClient(t)
	// A host of its own: the other tests apply states to h01..h10, and
	// Salt's expectations are for a fresh Debian 12 minbase host.
	h, err := suite.fleet.Add("formulas", 41, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := suite.fleet.Remove(h); err != nil {
			t.Error(err)
		}
	})
	known, err := os.OpenFile(c.known, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(known, h.KnownHostsLine())
	known.Close()
	if err := os.WriteFile(c.roster, []byte(fmt.Sprintf("formulas:\n  host: %s\n  user: root\n", h.Addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	dirs, err := filepath.Glob("testdata/formulas/*/expected.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no formulas: %v", err)
	}
	sort.Strings(dirs)
	var summary []string
	var tot struct{ formulas, chunksOK, states, results, comments, orderOK int }
	for _, exp := range dirs {
		dir := filepath.Dir(exp)
		name := filepath.Base(dir)
		var want formulaWant
		b, err := os.ReadFile(exp)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &want); err != nil {
			t.Fatalf("%s: %v", exp, err)
		}
		tot.formulas++
		t.Run(name, func(t *testing.T) {
			args := []string{"--file-root", filepath.Join(dir, "states"), "--pillar-root", filepath.Join(dir, "pillar"), "--out", "json", "--static"}
			low := c.run(append([]string{"formulas", "state.show_lowstate"}, args...)...)
			chunks, ok := jsonOut(t, low)["formulas"].([]any)
			if !ok {
				t.Fatalf("show_lowstate did not render:\n%s\n%s", low.stdout, low.stderr)
			}
			if len(chunks) == want.Chunks {
				tot.chunksOK++
			} else {
				t.Errorf("chunks: brine %d, Salt %d", len(chunks), want.Chunks)
			}
			dry := c.run(append([]string{"formulas", "state.apply", "test=True"}, args...)...)
			got := stateResults(t, dry)["formulas"]
			if got == nil {
				t.Fatalf("no dry run:\n%s\n%s", dry.stdout, dry.stderr)
			}
			nRes, nCom := 0, 0
			wantTags := map[string]bool{}
			for _, s := range want.States {
				wantTags[s.tag()] = true
				r, ok := got[s.tag()]
				if !ok {
					t.Errorf("%s: missing from brine's dry run", s.tag())
					continue
				}
				resOK := fmtResult(r["result"]) == fmtResult(ptrVal(s.Result))
				com, _ := r["comment"].(string)
				comOK := s.commentOK(com)
				if resOK {
					nRes++
				}
				if comOK {
					nCom++
				}
				if !resOK || !comOK {
					wantCom := s.wantComment()
					t.Errorf("%s %s:\n  Salt:  %s %q\n  brine: %s %q\n  (%s)", s.ID, s.Fun, fmtResult(ptrVal(s.Result)), wantCom, fmtResult(r["result"]), com, s.Why)
				}
			}
			for tag := range got {
				if !wantTags[tag] {
					t.Errorf("%s: in brine's dry run, not in Salt's", tag)
				}
			}
			// the run order: __run_num__ follows the expected list
			order := make([]string, 0, len(got))
			for tag := range got {
				order = append(order, tag)
			}
			sort.Slice(order, func(i, j int) bool { return runNum(got[order[i]]) < runNum(got[order[j]]) })
			var wantOrder []string
			for _, s := range want.States {
				wantOrder = append(wantOrder, s.tag())
			}
			orderOK := strings.Join(order, "\n") == strings.Join(wantOrder, "\n")
			if orderOK {
				tot.orderOK++
			} else {
				t.Errorf("run order differs:\n  Salt:  %s\n  brine: %s", strings.Join(wantOrder, ", "), strings.Join(order, ", "))
			}
			tot.states += len(want.States)
			tot.results += nRes
			tot.comments += nCom
			summary = append(summary, fmt.Sprintf("| %s | %d / %d | %d / %d | %d / %d | %v |", name, len(chunks), want.Chunks,
				nRes, len(want.States), nCom, len(want.States), orderOK))
		})
	}
	t.Logf("Salt 3007.1 vs brine on a fresh Debian 12 host, dry run (test=True):\n"+
		"| formula | chunks brine / Salt | results matching | comments matching | run order |\n|---|---|---|---|---|\n%s\n"+
		"| %d formulas | %d / %d chunk counts equal | %d / %d | %d / %d | %d / %d |",
		strings.Join(summary, "\n"), tot.formulas, tot.chunksOK, tot.formulas, tot.results, tot.states, tot.comments, tot.states, tot.orderOK, tot.formulas)
}

func ptrVal(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func runNum(r map[string]any) float64 {
	n, _ := r["__run_num__"].(float64)
	return n
}
