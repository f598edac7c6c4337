package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"brine/provision/controller/executorbin"
)

// version is brine's release.
const version = "0.1.0"

func versionString() string { return version }

// versionsReport is -V/--versions-report, in the layout of Salt's: brine's
// version, Go's, the modules brine is built from, the executors it ships
// (architecture, where from, sha256) and the system.
func versionsReport(ctx context.Context, w io.Writer) error {
	var b strings.Builder
	section := func(title string, rows [][2]string) {
		fmt.Fprintf(&b, "%s:\n", title)
		width := 0
		for _, r := range rows {
			width = max(width, len(r[0]))
		}
		for _, r := range rows {
			fmt.Fprintf(&b, "%*s: %s\n", max(width, 14), r[0], r[1])
		}
		b.WriteString("\n")
	}
	section("Brine Version", [][2]string{{"brine", version}})
	section("Go Version", [][2]string{{"Go", runtime.Version()}})
	var deps [][2]string
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			v := d.Version
			if d.Replace != nil {
				v += " => " + d.Replace.Path + " " + d.Replace.Version
			}
			deps = append(deps, [2]string{d.Path, v})
		}
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i][0] < deps[j][0] })
	section("Dependency Versions", deps)
	var execs [][2]string
	ready := map[string]*executorbin.Executor{}
	for _, e := range executorbin.NewStore().Ready(ctx) {
		ready[e.Arch] = e
	}
	for _, a := range executorbin.Arches() {
		if e, ok := ready[a]; ok {
			execs = append(execs, [2]string{"linux/" + a, fmt.Sprintf("sha256 %s (%s)", e.SHA, e.From)})
		} else {
			execs = append(execs, [2]string{"linux/" + a, "not built in: built from the source on first use, when run from a checkout"})
		}
	}
	section("Executors", execs)
	host, _ := os.Hostname()
	goos := runtime.GOOS
	sys := [][2]string{{"system", strings.ToUpper(goos[:1]) + goos[1:]}, {"machine", runtime.GOARCH}, {"host", host}}
	if rel, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		sys = append(sys, [2]string{"release", strings.TrimSpace(string(rel))})
	}
	if osr, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, l := range strings.Split(string(osr), "\n") {
			if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
				sys = append(sys, [2]string{"version", strings.Trim(v, `"`)})
			}
		}
	}
	section("System Versions", sys)
	_, err := io.WriteString(w, strings.TrimSuffix(b.String(), "\n"))
	return err
}
