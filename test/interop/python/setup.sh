#!/usr/bin/env bash
# Installs the Python clients that test/interop/python.test.ts drives into ./.venv.
# Idempotent: a stamp file holds the hash of requirements.txt the venv was built from, and a
# venv whose stamp matches is left alone. Without the venv the test suite skips itself.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "python clients already installed ($venv)"
  exit 0
fi

# --clear: a venv built from other requirements starts afresh, so it holds exactly these.
python3 -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$here/requirements.txt"
# Fail here rather than in the tests when a client or codec cannot load.
"$venv/bin/python" - <<'PY'
import confluent_kafka, kafka, aiokafka
import snappy, lz4.frame, zstandard, crc32c, cramjam
print(f"confluent-kafka {confluent_kafka.version()} (librdkafka {confluent_kafka.libversion()[0]}), "
      f"kafka-python {kafka.__version__}, aiokafka {aiokafka.__version__}")
PY
echo "$want" > "$stamp"
