#!/bin/sh
# Builds the static executors embedded into brine (run by `go generate`),
# with the flags of payload.BuildFlags.
set -eu
cd "$(dirname "$0")"
for arch in amd64 arm64; do
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -gcflags=all=-l -ldflags='-s -w -buildid=' -o bin/brine-exec-linux-$arch ../../../cmd/brine-exec
	sha256sum bin/brine-exec-linux-$arch | cut -d' ' -f1 > bin/brine-exec-linux-$arch.sha256
	gzip -9 -n -f bin/brine-exec-linux-$arch
done
