#!/usr/bin/env bash
# Fetches the Go modules test/interop/go.test.ts builds against, so that the test itself never
# touches the network (it builds with GOPROXY=off), and compiles the program once so that the
# test's own build is served from Go's build cache. Safe to run again: both steps are no-ops
# once done.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v go >/dev/null 2>&1; then
  echo "go is not installed; test/interop/go.test.ts will be skipped" >&2
  exit 0
fi
go mod download
go build -mod=readonly -buildvcs=false -o /dev/null .
