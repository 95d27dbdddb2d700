#!/usr/bin/env bash
# Fetches librdkafka's source, with its own test suite (tests/), and builds the library and the
# suite's test-runner into ./src/, for test/interop/librdkafka.test.ts. The source is the copy
# that ships inside the npm package @confluentinc/kafka-javascript (deps/librdkafka/); only that
# directory is extracted. Idempotent: a finished build is marked by src/.complete, and a run
# with the stamp in place does nothing.
#
# Needs Debian's compilers and these packages (CI installs them):
#   build-essential (gcc, g++, make), pkg-config, zlib1g-dev, libzstd-dev, libssl-dev, rapidjson-dev
# and npm to fetch the package. LZ4 and snappy are built in. OpenSSL is linked although Spindle
# serves plaintext only: test 0064 needs a client that accepts security.protocol=ssl (it uses an
# unusable SSL setting to make client creation fail). RapidJSON lets the tests that read the
# client's statistics (0053, 0110) parse them. Kerberos (GSSAPI) and curl stay off.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
package="@confluentinc/kafka-javascript@1.10.1"
src="$here/src"
stamp="$src/.complete"
configure=(--enable-zlib --enable-zstd --enable-ssl --disable-gssapi --disable-curl --disable-lz4-ext --disable-syslog)
# The stamp names what was built, so that a change to either rebuilds.
want="$package ${configure[*]}"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "librdkafka's tests already built ($src/tests/test-runner)"
  exit 0
fi

missing=()
for pkg in build-essential pkg-config zlib1g-dev libzstd-dev libssl-dev rapidjson-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
  exit 1
fi

started=$SECONDS
rm -rf "$src"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/deps/librdkafka
mv "$work/package/deps/librdkafka" "$src"

cd "$src"
# --enable makes configure fail, rather than quietly build without, when a library is missing.
# (The log must not be named configure.*: mklove loads every such file as a module.)
./configure "${configure[@]}" >build-configure.log 2>&1 || { cat build-configure.log >&2; exit 1; }
grep -q 'WITH_RAPIDJSON' config.h || { echo "configure did not find RapidJSON (rapidjson-dev)" >&2; exit 1; }
jobs="${JOBS:-2}"
make -j"$jobs" libs >build-make.log 2>&1 || { tail -50 build-make.log >&2; exit 1; }
# `build` is what librdkafka's own CI builds: the test-runner and the interceptor plugin.
make -j"$jobs" -C tests build >>build-make.log 2>&1 || { tail -50 build-make.log >&2; exit 1; }
test -x tests/test-runner

echo "$want" >"$stamp"
echo "librdkafka's tests built in $((SECONDS - started)) s ($src/tests/test-runner)"
