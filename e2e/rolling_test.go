package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRolling50Hosts rolls a state out to 50 hosts in batches of 20%
// (10 hosts) with --progress, stdout and stderr on one stream as an
// operator's terminal shows them: five batches in order, progress lines
// whose last says all done, the recap; then the same with three hosts
// failing in batch 2 and --max-fail 2: batches 3 to 5 are not run; the job
// list, and --failed-from retrying exactly the 33 hosts that failed or were
// not run. The output is logged (go test -v) for the release notes.
func TestRolling50Hosts(t *testing.T) {
	c := newClient(t)
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = fmt.Sprintf("web%02d", i+1)
	}
	growFleet(t, c, ids, 601)
	tree := writeTree(t, map[string]string{"web.sls": `/etc/motd:
  file.managed:
    - contents: "{{ grains['id'] }} is managed by brine\n"

warm caches:
  cmd.run:
    - name: sleep 0.{{ grains['id'][-1:] }}{% if grains['id'] in pillar.get('broken', []) %}; exit 1{% endif %}
`})
	run := func(args ...string) (string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		full := append([]string{"--roster-file", c.roster, "--known-hosts", c.known, "--cache-dir", c.cache,
			"--priv", suite.fleet.ClientKey, "--no-agent", "--ssh-config", "none", "--file-root", tree}, args...)
		cmd := exec.CommandContext(ctx, suite.bin, full...)
		cmd.Env = append(os.Environ(), "HOME="+c.home, "SSH_AUTH_SOCK=", "NO_COLOR=1", "BRINE_EXEC_DIR="+filepath.Dir(suite.bin))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), code
	}

	shown := "brine 'web*' state.sls web --batch-size 20% --progress --state-output terse"
	out, code := run("web*", "state.sls", "web", "--batch-size", "20%", "--progress", "--state-output", "terse")
	t.Logf("$ %s\n%s(exit %d)", shown, out, code)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	batches := grepLines(out, "brine: batch ")
	if len(batches) != 5 || !strings.HasPrefix(batches[0], "brine: batch 1/5: web01, web02,") {
		t.Errorf("batches: %q", batches)
	}
	lines := progressCounts(t, out)
	if len(lines) == 0 || lines[len(lines)-1] != [5]int{50, 50, 0, 0, 0} {
		t.Errorf("progress lines %v: the last must say 50/50 done", lines)
	}
	for _, l := range lines {
		if l[4] > 10 {
			t.Errorf("progress %v: more hosts running than a batch holds", l)
		}
	}
	if !regexp.MustCompile(`(?m)^Hosts targeted:\s+50$`).MatchString(out) || !regexp.MustCompile(`(?m)^Succeeded:\s+50$`).MatchString(out) {
		t.Errorf("recap missing or wrong")
	}

	shown = `brine 'web*' state.sls web pillar='{"broken": ["web12", "web15", "web17"]}' -b 10 --max-fail 2 --progress --state-output terse`
	out, code = run("web*", "state.sls", "web", `pillar={"broken": ["web12", "web15", "web17"]}`, "-b", "10", "--max-fail", "2", "--progress", "--state-output", "terse")
	t.Logf("$ %s\n%s(exit %d)", shown, out, code)
	if code != 20 {
		t.Fatalf("exit %d, want 20", code)
	}
	if !regexp.MustCompile(`(?m)^Not run:\s+30  \(web21, web22, .*, and 20 more\)$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^Failed:\s+3  \(web12, web15, web17\)$`).MatchString(out) {
		t.Errorf("recap: want web12, web15, web17 failed and batches 3-5 not run")
	}
	if n := len(grepLines(out, "brine: batch ")); n != 2 {
		t.Errorf("%d batches started, want 2", n)
	}

	// The job history after it, and the retry of what failed or was not
	// run (fixed: no broken pillar this time).
	out, code = run("jobs.list_jobs", "--max-jobs", "2")
	t.Logf("$ brine jobs.list_jobs --max-jobs 2\n%s(exit %d)", out, code)
	if code != 0 || strings.Count(out, "Target:") != 2 || !strings.Contains(out, "web*") {
		t.Errorf("jobs.list_jobs: exit %d", code)
	}
	shown = "brine --failed-from last 'web*' state.sls web -b 10 --progress --state-output terse"
	out, code = run("--failed-from", "last", "web*", "state.sls", "web", "-b", "10", "--progress", "--state-output", "terse")
	t.Logf("$ %s\n%s(exit %d)", shown, out, code)
	if code != 0 || !regexp.MustCompile(`(?m)^Hosts targeted:\s+33$`).MatchString(out) || len(grepLines(out, "brine: batch ")) != 4 {
		t.Errorf("retry of the 33 failed and not-run hosts: exit %d", code)
	}
}

// growFleet adds hosts ids at HostAddr(first...) to the suite's fleet for
// the test (started in parallel, removed at its end) and makes c's roster
// name exactly them and c's known_hosts know them.
func growFleet(t *testing.T, c *client, ids []string, first int) []*Host {
	t.Helper()
	f := suite.fleet
	err := f.AddMany(ids, first, 8, false)
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var added []*Host
	for _, h := range f.Hosts {
		if want[h.ID] {
			added = append(added, h)
		}
	}
	t.Cleanup(func() {
		for _, h := range added {
			if err := f.Remove(h); err != nil {
				t.Error(err)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	known, err := os.OpenFile(c.known, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer known.Close()
	var roster strings.Builder
	for _, h := range added {
		fmt.Fprintln(known, h.KnownHostsLine())
		fmt.Fprintf(&roster, "%s:\n  host: %s\n  user: root\n", h.ID, h.Addr)
	}
	if err := os.WriteFile(c.roster, []byte(roster.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return added
}
