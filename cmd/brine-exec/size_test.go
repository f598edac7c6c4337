package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/controller/executorbin"
	"brine/provision/host/state/builtin"
	"brine/provision/wire/funcs"
)

// The executor has no network client: remote sources are downloaded on the
// controller (provision/controller/download) and travel in the bundle. These packages
// must never be linked into it again (they were half of its size).
var forbidden = []string{"net/http", "crypto/tls", "crypto/x509", "net/url", "vendor/golang.org/x/net/http2/hpack"}

// controllerOnly are the controller's packages: the template engine and the
// targeting matchers render and target on the controller; the executor
// formats Python values with provision/lib/pyfmt and matches globs with
// provision/lib/fnmatch.
var controllerOnly = []string{"brine/provision/controller/compile", "brine/provision/controller/compile/jinja", "brine/inventory/match"}

// maxGzipped is the executor's size budget: linux/amd64, built as
// provision/controller/executorbin builds it (executorbin.BuildFlags), gzip -9.
//
// Issue 10 set it at 2,000,000 (the executor was 1,989,432 bytes); issue
// 15's state functions as Salt's (file.managed's, file.directory's,
// ssh_auth's, pkgrepo's and user's code paths and words) took it to
// 2,010,589. Issue 14 put Salt's execution modules in it
// (provision/host/modules: 320 host functions of test, grains, cmd, pkg,
// service, file, cp, user, group, network, status, disk, system, timezone,
// locale, sysctl, cron, hosts, ssh, mount, archive, git, saltutil, ported
// from Salt 3007.1), which run on the host and cannot be moved to the
// controller: the executor measured 2,287,330 bytes with them before issue
// 15, after taking Go's resolver and dialer out (network.connect resolves
// through the C library as Python does; 120 KB) and keeping the functions'
// docs out (funcs.Documented); 2,307,564 with both issues. The budget is
// 2,350,000 (each host downloads it once per version).
const maxGzipped = 2_350_000

func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain on PATH")
	}
	return p
}

func TestNoNetworkClientLinked(t *testing.T) {
	cmd := exec.Command(goTool(t), "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		deps[p] = true
	}
	if !deps["brine/provision/host/executor"] {
		t.Fatalf("go list -deps did not list the executor's packages:\n%s", out)
	}
	for _, p := range forbidden {
		if deps[p] {
			t.Errorf("brine-exec links %s; fetch remote sources on the controller (provision/controller/download) instead", p)
		}
	}
	for _, p := range controllerOnly {
		if deps[p] {
			t.Errorf("brine-exec links %s, a controller package; use provision/lib/pyfmt and provision/lib/fnmatch on the host", p)
		}
	}
}

func TestExecutorSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the executor")
	}
	bin := filepath.Join(t.TempDir(), "brine-exec")
	cmd := exec.Command(goTool(t), append(append([]string{"build"}, executorbin.BuildFlags()...), "-o", bin, ".")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	// The state catalog's docs are for sys.state_doc and the README on the
	// controller; the executor checks chunks against the specs only.
	for mod, m := range builtin.Catalog() {
		for fun, f := range m.Funcs {
			if f.Doc != "" && bytes.Contains(raw, []byte(f.Doc)) {
				t.Errorf("brine-exec carries the doc of %s.%s; declare docs in the module's Doc(), not its Spec()", mod, fun)
			}
		}
	}
	// Likewise the execution functions' docs (sys.doc, the README): the
	// executor binds calls against the signatures only (funcs.New).
	docs, _ := funcs.Documented()
	for name, f := range docs {
		if len(f.Doc) > 20 && bytes.Contains(raw, []byte(f.Doc)) {
			t.Errorf("brine-exec carries the doc of %s; docs live in provision/wire/funcs/docs.go, read only by Documented", name)
		}
	}
	n, how := gzipSize(t, bin, raw)
	t.Logf("brine-exec linux/amd64: %d bytes, %d with %s", len(raw), n, how)
	if n > maxGzipped {
		t.Errorf("brine-exec is %d bytes with %s, over its budget of %d: find what grew with `go tool nm -size -sort size`", n, how, maxGzipped)
	}
}

// gzipSize compresses as provision/controller/executorbin/build.sh does (gzip -9 -n), or
// with compress/gzip (a little larger) where there is no gzip.
func gzipSize(t *testing.T, bin string, raw []byte) (int, string) {
	if p, err := exec.LookPath("gzip"); err == nil {
		out, err := exec.Command(p, "-9", "-n", "-c", bin).Output()
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		return len(out), "gzip -9"
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(raw)
	zw.Close()
	return gz.Len(), "compress/gzip"
}
