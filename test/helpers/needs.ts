/**
 * Tests that need an outside program (kcat, Java and Kafka's jars, Go, the Python clients,
 * Chromium, the zstd tool, root for a loop device, …): `needs(missing)` gives `test` when
 * nothing is missing, and otherwise a registration that skips the test with the reason, so that
 * `npm test` passes on any machine. .ci/run installs every such program first and sets
 * SPINDLE_REQUIRE_TOOLCHAINS=1, under which a missing program fails the test instead: CI can
 * never pass by skipping.
 *
 *   needs(hasKcat ? '' : 'kcat is not installed')('kcat reads back …', async () => { … });
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';

export const REQUIRE_TOOLCHAINS = process.env.SPINDLE_REQUIRE_TOOLCHAINS === '1';

type Register = (name: string, fn: () => unknown) => void;

export function needs(missing: string): Register {
  if (!missing) return test as Register;
  if (REQUIRE_TOOLCHAINS) {
    return (name) =>
      test(name, () => {
        assert.unreachable(`${missing}; .ci/run installs it first, so this run must have it`);
      });
  }
  return (name, fn) => test.skip(`${name} (skipped: ${missing})`, fn as () => void);
}
