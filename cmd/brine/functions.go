package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"brine/provision/controller/adhoc"
)

// funKind says where a function runs and what it needs.
type funKind int

const (
	// hostFun runs in the executor on each targeted host.
	hostFun funKind = iota
	// stateFun compiles the state tree per host and applies it there.
	stateFun
	// showFun compiles per host on the controller and shows the result;
	// nothing is applied.
	showFun
	// rawFun is -r: a shell command on each host, no executor.
	rawFun
	// runnerFun runs on the controller alone: no TARGET, no roster (Salt's
	// runners, e.g. jobs.list_jobs).
	runnerFun
	// catalogFun is answered per targeted host from the controller's
	// catalog of state functions, without contacting the hosts (sys.*).
	catalogFun
	// execFun is one of Salt's execution functions, from the catalog
	// (provision/wire/funcs): see execfuncs.go.
	execFun
)

// function is one FUNCTION brine accepts. The table below both dispatches
// the command line and writes the help, so the two cannot disagree.
type function struct {
	name string
	// args is the argument synopsis for the help ("CMD", "[SLS,...]").
	args string
	doc  string
	kind funKind
	// minArgs is how many positional arguments the function needs;
	// example is shown when they are missing.
	minArgs int
	example string
	// run carries out a runnerFun on the controller.
	run func(c *cli.Context, args []string, stdout, stderr io.Writer) error
	// call is an execFun's call, bound; refused says why it cannot run.
	call    *adhoc.Call
	refused *adhoc.Refused
}

// functions is every function brine accepts, in help order.
func functions() []function {
	fs := []function{
		{name: "state.apply", args: "[SLS,...]", doc: "apply the highstate, or the named SLS; test=True for a dry run", kind: stateFun},
		{name: "state.highstate", doc: "apply the highstate", kind: stateFun},
		{name: "state.sls", args: "SLS[,SLS...]", doc: "apply the named SLS", kind: stateFun, minArgs: 1, example: "brine '*' state.sls ssh,timezone"},
		{name: "state.test", args: "[SLS,...]", doc: "state.apply with test=True", kind: stateFun},
		{name: "state.show_top", doc: "the top file's SLS per saltenv for each host", kind: showFun},
		{name: "state.show_sls", args: "SLS[,SLS...]", doc: "the named SLS compiled to highstate data", kind: showFun, minArgs: 1, example: "brine '*' state.show_sls ssh"},
		{name: "state.show_highstate", doc: "the highstate compiled for each host", kind: showFun},
		{name: "state.show_lowstate", doc: "the ordered lowstate compiled for each host", kind: showFun},
		{name: "state.show_pillar", doc: "the pillar compiled for each host", kind: showFun},
		{name: "pillar.items", doc: "the pillar compiled for each host", kind: showFun},
	}
	return append(fs, historyFunctions()...)
}

// lookupFunction finds fun in the table.
func lookupFunction(name string) (function, bool) {
	for _, f := range functions() {
		if f.name == name {
			return f, true
		}
	}
	return function{}, false
}

// functionNames lists the table's names, sorted, for error messages.
func functionNames() []string {
	var n []string
	for _, f := range functions() {
		n = append(n, f.name)
	}
	sort.Strings(n)
	return n
}

// unknownFunction is the usage error for a name the table lacks, with the
// closest names as hints.
func unknownFunction(name string) error {
	var near []string
	mod, _, _ := strings.Cut(name, ".")
	for _, n := range functionNames() {
		if m, _, _ := strings.Cut(n, "."); m == mod {
			near = append(near, n)
		}
	}
	if len(near) == 0 {
		near = functionNames()
	}
	return usagef("unknown function %q: brine knows %s (see brine --help)", name, strings.Join(near, ", "))
}

// checkArgs is the usage error for missing positional arguments.
func (f function) checkArgs(pos []string) error {
	if len(pos) >= f.minArgs {
		return nil
	}
	return usagef("%s needs %s, e.g. %s", f.name, f.args, f.example)
}

// functionHelp is the FUNCTIONS section of --help, from the table.
func functionHelp() string {
	var b strings.Builder
	heads := map[funKind]string{
		hostFun:    "Run on each host",
		stateFun:   "States (compiled per host on the controller, applied on the host)",
		showFun:    "Show the compile (nothing runs on hosts)",
		runnerFun:  "On the controller (no TARGET)",
		catalogFun: "Brine's state catalog (answered by the controller, hosts not contacted)",
	}
	for _, k := range []funKind{hostFun, stateFun, showFun, runnerFun, catalogFun} {
		var rows []function
		for _, f := range functions() {
			if f.kind == k {
				rows = append(rows, f)
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s:\n", heads[k])
		for _, f := range rows {
			left := f.name
			if f.args != "" {
				left += " " + f.args
			}
			fmt.Fprintf(&b, "   %-34s %s\n", left, f.doc)
		}
	}
	b.WriteString("Salt's execution functions, run on each host with Salt's arguments and returns:\n" +
		"   test.ping, cmd.run CMD [CWD], pkg.install NAME, service.restart NAME, file.replace PATH PATTERN REPL,\n" +
		"   grains.get KEY, pillar.get KEY, sys.doc [FUN]... (brine '*' sys.list_functions lists them all)\n")
	b.WriteString("Raw shell (no executor): brine [flags] TARGET -r 'CMD'\n")
	b.WriteString("key=value arguments: test=True, pillar='{\"k\": \"v\"}', saltenv=base.\n")
	b.WriteString("Arguments after -- are taken literally: brine '*' cmd.run -- ls -la\n")
	b.WriteString("Exit status: 0 all hosts fine; 20 a host failed, was unreachable or was not run;\n" +
		"   2 usage error; 130 interrupted; 1 internal error.")
	return b.String()
}
