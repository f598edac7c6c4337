// Command brine is an agentless SSH push provisioner in the shape of
// salt-ssh: `brine [flags] TARGET FUNCTION [ARGS...] [key=value...]`.
//
// This package is the command line: flags (salt-ssh's names), the
// Saltfile and brine.yaml into run.Options (package run is the pipeline),
// the help, the outputs (observers of the run) and the exit code.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/urfave/cli/v2"

	"brine/provision/controller/run"
)

// exitCode carries a run's aggregate status out of the cli action.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// status is the error that makes brine exit with code (nil for 0).
func status(code int) error {
	if code == run.ExitOK {
		return nil
	}
	return exitCode(code)
}

func usagef(format string, a ...any) error { return run.Usagef(format, a...) }

func main() {
	// BRINE_CPUPROFILE=FILE writes a CPU profile of the controller (for
	// `go tool pprof`): how brine's own time per host is measured.
	if p := os.Getenv("BRINE_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				code := brine(os.Args, os.Stdin, os.Stdout, os.Stderr)
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
		}
	}
	os.Exit(brine(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// interrupted is the cause of a run stopped by the operator (or a closed
// terminal: SIGHUP).
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string {
	name := "SIGINT"
	switch i.sig {
	case syscall.SIGTERM:
		name = "SIGTERM"
	case syscall.SIGHUP:
		name = "SIGHUP"
	}
	return "interrupted on the controller (" + name + ")"
}

// ExitCode is brine's exit status after the signal: 129 for SIGHUP (128+1,
// as the shell reports it), 130 for SIGINT and SIGTERM.
func (i interrupted) ExitCode() int {
	if i.sig == syscall.SIGHUP {
		return run.ExitHangup
	}
	return run.ExitInterrupted
}

// brine runs one command line and returns its exit code. Every write to
// stdout and stderr is checked: a failed one makes the exit code at least
// 1; a reader that went away (EPIPE) is not an error.
func brine(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out, errw := newChecked(stdout, "stdout"), newChecked(stderr, "stderr")
	// A write to a closed pipe returns EPIPE instead of killing brine
	// (`brine ... | head -1`): the hosts in flight finish and are recorded.
	// Notify, not Ignore: processes brine starts keep the default.
	pipes := make(chan os.Signal, 1)
	signal.Notify(pipes, syscall.SIGPIPE)
	defer signal.Stop(pipes)
	// First Ctrl-C, SIGTERM or SIGHUP: every host is told to stop at its
	// next state boundary and answers with what ran; brine prints that,
	// records the job and exits 130 (129 for SIGHUP). A second signal of
	// any kind exits at once.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		var first os.Signal
		select {
		case first = <-sigs:
			fmt.Fprintf(errw, "\nbrine: %v: telling every host to stop (Ctrl-C again to quit at once)\n", interrupted{first})
			cancel(interrupted{first})
		case <-ctx.Done():
			return
		}
		if _, ok := <-sigs; ok {
			fmt.Fprintln(errw, "brine: quitting at once: hosts still running were not told the result")
			os.Exit(interrupted{first}.ExitCode())
		}
	}()
	app := newApp(stdin, out, errw)
	hoisted, err := hoistFlags(argv[1:], app.Flags)
	if err == nil {
		err = app.RunContext(ctx, append([]string{argv[0]}, hoisted...))
	}
	var code exitCode
	if err != nil && !errors.As(err, &code) {
		fmt.Fprintf(errw, "brine: %v\n", err)
	}
	rc := exitStatus(err)
	if errw.failed() != nil || out.failed() != nil {
		// Something brine had to say was lost (a failed write the action
		// could not report on stdout or stderr itself).
		rc = max(rc, run.ExitError)
	}
	return rc
}

// exitStatus is the exit code for an action's error.
func exitStatus(err error) int {
	var code exitCode
	switch {
	case err == nil:
		return run.ExitOK
	case errors.As(err, &code):
		return int(code)
	case run.IsUsage(err):
		return run.ExitUsage
	}
	return run.ExitError
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:            "brine",
		Usage:           "agentless SSH push provisioner for Salt state trees (a salt-ssh analogue)",
		UsageText:       "brine [flags] TARGET FUNCTION [ARGS...] [key=value...]\n   brine --local FUNCTION [ARGS...] [key=value...]\n   brine [flags] TARGET -r 'shell command'\n   brine -H | --list-hosts TARGET | completion bash|zsh|fish",
		Description:     functionHelp(),
		Version:         versionString(),
		HideVersion:     true,
		HideHelp:        true,
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		// Values are taken whole (an ssh option's value may hold commas);
		// the flags salt-ssh splits on commas are split where they are read.
		DisableSliceFlagSeparator: true,
		Flags:                     flags(),
		Action: func(c *cli.Context) error {
			return action(c, stdin, stdout, stderr)
		},
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return run.UsageError{Err: err}
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
}
