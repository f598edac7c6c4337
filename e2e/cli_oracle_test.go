package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// cliSlot is the oracle host slot of the command-line recordings (apart
// from the other parts' slots, so it can record beside them).
const cliSlot = 8

// cliDown is a roster id whose host refuses connections (port 1 on the
// loopback): salt-ssh's answer for an unreachable host.
const cliDown = "down"

// cliCase is one salt-ssh command line whose output is recorded.
type cliCase struct {
	file   string
	opts   []string // before the target
	target string
	args   []string // after the target
}

// cliCases are salt-ssh's command-line behaviours brine copies (issue 16):
// -H, -v's jid line, -r's returns (a failing command, a clean one, no
// output, JSON on stdout, an unreachable host), --out-indent.
var cliCases = []cliCase{
	{file: "hosts.txt", opts: []string{"-H"}, target: twinName, args: []string{"test.ping"}},
	{file: "verbose-nested.txt", opts: []string{"-v"}, target: twinName, args: []string{"test.ping"}},
	{file: "verbose-json.txt", opts: []string{"-v", "--out", "json"}, target: twinName, args: []string{"test.ping"}},
	{file: "raw-fail-json.txt", opts: []string{"--out", "json", "--static"}, target: twinName, args: []string{"-r", "echo out; echo err >&2; exit 3"}},
	{file: "raw-fail-nested.txt", target: twinName, args: []string{"-r", "echo out; echo err >&2; exit 3"}},
	{file: "raw-ok-json.txt", opts: []string{"--out", "json", "--static"}, target: twinName, args: []string{"-r", "echo hi"}},
	{file: "raw-ok-nested.txt", target: twinName, args: []string{"-r", "echo hi"}},
	{file: "raw-empty-json.txt", opts: []string{"--out", "json", "--static"}, target: twinName, args: []string{"-r", "true"}},
	{file: "raw-jsonout-json.txt", opts: []string{"--out", "json", "--static"}, target: twinName, args: []string{"-r", `echo '{"a": 1}'`}},
	{file: "raw-down-json.txt", opts: []string{"--out", "json", "--static"}, target: cliDown, args: []string{"-r", "true"}},
	{file: "raw-down-nested.txt", target: cliDown, args: []string{"-r", "true"}},
	{file: "ping-down-json.txt", opts: []string{"--out", "json", "--static"}, target: cliDown, args: []string{"test.ping"}},
	{file: "ping-down-nested.txt", target: cliDown, args: []string{"test.ping"}},
	{file: "indent-json-m1.txt", opts: []string{"--out", "json", "--out-indent", "-1"}, target: twinName, args: []string{"cmd.run_all", "echo out"}},
	{file: "indent-json-0.txt", opts: []string{"--out", "json", "--out-indent", "0"}, target: twinName, args: []string{"cmd.run_all", "echo out"}},
	{file: "indent-json-2.txt", opts: []string{"--out", "json", "--out-indent", "2"}, target: twinName, args: []string{"cmd.run_all", "echo out"}},
	{file: "indent-yaml-m1.txt", opts: []string{"--out", "yaml", "--out-indent", "-1"}, target: twinName, args: []string{"grains.item", "os", "ipv4"}},
	{file: "indent-yaml-4.txt", opts: []string{"--out", "yaml", "--out-indent", "4"}, target: twinName, args: []string{"grains.item", "os", "ipv4"}},
}

// TestOracleRecordCLI records salt-ssh's command-line behaviours (cliCases)
// into testdata/oracle/cli, with index.json giving each file's command:
//
//	BRINE_E2E_NET=16 CI=true go test -count=1 -timeout 1h -run TestOracleRecordCLI -v ./e2e -args -oracle /work/oracle/salt/salt-ssh
func TestOracleRecordCLI(t *testing.T) {
	if *oracleBin == "" {
		t.Skip("records only with -oracle /path/to/salt-ssh")
	}
	if suite == nil {
		t.Skip("no fleet")
	}
	dir := "testdata/oracle/cli"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h, remove := oracleHost(t, "chroot", cliSlot)
	defer remove()
	o := newSaltOracle(t, h, "testdata/oracle/fileroot", "testdata/oracle/pillar")
	f, err := os.OpenFile(filepath.Join(o.conf, "roster"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "%s:\n  host: 127.0.0.1\n  port: 1\n  user: root\n  priv: %s\n", cliDown, suite.fleet.ClientKey)
	f.Close()
	var index []outputRecording
	for _, c := range cliCases {
		a := o.callTarget(5*time.Minute, c.opts, c.target, c.args...)
		out := strings.ReplaceAll(a.Stdout, o.conf, "$CONFIG")
		if err := os.WriteFile(filepath.Join(dir, c.file), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		index = append(index, outputRecording{File: c.file, Command: a.Command, Retcode: a.Retcode})
		t.Logf("%s: exit %d in %.1fs", c.file, a.Retcode, a.Seconds)
	}
	sort.Slice(index, func(i, j int) bool { return index[i].File < index[j].File })
	writeJSON(t, filepath.Join(dir, "index.json"), index)
	writeRecordingHeader(t, dir, "salt-ssh's command-line behaviours brine copies: -H, -v's jid line, -r returns (failing, clean, empty, JSON stdout, unreachable host), "+
		"an unreachable host's test.ping, --out-indent with json and yaml; roster: twin and "+cliDown+" (127.0.0.1 port 1); index.json has each file's command; "+
		"recorded by TestOracleRecordCLI (e2e/cli_oracle_test.go)", "chroot")
}

// callTarget runs salt-ssh with opts before target and args after it,
// keeping its stdout as it is (any outputter).
func (o *saltOracle) callTarget(d time.Duration, opts []string, target string, args ...string) saltAnswer {
	o.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	full := append(append(append([]string{"-c", o.conf, "--ignore-host-keys"}, opts...), target), args...)
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
		o.t.Fatalf("salt-ssh %v: %v", full, err)
	}
	if ctx.Err() != nil {
		o.t.Fatalf("salt-ssh %v: no answer within %s\n%s\n%s", full, d, so.String(), se.String())
	}
	ans.Stdout = so.String()
	return ans
}
