package main

import (
	"fmt"
	"strings"

	"brine/provision/controller/run"
)

// functionHelp is the FUNCTIONS section of --help, from run's table.
func functionHelp() string {
	var b strings.Builder
	heads := map[run.Kind]string{
		run.HostFun:    "Run on each host",
		run.StateFun:   "States (compiled per host on the controller, applied on the host)",
		run.ShowFun:    "Show the compile (nothing runs on hosts)",
		run.RunnerFun:  "On the controller (no TARGET)",
		run.CatalogFun: "Brine's state catalog (answered by the controller, hosts not contacted)",
	}
	for _, k := range []run.Kind{run.HostFun, run.StateFun, run.ShowFun, run.RunnerFun, run.CatalogFun} {
		var rows []run.Function
		for _, f := range run.Functions() {
			if f.Kind == k {
				rows = append(rows, f)
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s:\n", heads[k])
		for _, f := range rows {
			left := f.Name
			if f.Args != "" {
				left += " " + f.Args
			}
			fmt.Fprintf(&b, "   %-34s %s\n", left, f.Doc)
		}
	}
	b.WriteString("Raw shell (no executor): brine [flags] TARGET -r 'CMD'\n")
	b.WriteString("key=value arguments: test=True, pillar='{\"k\": \"v\"}', saltenv=base.\n")
	b.WriteString("Arguments after -- are taken literally: brine '*' cmd.run -- ls -la\n")
	b.WriteString("Exit status: 0 all hosts fine; 20 a host failed, was unreachable or was not run;\n" +
		"   2 usage error; 130 interrupted; 1 internal error.")
	return b.String()
}
