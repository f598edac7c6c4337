// Command brine is an agentless SSH push provisioner in the shape of
// salt-ssh: `brine [flags] TARGET FUNCTION [ARGS...] [key=value...]`.
//
// This package is the command line: flags into run.Options (package run
// is the pipeline), the help, the outputs (observers of the run) and the
// exit code.
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

// interrupted is the cause of a run stopped by the operator.
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string {
	name := "SIGINT"
	if i.sig == syscall.SIGTERM {
		name = "SIGTERM"
	}
	return "interrupted on the controller (" + name + ")"
}

// brine runs one command line and returns its exit code.
func brine(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// First Ctrl-C (or SIGTERM): every host is told to stop at its next
	// state boundary and answers with what ran; brine prints that and exits
	// 130. A second one exits at once.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "\nbrine: %v: telling every host to stop (Ctrl-C again to quit at once)\n", interrupted{s})
			cancel(interrupted{s})
		case <-ctx.Done():
			return
		}
		if _, ok := <-sigs; ok {
			fmt.Fprintln(stderr, "brine: quitting at once: hosts still running were not told the result")
			os.Exit(run.ExitInterrupted)
		}
	}()
	app := newApp(stdin, stdout, stderr)
	hoisted, err := hoistFlags(argv[1:], app.Flags)
	if err == nil {
		err = app.RunContext(ctx, append([]string{argv[0]}, hoisted...))
	}
	var code exitCode
	if err != nil && !errors.As(err, &code) {
		fmt.Fprintf(stderr, "brine: %v\n", err)
	}
	return exitStatus(err)
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
		UsageText:       "brine [flags] TARGET FUNCTION [ARGS...] [key=value...]\n   brine --local FUNCTION [ARGS...] [key=value...]\n   brine [flags] TARGET -r 'shell command'",
		Description:     functionHelp(),
		Version:         versionString(),
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		Flags:           flags(),
		Action: func(c *cli.Context) error {
			return action(c, stdin, stdout, stderr)
		},
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return run.UsageError{Err: err}
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
}

func versionString() string { return "0.1.0" }
