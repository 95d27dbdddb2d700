#!/usr/bin/env bash
# Copies Apache Kafka's broker and tool jars (pom.xml) into bench/kafka/lib/, from Maven's local
# cache (~/.m2) when they are there, from Maven Central otherwise. Idempotent: a finished copy is
# marked by lib/.complete and not redone. Needs Java 17+ and Maven.
set -euo pipefail
cd "$(dirname "$0")"
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' pom.xml)
if [ -f lib/.complete ] && [ "$(cat lib/.complete)" = "$version" ]; then exit 0; fi
rm -rf lib
mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=lib
echo "$version" > lib/.complete
