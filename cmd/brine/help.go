package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"brine/provision/controller/run"
)

// functionHelp is the FUNCTIONS section of --help, from run's table.
func functionHelp() string {
	var b strings.Builder
	b.WriteString("Salt's execution functions, run on each host with Salt's arguments and returns:\n" +
		"   test.ping, cmd.run CMD [CWD], pkg.install NAME, service.restart NAME, file.replace PATH PATTERN REPL,\n" +
		"   grains.get KEY, pillar.get KEY, sys.doc [FUN]... (brine '*' sys.list_functions lists them all)\n")
	heads := map[run.Kind]string{
		run.StateFun:  "States (compiled per host on the controller, applied on the host)",
		run.ShowFun:   "Show the compile (nothing runs on hosts)",
		run.RunnerFun: "On the controller (no TARGET)",
	}
	for _, k := range []run.Kind{run.StateFun, run.ShowFun, run.RunnerFun} {
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
	b.WriteString("Exit status: 0 all hosts fine; 20 a host failed, was unreachable or was not run (with\n" +
		"   --retcode-passthrough: the highest return code of a host); 2 usage error; 130 interrupted\n" +
		"   (129 hung up); 1 internal error or output not written.")
	return b.String()
}

// printHelp is --help: the usage, the functions, then the flags in
// salt-ssh's option groups and order (each with its aliases and, for a
// flag with a value, its default).
func printHelp(app *cli.App, w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "brine %s - %s\n\nUsage:\n", version, app.Usage)
	for _, l := range strings.Split(app.UsageText, "\n") {
		fmt.Fprintf(&b, "   %s\n", strings.TrimSpace(l))
	}
	fmt.Fprintf(&b, "\n%s\n", functionHelp())
	cat := ""
	for _, f := range app.Flags {
		if f.Names()[0] == "brine-help" {
			fmt.Fprintf(&b, "\n%s:\n   %-30s %s\n", catMain, "-h, --help", "show this help and exit")
			cat = catMain
			continue
		}
		c := ""
		if cf, ok := f.(cli.CategorizableFlag); ok {
			c = cf.GetCategory()
		}
		if c != cat {
			fmt.Fprintf(&b, "\n%s:\n", c)
			cat = c
		}
		var names []string
		usage, placeholder := flagUsage(f)
		for _, n := range shortFirst(f.Names()) {
			if len(n) == 1 {
				names = append(names, "-"+n)
			} else {
				names = append(names, "--"+n)
			}
		}
		left := strings.Join(names, ", ")
		if placeholder != "" {
			left += " " + placeholder
		}
		if len(left) > 30 {
			fmt.Fprintf(&b, "   %s\n   %-30s %s\n", left, "", usage)
		} else {
			fmt.Fprintf(&b, "   %-30s %s\n", left, usage)
		}
	}
	b.WriteString("\nSettings: command line > Saltfile (salt-ssh: section) > brine.yaml > roster_defaults > built-in;\n" +
		"a roster host's own keys win for that host. See the README's Settings table and brine(1).\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// shortFirst lists a flag's one-letter names first (-V, --versions-report),
// as salt-ssh's help does.
func shortFirst(names []string) []string {
	var short, long []string
	for _, n := range names {
		if len(n) == 1 {
			short = append(short, n)
		} else {
			long = append(long, n)
		}
	}
	return append(short, long...)
}
