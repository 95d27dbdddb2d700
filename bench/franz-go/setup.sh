#!/usr/bin/env bash
# Builds the franz-go load generator (bench/franz-go) into bench/franz-go/franz-go-perf, fetching
# its modules through the Go module proxy into Go's module cache the first time. Needs Go.
set -euo pipefail
cd "$(dirname "$0")"
go mod download
go build -o franz-go-perf .
