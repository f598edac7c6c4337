package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"brine/provision/controller/run"
)

// action runs one brine command line: the words say what to run where, the
// flags (the Saltfile's and brine.yaml's beneath them) how; the run's
// observers print it.
func action(c *cli.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	if c.Bool("brine-help") {
		return printHelp(c.App, stdout)
	}
	if c.Bool("version") {
		fmt.Fprintf(stdout, "brine %s\n", versionString())
		return nil
	}
	args := c.Args().Slice()
	if len(args) >= 1 && args[0] == "completion" && (len(args) == 1 || isCompletionWord(args[1])) {
		return completion(c, args[1:], stdout)
	}
	st, err := applySettings(c)
	if err != nil {
		return err
	}
	log, err := newLogger(c, stderr)
	if err != nil {
		return err
	}
	defer func() {
		if err := log.Close(); err != nil {
			fmt.Fprintf(stderr, "brine: %v\n", err)
		}
	}()
	for _, l := range st.infos {
		fmt.Fprintln(log, l)
	}
	for _, l := range st.warnings {
		fmt.Fprintln(log, l)
	}
	if c.Bool("versions-report") {
		return versionsReport(c.Context, stdout)
	}
	pythonNotes(c, log)
	if c.Bool("hosts") {
		return listRoster(c, st, stdout, stderr, log)
	}
	local, raw := c.Bool("local"), c.Bool("raw")
	if c.Bool("list-hosts") {
		if len(args) < 1 || local {
			return usagef("--list-hosts needs a TARGET, e.g. brine --list-hosts 'web*' (or -H for the whole roster)")
		}
		return listTargeted(c, st, args[0], stdout, stderr, log)
	}
	if !local && !raw && len(args) >= 1 {
		// Runner functions (jobs.*) take no TARGET and need no roster.
		if h, ok := runnerFor(args[0]); ok {
			fn, _ := run.LookupFunction(args[0])
			if err := fn.CheckArgs(args[1:]); err != nil {
				return err
			}
			if c.IsSet("limit") {
				return usagef("--limit is Ansible's host pattern; %s takes no TARGET: for the number of jobs use --max-jobs N or limit=N", args[0])
			}
			return h(c, args[1:], stdout, stderr)
		}
	}
	var tgt, fun string
	switch {
	case local && len(args) >= 1:
		fun, args = args[0], args[1:]
	case raw && len(args) >= 2:
		tgt, fun, args = args[0], "cmd.raw", args[1:]
	case !local && !raw && len(args) >= 2:
		tgt, fun, args = args[0], args[1], args[2:]
	default:
		if local {
			return usagef("--local needs a FUNCTION, e.g. brine --local state.apply test=True (see brine --help)")
		}
		if raw {
			return usagef("-r needs a TARGET and a shell command, e.g. brine '*' -r 'uptime' (see brine --help)")
		}
		return usagef("need a TARGET and a FUNCTION, e.g. brine '*' test.ping (see brine --help)")
	}
	// run.Run says this too, but only after reading the config: a
	// mistyped function is the first thing to hear about.
	fn, known := run.LookupFunction(fun)
	if !known && !raw {
		return run.UnknownFunction(fun)
	}
	o, err := options(c, st)
	if err != nil {
		return err
	}
	o.Fun, o.Args, o.Raw, o.Target = fun, args, raw, tgt
	if c.Bool("check") {
		if raw || fn.Kind != run.StateFun {
			return usagef("--check is test=True for state functions (state.apply, state.sls, ...): %s has no dry run", fun)
		}
		o.Args = append(o.Args, "test=True")
	}
	out, err := newOutput(c, fun, stdout, stderr)
	if err != nil {
		return err
	}
	defer out.discard()
	if err := out.open(); err != nil {
		// Before anything runs: an output that cannot be written is
		// found now, not after the states were applied.
		return run.UsageError{Err: err}
	}
	view, err := newProgressView(c, out.w, stderr)
	if err != nil {
		return err
	}
	out.around = view.Around
	log.console = view.Writer()
	o.Log, o.Prompt = log, terminalPrompt
	o.Trace = o.Trace || log.traces()
	outcome, err := run.Run(c.Context, o, view, out)
	if outcome.Err != nil {
		// The run went on; its output could not be written.
		fmt.Fprintf(stderr, "brine: %v\n", outcome.Err)
		return status(outcome.ExitCode())
	}
	if err != nil {
		return err
	}
	return status(outcome.ExitCode())
}

// terminalPrompt asks on the controlling terminal without echo; it fails
// when there is none (CI, pipes), so a missing secret is an error, not a hang.
func terminalPrompt(msg string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", errors.New("no terminal to ask for a secret on: pass it with a flag or the environment")
	}
	defer tty.Close()
	fmt.Fprint(tty, msg)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := underlying(w).(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// pythonNotes answers salt-ssh's options for its Python thin with what
// brine does instead, one line each.
func pythonNotes(c *cli.Context, log io.Writer) {
	notes := []struct{ flag, note string }{
		{"regen-thin", "-t/--regen-thin: brine's executor is a static binary, checked by its sha256 on every run and uploaded again when it differs: there is no thin to regenerate"},
		{"min-extra-modules", "--min-extra-modules: brine ships no Python to hosts: states and functions run in brine's own executor"},
		{"thin-extra-modules", "--thin-extra-modules: brine ships no Python to hosts: states and functions run in brine's own executor"},
		{"python2-bin", "--python2-bin: hosts need no Python: brine runs its own static executor"},
		{"python3-bin", "--python3-bin: hosts need no Python: brine runs its own static executor"},
		{"extra-filerefs", "--extra-filerefs: brine renders templates on the controller with the whole file root and ships what each host needs: nothing to add"},
		{"hard-crash", "--hard-crash: brine has no Python exceptions to raise: an internal error is printed with its whole chain of causes"},
	}
	for _, n := range notes {
		if c.IsSet(n.flag) {
			fmt.Fprintf(log, "brine: note: %s\n", n.note)
		}
	}
}
