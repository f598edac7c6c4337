// Command brine is an agentless SSH push provisioner in the shape of
// salt-ssh: `brine [flags] TARGET FUNCTION [ARGS...] [key=value...]`.
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
)

// Exit codes (salt-ssh's aggregate code for host failures).
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitFailure     = 20
	exitInterrupted = 130
)

// usageError marks a mistake in the command line, roster or config.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// exitCode carries a run's aggregate status out of the cli action.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func main() {
	// BRINE_CPUPROFILE=FILE writes a CPU profile of the controller (for
	// `go tool pprof`): how brine's own time per host is measured.
	if p := os.Getenv("BRINE_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				code := run(os.Args, os.Stdin, os.Stdout, os.Stderr)
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
		}
	}
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
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

func run(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
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
			os.Exit(exitInterrupted)
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
		return exitOK
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &usageError{}):
		return exitUsage
	}
	return exitError
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:            "brine",
		Usage:           "agentless SSH push provisioner for Salt state trees (a salt-ssh analogue)",
		UsageText:       "brine [flags] TARGET FUNCTION [ARGS...] [key=value...]\n   brine --local FUNCTION [ARGS...] [key=value...]\n   brine [flags] TARGET -r 'shell command'",
		Description:     functionHelp(),
		Version:         versionString(),
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		Flags:           append(append(append(flags(), targetingFlags()...), historyFlags()...), fleetFlags()...),
		Action: func(c *cli.Context) error {
			return action(c, stdin, stdout, stderr)
		},
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return usageError{err}
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
	return app
}

func versionString() string { return "0.1.0" }

func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "roster-file", Value: "roster.yaml", Usage: "roster `FILE` (see --roster); an executable file is run and its output read"},
		&cli.StringFlag{Name: "config", Value: "brine.yaml", Usage: "config `FILE` (file_roots, pillar_roots, roster_defaults, nodegroups)"},
		&cli.BoolFlag{Name: "pcre", Aliases: []string{"E"}, Usage: "TARGET is a regular expression"},
		&cli.BoolFlag{Name: "list", Aliases: []string{"L"}, Usage: "TARGET is a comma or space separated list of ids"},
		&cli.IntFlag{Name: "max-procs", Value: 25, Usage: "at most `N` hosts in flight"},
		&cli.StringFlag{Name: "user", Usage: "remote user when the roster gives none (default root)"},
		&cli.StringSliceFlag{Name: "priv", Usage: "private key `FILE` (repeatable)"},
		&cli.StringFlag{Name: "priv-passwd", EnvVars: []string{"BRINE_PRIV_PASSWD"}, Usage: "passphrase for encrypted keys"},
		&cli.StringFlag{Name: "passwd", EnvVars: []string{"BRINE_PASSWD"}, Usage: "SSH password (also the sudo password)"},
		&cli.BoolFlag{Name: "askpass", Usage: "ask for the SSH/sudo password on the terminal"},
		&cli.BoolFlag{Name: "no-agent", Usage: "do not use the ssh-agent at SSH_AUTH_SOCK"},
		&cli.BoolFlag{Name: "sudo", Usage: "run on the target through sudo"},
		&cli.StringFlag{Name: "sudo-user", Usage: "run as this user through sudo (default root)"},
		&cli.StringFlag{Name: "known-hosts", Usage: "known_hosts `FILE` (default ~/.ssh/known_hosts)"},
		&cli.StringFlag{Name: "host-key-policy", Value: "strict", Usage: "strict, accept-new or ignore"},
		&cli.BoolFlag{Name: "ignore-host-keys", Aliases: []string{"i"}, Usage: "do not check host keys (unsafe)"},
		&cli.StringFlag{Name: "ssh-config", Usage: "OpenSSH client config `FILE` (default ~/.ssh/config; \"none\" to skip)"},
		&cli.Float64Flag{Name: "timeout", Value: 10, Usage: "bound in `SECONDS` on each connect and handshake, and on any upload or short step where no byte moves"},
		&cli.Float64Flag{Name: "keepalive", Value: 15, Usage: "send SSH keepalives every `SECONDS`; a host that misses 3 in a row is failed as \"connection lost\" (0: off; roster ssh_options ServerAliveInterval/ServerAliveCountMax win)"},
		&cli.Float64Flag{Name: "run-timeout", Usage: "stop a host's run after `SECONDS` (its states that ran are reported; default: no limit)"},
		&cli.IntFlag{Name: "max-handshakes", Value: 64, Usage: "at most `N` connects and SSH handshakes in flight (apart from --max-procs)"},
		&cli.BoolFlag{Name: "wipe", Aliases: []string{"w"}, Usage: "remove the executor and its thin dir from each host after the run"},
		&cli.StringFlag{Name: "out", Usage: "output: highstate, nested, json, yaml or txt"},
		&cli.BoolFlag{Name: "static", Usage: "print all hosts at the end in one document"},
		&cli.BoolFlag{Name: "no-color", Usage: "never colour the output"},
		&cli.BoolFlag{Name: "force-color", Usage: "colour the output even when not on a terminal"},
		&cli.StringFlag{Name: "state-output", Value: "full", Usage: "full, terse, mixed or changes"},
		&cli.BoolFlag{Name: "state-verbose", Value: true, Usage: "show states that succeeded without changes"},
		&cli.BoolFlag{Name: "raw", Aliases: []string{"r"}, Usage: "run a raw shell command, no executor"},
		&cli.BoolFlag{Name: "local", Usage: "run on this machine, without SSH (salt-call --local)"},
		&cli.StringFlag{Name: "id", Usage: "minion id for --local (default the hostname)"},
		&cli.BoolFlag{Name: "refresh", Usage: "collect grains again instead of using the cache"},
		&cli.BoolFlag{Name: "failhard", Usage: "stop a state run at the first failure"},
		&cli.BoolFlag{Name: "yes", Usage: "run a guarded execution function (system.reboot, system.poweroff, system.shutdown, system.halt)"},
		&cli.BoolFlag{Name: "retcode-passthrough", Usage: "exit with the highest return code a host's function reported (as salt-call does), not 20"},
		&cli.Float64Flag{Name: "lock-timeout", Value: 300, Usage: "wait up to `SECONDS` for another run's lock on a host"},
		&cli.StringFlag{Name: "file-root", Usage: "state tree `DIR` for saltenv base (default ./states)"},
		&cli.StringFlag{Name: "pillar-root", Usage: "pillar `DIR` (default ./pillar when it exists)"},
		&cli.StringSliceFlag{Name: "secret-pillar", Usage: "pillar `PATH` (a:b) whose values are masked in all output (repeatable; also secret_pillar in brine.yaml)"},
		&cli.StringFlag{Name: "cache-dir", Usage: "controller cache `DIR` (default ~/.cache/brine)"},
		&cli.BoolFlag{Name: "trace", Usage: "print each host's network steps (dial, exec, upload) with timings to stderr"},
	}
}
