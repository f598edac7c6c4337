// Command brine-exec is the small static executor brine uploads to each
// target. It reads one request on stdin and answers in JSON on stdout; see
// package brine/provision/host/executor.
package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"brine/provision/host/executor"
)

func main() {
	ready := flag.Bool("ready", false, "print a ready line before reading the request")
	local := flag.Bool("local", false, "skip the self-check and housekeeping (run from a build directory)")
	guard := flag.Bool("guard", false, "internal: the guardian that ends the commands of a killed executor")
	verify := flag.String("verify", "", "check that this executor's sha256 is `SHA` before anything else (hosts without sha256sum)")
	flag.Parse()
	if *guard {
		os.Exit(executor.Guardian(os.Stdin))
	}
	// A signal stops the run at the next state boundary, like a Stop from
	// the controller: SIGINT/SIGTERM from an operator on the host, SIGHUP
	// from a session that ended.
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		cancel(executor.Stopped("signal " + s.String() + " on the host"))
	}()
	code := executor.Serve(ctx, executor.Options{Ready: *ready, SkipSelfCheck: *local, Verify: *verify, Guard: true}, os.Stdin, os.Stdout, os.Stderr)
	os.Exit(code)
}
