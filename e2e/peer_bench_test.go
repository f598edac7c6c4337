package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkPeerAnsibleRaw runs the same ad-hoc command on the ten hosts with
// Ansible's raw module (the only Ansible module that works on these hosts:
// they have no Python), for comparison with BenchmarkFleetCmdRun and
// BenchmarkFleetRaw. Skipped where ansible is not installed
// (apt-get install ansible-core).
//
//	go test -run '^$' -bench 'Fleet|Peer' -benchtime 20x ./e2e
func BenchmarkPeerAnsibleRaw(b *testing.B) {
	bin, err := exec.LookPath("ansible")
	if err != nil {
		b.Skip("ansible is not installed")
	}
	dir := b.TempDir()
	var inv strings.Builder
	inv.WriteString("[fleet]\n")
	for _, id := range hostIDs(fleetSize) {
		h := hostByID(b, id)
		fmt.Fprintf(&inv, "%s ansible_host=%s ansible_user=root\n", id, h.Addr)
	}
	invFile := filepath.Join(dir, "hosts")
	if err := os.WriteFile(invFile, []byte(inv.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	run := func() {
		cmd := exec.Command(bin, "fleet", "-i", invFile, "-m", "raw", "-a", "uname -a", "-f", "25",
			"--private-key", suite.fleet.ClientKey)
		cmd.Env = append(os.Environ(), "HOME="+dir, "ANSIBLE_HOST_KEY_CHECKING=True",
			"ANSIBLE_SSH_ARGS=-o UserKnownHostsFile="+suite.fleet.KnownHosts+" -o ControlMaster=no",
			"ANSIBLE_NOCOLOR=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ansible: %v\n%s", err, out)
		}
	}
	run()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run()
	}
}

func BenchmarkFleetRaw(b *testing.B) {
	c := newClient(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := c.run("h*", "-r", "uname -a", "--out", "json", "--static"); r.code != 0 {
			b.Fatal(r.stderr)
		}
	}
}
