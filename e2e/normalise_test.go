package e2e

import (
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// normalise makes one host's state or function return comparable between
// Salt's recording and brine's run on a twin host. It removes or rewrites
// only what must vary between two runs on identical fresh hosts, one rule
// each (and nothing else, so every other difference shows):
//
//  1. Timings: a state result's "duration" and "start_time" are dropped.
//  2. Process ids: the "pid" a cmd state reports in its changes is dropped
//     (each run's process gets its own).
//  3. Host addresses: an e2e host's address 127.B.R.N (R >= 1; the twins
//     have different ones) reads "127.B.R.N"; 127.0.0.1 is left alone.
//  4. systemd's transient unit names: "run-r<32 hex>.scope" (Salt runs apt
//     and service commands under systemd-run --scope) read
//     "run-rXXXX.scope".
//  5. Package versions: in the changes of pkg states ({"pkg": {"old": V,
//     "new": V}}) a non-empty version reads "<version>": Debian's archive
//     moves on (point releases, security updates) between a recording and
//     a CI run, and the package set is what the comparison is about.
//  6. apt's download progress: in cmd states' stdout/stderr, the lines
//     "Get:N ...", "Hit:N ...", "Ign:N ...", "Err:N ..." and "Fetched ..."
//     (what apt-get update fetched and how fast) are dropped.
//  7. Failed requisites: in a comment "One or more requisite failed: A, B"
//     the names are sorted (Salt joins a Python set of them, whose order
//     follows string hashing, randomised per process).
//  8. file.recurse's sections: its comment has one "#### PATH ####"
//     section per directory and file it would change, in the order of
//     the Python sets salt/states/file.py collects them in (string
//     hashing, randomised per process); the sections are sorted by path.
//
// Host names need no rule: both twins are named "twin" (roster id and host
// name).
func normalise(tag string, v any) any {
	return normaliseValue(tag, "", v)
}

var (
	reHostAddr = regexp.MustCompile(`\b127\.\d{1,3}\.[1-9]\d{0,2}\.\d{1,3}\b`)
	reScope    = regexp.MustCompile(`\brun-r[0-9a-f]{32}\.scope\b`)
	reAptLine  = regexp.MustCompile(`(?m)^(?:(?:Get|Hit|Ign|Err):\d+ .*|Fetched .*)\n?`)
	reReqFail  = regexp.MustCompile(`One or more requisite failed: ([^\n]*)`)
	reSection  = regexp.MustCompile(`(?m)^#### .* ####$`)
)

func normaliseValue(tag, path string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			p := path + "/" + k
			switch {
			case path == "" && (k == "duration" || k == "start_time"): // rule 1
				continue
			case path == "/changes" && k == "pid" && strings.HasPrefix(tag, "cmd_|-"): // rule 2
				continue
			}
			e = normaliseValue(tag, p, e)
			if strings.HasPrefix(tag, "pkg_|-") && strings.HasPrefix(path, "/changes/") && (k == "old" || k == "new") { // rule 5
				if s, ok := e.(string); ok && s != "" {
					e = "<version>"
				}
			}
			if path == "" && k == "comment" { // rule 7
				if c, ok := e.(string); ok {
					e = reReqFail.ReplaceAllStringFunc(c, sortFailedRequisites)
					if strings.HasPrefix(tag, "file_|-") && strings.HasSuffix(tag, "_|-recurse") { // rule 8
						e = sortSections(e.(string))
					}
				}
			}
			if strings.HasPrefix(tag, "cmd_|-") && path == "/changes" && (k == "stdout" || k == "stderr") { // rule 6
				if s, ok := e.(string); ok {
					e = strings.TrimRight(reAptLine.ReplaceAllString(s, ""), "\n")
				}
			}
			out[k] = e
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normaliseValue(tag, path+"/*", e)
		}
		return out
	case string:
		s := reHostAddr.ReplaceAllString(x, "127.B.R.N")      // rule 3
		return reScope.ReplaceAllString(s, "run-rXXXX.scope") // rule 4
	}
	return v
}

// sortFailedRequisites sorts the names of a "One or more requisite
// failed: A, B" comment (rule 7).
func sortFailedRequisites(m string) string {
	const prefix = "One or more requisite failed: "
	names := strings.Split(strings.TrimPrefix(m, prefix), ", ")
	sort.Strings(names)
	return prefix + strings.Join(names, ", ")
}

// sortSections sorts the "#### PATH ####" sections of a file.recurse
// comment (rule 8); text before the first section stays first.
func sortSections(c string) string {
	idx := reSection.FindAllStringIndex(c, -1)
	if len(idx) < 2 {
		return c
	}
	head := c[:idx[0][0]]
	var parts []string
	for i, m := range idx {
		end := len(c)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		parts = append(parts, strings.TrimRight(c[m[0]:end], "\n"))
	}
	sort.Strings(parts)
	return head + strings.Join(parts, "\n\n")
}

// TestSortSections: rule 8 orders file.recurse's sections, whatever order
// Salt's sets gave them, and leaves other comments alone.
func TestSortSections(t *testing.T) {
	a := "#### /d/sub ####\nnew dir\n\n\n#### /d/sub/two ####\nchanged\n\n#### /d/one ####\nchanged"
	b := "#### /d/sub ####\nnew dir\n\n\n#### /d/one ####\nchanged\n\n#### /d/sub/two ####\nchanged"
	tag := "file_|-x_|-/d_|-recurse"
	na, nb := normalise(tag, map[string]any{"comment": a}), normalise(tag, map[string]any{"comment": b})
	if !reflect.DeepEqual(na, nb) {
		t.Errorf("%q\n%q", na, nb)
	}
	if n := normalise("file_|-x_|-/d_|-managed", map[string]any{"comment": a}); !reflect.DeepEqual(n, map[string]any{"comment": a}) {
		t.Errorf("a managed file's comment changed: %q", n)
	}
}
