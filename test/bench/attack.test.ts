/**
 * The attack tool's command line and its verdict (bench/attack.ts); the attacks themselves are
 * benchmarks, run by hand (`npm run bench:attack`), never in the test suite.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_RSS_CAP_BYTES, type LatencyStats, parseAttackArgs, SCENARIOS, type ScenarioResult, verdictOf } from '../../bench/attack.js';

test('the defaults are 20 s per scenario, 200 flood connections and a 3 GiB RSS cap; options change them', () => {
  const d = parseAttackArgs([]);
  assert.ok(typeof d !== 'string');
  assert.equal([d.seconds, d.floodConnections, d.rssCapBytes], [20, 200, DEFAULT_RSS_CAP_BYTES]);
  const o = parseAttackArgs(['--seconds', '5', '--only', 'flood,claims', '--rss-cap-mib', '1024', '--override', 'queued.max.requests=100']);
  assert.ok(typeof o !== 'string');
  assert.equal([o.seconds, o.only, o.rssCapBytes, o.overrides], [5, ['flood', 'claims'], 1024 * 1024 * 1024, { 'queued.max.requests': '100' }]);
});

test('a bad option is named in the error, and --help asks for the usage', () => {
  assert.match(parseAttackArgs(['--seconds', 'x']) as string, /--seconds needs a number/);
  assert.match(parseAttackArgs(['--bogus']) as string, /unknown option '--bogus'/);
  assert.is(parseAttackArgs(['-h']), 'help');
});

test('the scenarios cover the three floods, the three codecs and the claims', () => {
  const ids = SCENARIOS.map((s) => s.id);
  for (const id of ['flood-fetch', 'flood-describe-configs', 'flood-metadata', 'bomb-gzip', 'bomb-zstd', 'bomb-lz4', 'claims']) assert.ok(ids.includes(id), id);
});

const stats = (over: Partial<LatencyStats> = {}): LatencyStats => ({ sent: 10, answered: 10, errors: 0, unanswered: 0, failed: 0, skipped: 0, p50Ms: 1, p99Ms: 5, maxMs: 8, ...over });
const result = (over: Partial<ScenarioResult['broker']> = {}, control = { metadata: stats(), produce: stats(), newConnection: stats() }): ScenarioResult => ({
  id: 'x',
  description: 'x',
  status: 'ok',
  seconds: 1,
  broker: { peakRssBytes: 1, endRssBytes: 1, killedAtRssCap: null, exited: null, answeredAfter: true, afterMs: 1, ...over },
  attacker: { peakRssBytes: 1 },
  control,
  verdict: '',
});

test('the verdict: served when every control request was answered within a second; slowly past it; stopped when any went unanswered', () => {
  assert.is(verdictOf(result()), 'served others');
  assert.is(verdictOf(result({}, { metadata: stats({ maxMs: 1500 }), produce: stats(), newConnection: stats() })), 'served others, slowly');
  assert.is(verdictOf(result({}, { metadata: stats(), produce: stats({ unanswered: 3 }), newConnection: stats() })), 'stopped serving others');
  assert.is(verdictOf(result({}, { metadata: stats(), produce: stats(), newConnection: stats({ failed: 1 }) })), 'stopped serving others');
});

test('a broker killed at the cap or gone by itself says so before anything about the control client', () => {
  assert.is(verdictOf(result({ killedAtRssCap: { atSec: 2, rssBytes: 4e9 } })), 'killed at the RSS cap');
  assert.is(verdictOf(result({ exited: { code: 1, signal: null, stderrTail: '' } })), 'broker exited');
});

test.run();
