#!/usr/bin/env bash
# Copies kafka-streams (pom.xml's version) and its run-time dependencies into lib/, from Maven's
# local cache (~/.m2) when they are there, from Maven Central otherwise, then compiles
# WordCount.java into build/. Idempotent: a finished copy is marked by lib/.complete, and the app
# is compiled again whenever WordCount.java is newer than its class. Needs Java 17+ and Maven.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f lib/.complete ]; then
  rm -rf lib
  mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=lib
  touch lib/.complete
fi
if [ ! -f build/WordCount.class ] || [ WordCount.java -nt build/WordCount.class ]; then
  rm -rf build
  javac -nowarn -d build -cp 'lib/*' WordCount.java
fi
