// Package statetest holds small helpers shared by the state modules' tests.
package statetest

import (
	"fmt"
	"strings"

	"brine/provision/lowstate"
)

// Result formats a state's result the way Salt prints it: "None" for a
// test-mode prediction, otherwise "true" or "false".
func Result(r *lowstate.Result) string {
	if r.Result == nil {
		return "None"
	}
	return fmt.Sprint(*r.Result)
}

// SleeperInitScript returns a start-stop-daemon SysV init script for a
// service "sleeper" (/bin/sleep 300) whose pid file is <root>/run/sleeper.pid,
// like the init scripts on the e2e hosts.
func SleeperInitScript(root string) string {
	return strings.ReplaceAll(`#!/bin/sh
PIDFILE=@ROOT@/run/sleeper.pid
case "$1" in
  start)   start-stop-daemon --start --quiet --background --make-pidfile --pidfile $PIDFILE --exec /bin/sleep -- 300 ;;
  stop)    start-stop-daemon --stop --quiet --retry 5 --remove-pidfile --pidfile $PIDFILE --exec /bin/sleep; rc=$?; [ $rc -eq 1 ] && exit 0; exit $rc ;;
  status)  start-stop-daemon --status --pidfile $PIDFILE --exec /bin/sleep ;;
  restart) "$0" stop && "$0" start ;;
  *) echo "Usage: $0 {start|stop|status|restart}" >&2; exit 3 ;;
esac
`, "@ROOT@", root)
}
