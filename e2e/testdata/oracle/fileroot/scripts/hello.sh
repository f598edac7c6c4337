#!/bin/sh
# the oracle's cmd.script: prints its arguments, where it runs and who runs it; exits with $2 (0 when absent)
echo "hello ${1:-nobody} in $(pwd) as $(id -un) greeting=${GREETING:-none}"
echo "to stderr" >&2
exit "${2:-0}"
