package provision

import (
	"os/exec"
	"strings"
	"testing"
)

// controllerToHost are the only edges from the controller into host code:
// the compiler checks chunks against the state catalog and answers pure
// execution functions in templates and pillar with the hosts' own code; the
// run reads grains' salt version and the catalog for sys.*. A new
// edge belongs in provision/wire (shared) or needs a line here saying why.
var controllerToHost = map[string]bool{
	"brine/provision/controller/compile -> brine/provision/host/modules":       true, // salt['mod.fun'] in templates and pillar
	"brine/provision/controller/compile -> brine/provision/host/state":         true, // the engine's argument helpers
	"brine/provision/controller/compile -> brine/provision/host/state/builtin": true, // the state catalog
	"brine/provision/controller/compile -> brine/provision/host/state/file":    true, // file.accumulated's shared keys
	"brine/provision/controller/compile -> brine/provision/host/state/hostcmd": true, // (tests) a fake host command runner
	"brine/provision/controller/adhoc -> brine/provision/host/state/builtin":   true, // sys.list_state_functions, sys.state_doc, sys.state_argspec
	"brine/provision/controller/run -> brine/provision/host/grains":            true, // the salt version grain
}

// hostToController are the host side's edges into the controller: only
// tests, never code linked into brine-exec.
var hostToController = map[string]bool{
	"brine/cmd/brine-exec -> brine/provision/controller/executorbin": true, // (size test) the release build flags
}

// TestFolderRule checks the import graph against the folders: host code
// never imports controller or inventory code, wire and lib import neither,
// lib imports only lib, and the controller side reaches into host code only
// through controllerToHost.
func TestFolderRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`, "brine/...").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	under := func(p, dir string) bool { return p == "brine/"+dir || strings.HasPrefix(p, "brine/"+dir+"/") }
	controllerSide := func(p string) bool {
		return under(p, "provision/controller") || under(p, "inventory") || under(p, "cmd/brine") && !under(p, "cmd/brine-exec")
	}
	edges := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		from := f[0]
		for _, to := range f[1:] {
			if !strings.HasPrefix(to, "brine/") || under(to, strings.TrimPrefix(from, "brine/")) {
				continue
			}
			edges++
			edge := from + " -> " + to
			switch {
			case (under(from, "provision/host") || under(from, "cmd/brine-exec")) && controllerSide(to) && !hostToController[edge]:
				t.Errorf("%s: host code must not import the controller (move what both need to provision/wire or provision/lib)", edge)
			case (under(from, "provision/wire") || under(from, "provision/lib")) && (controllerSide(to) || under(to, "provision/host")):
				t.Errorf("%s: the shared contract and helpers import neither side", edge)
			case under(from, "provision/lib") && !under(to, "provision/lib"):
				t.Errorf("%s: provision/lib imports only provision/lib", edge)
			case controllerSide(from) && under(to, "provision/host") && !controllerToHost[edge]:
				t.Errorf("%s: a new edge from the controller into host code; share it through provision/wire, or add it to controllerToHost with the reason", edge)
			}
		}
	}
	if edges < 50 {
		t.Fatalf("only %d edges between brine packages: go list did not list the module", edges)
	}
}
