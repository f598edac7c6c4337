// Command brine-exec is the small static executor brine uploads to each
// target. It reads one request on stdin and answers in JSON on stdout; see
// package brine/provision/executor.
package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"brine/provision/executor"
)

func main() {
	ready := flag.Bool("ready", false, "print a ready line before reading the request")
	local := flag.Bool("local", false, "skip the self-check (run from a build directory)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := executor.Serve(ctx, executor.Options{Ready: *ready, SkipSelfCheck: *local}, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
