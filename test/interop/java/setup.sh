#!/usr/bin/env bash
# Copies kafka-clients at each version the interop suite runs (the newest 4.x and the newest 3.9.x)
# into lib-<version>/, from Maven's local cache (~/.m2) when they are there, from Maven Central
# otherwise. Idempotent: a finished copy is marked by lib-<version>/.complete. Needs Java 17+ and Maven.
set -euo pipefail
cd "$(dirname "$0")"
for version in $(cat VERSIONS); do
  [ -f "lib-$version/.complete" ] && continue
  rm -rf "lib-$version"
  mvn -q -B dependency:copy-dependencies -Dkafka.version="$version" -DincludeScope=runtime -DoutputDirectory="lib-$version"
  touch "lib-$version/.complete"
done
