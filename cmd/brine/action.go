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
// flags how; the run's observers print it.
func action(c *cli.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	args := c.Args().Slice()
	local, raw := c.Bool("local"), c.Bool("raw")
	if !local && !raw && len(args) >= 1 {
		// Runner functions (jobs.*) take no TARGET and need no roster.
		if h, ok := runnerFor(args[0]); ok {
			fn, _ := run.LookupFunction(args[0])
			if err := fn.CheckArgs(args[1:]); err != nil {
				return err
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
	if _, ok := run.LookupFunction(fun); !ok && !raw {
		return run.UnknownFunction(fun)
	}
	o, err := options(c)
	if err != nil {
		return err
	}
	o.Fun, o.Args, o.Raw, o.Target = fun, args, raw, tgt
	out, err := newOutput(c, fun, stdout, stderr)
	if err != nil {
		return err
	}
	view, err := newProgressView(c, out.w, stderr)
	if err != nil {
		return err
	}
	out.around = view.Around
	o.Log, o.Prompt = view.Writer(), terminalPrompt
	outcome, err := run.Run(c.Context, o, view, out)
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
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
