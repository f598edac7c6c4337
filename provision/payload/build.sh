#!/bin/sh
# Builds the static executors embedded into brine (run by `go generate`).
set -eu
cd "$(dirname "$0")"
for arch in amd64 arm64; do
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags='-s -w -buildid=' -o bin/brine-exec-linux-$arch ../../cmd/brine-exec
	gzip -9 -n -f bin/brine-exec-linux-$arch
done
