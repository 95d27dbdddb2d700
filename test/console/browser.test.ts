/**
 * The web console in a real browser: headless Chromium from Debian's `chromium` package
 * (/usr/bin/chromium), driven by playwright-core, against a broker started in-process. It
 * creates a topic, alters it and adds partitions from the page, sees a record produced through
 * the client in the message browser, sees a group's lag in the groups views, resets the
 * group's offsets and deletes a topic with its confirmation. Every page is saved as a PNG in a
 * temporary directory (SPINDLE_SCREENSHOT_DIR to choose it), printed at the end, as artefacts.
 *
 * Skipped, under a name that says so, when /usr/bin/chromium is not installed. Conditions
 * evaluated in the page are strings: this project compiles without the DOM's types.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import type { RunningBroker } from '../../src/broker/server.js';
import { Admin, Client, Consumer, Producer } from '../../src/client/index.js';
import { VERSION } from '../../src/console/server.js';
import { CHROMIUM, consoleBroker, eventually, hasChromium, launchChromium } from './helpers.js';
import { needs } from '../helpers/needs.js';

const shotsDir = process.env.SPINDLE_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'spindle-console-screenshots-'));
mkdirSync(shotsDir, { recursive: true });

const name = 'in headless Chromium: create a topic, alter it, see a produced record in the message browser and a group’s lag, reset it, delete a topic';
const run = needs(hasChromium ? '' : `${CHROMIUM} is not installed`);

run(name, async () => {
  const b: RunningBroker = await consoleBroker({ 'group.initial.rebalance.delay.ms': 0 });
  const client = new Client({ bootstrapServers: b.bootstrap, clientId: 'browser-test' });
  const admin = new Admin(client);
  const browser = await launchChromium();
  const pageErrors: string[] = [];
  try {
    const page: Page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    const shot = (file: string) => page.screenshot({ path: join(shotsDir, file), fullPage: true });
    const base = b.consoleUrl!;

    // Overview: live from the event stream, with the broker's version.
    await page.goto(`${base}/`);
    await page.waitForSelector('#live.on');
    assert.is(await page.textContent('#version'), VERSION);
    assert.match((await page.textContent('#listeners'))!, new RegExp(`:${b.port}`));
    await page.waitForSelector('svg.chart');
    await shot('overview.png');

    // Create a topic from the Topics page.
    await page.click('a[data-nav="topics"]');
    await page.waitForSelector('#create-name');
    await page.fill('#create-name', 'browser-orders');
    await page.fill('#create-partitions', '2');
    await page.fill('#create-configs', 'retention.ms=3600000');
    await page.click('#create-submit');
    await page.waitForFunction(`location.hash === '#/topics/browser-orders'`);
    await page.waitForSelector('#partitions tbody tr');
    assert.is(await page.locator('#partitions tbody tr').count(), 2);
    const [described] = await admin.describeTopics(['browser-orders']);
    assert.is(described!.partitions.length, 2);

    // Alter a config and add a partition from the topic page.
    await page.fill('#config-name', 'retention.ms');
    await page.fill('#config-value', '7200000');
    await page.click('#config-submit');
    await page.waitForSelector('#overrides td:has-text("7200000")');
    const entries = await admin.describeConfigs('topic', 'browser-orders', { keys: ['retention.ms'] });
    assert.is(entries[0]!.value, '7200000');
    await page.fill('#partition-count', '3');
    await page.click('#partition-submit');
    await page.waitForFunction(`document.querySelectorAll('#partitions tbody tr').length === 3`);
    await shot('topic.png');

    // A record produced through the client shows in the message browser, as JSON.
    const producer = new Producer(client, { lingerMs: 0 });
    await producer.send({ topic: 'browser-orders', partition: 0, key: 'hello-key', value: JSON.stringify({ greeting: 'hello from the client', n: 1 }), headers: [{ key: 'origin', value: 'test' }] });
    await page.goto(`${base}/#/messages?topic=browser-orders&partition=0`);
    await page.waitForSelector('#records tr.record');
    assert.is(await page.textContent('#records tr.record .record-key'), 'hello-key');
    await page.click('#mb-format button[data-format="json"]');
    await page.click('#records tr.record');
    await page.waitForSelector('#records tr.detail:not([hidden]) pre.value');
    const shown = await page.textContent('#records tr.detail:not([hidden]) pre.value');
    assert.match(shown!, /"greeting": "hello from the client"/);
    assert.match((await page.textContent('#records tr.detail:not([hidden])'))!, /origin=test/);
    await shot('messages.png');
    for (let i = 2; i <= 5; i++) await producer.send({ topic: 'browser-orders', partition: 0, key: `other-${i}`, value: `plain ${i}` });
    await page.fill('#mb-q', 'hello');
    await page.selectOption('#mb-from', 'oldest');
    await page.click('#mb-load');
    await page.waitForFunction(`/Read 5 record/.test(document.querySelector('#mb-summary')?.textContent ?? '')`);
    assert.is(await page.locator('#records tr.record').count(), 1);

    // A group that read one record and left: Empty, lag 4 on partition 0.
    const consumer = new Consumer(client, { groupId: 'browser-readers', autoOffsetReset: 'earliest', maxPollRecords: 1, autoCommit: false });
    await consumer.subscribe(['browser-orders']);
    while ((await consumer.poll()).length === 0);
    await consumer.commit();
    await consumer.close();
    await page.click('a[data-nav="groups"]');
    await page.waitForSelector('#groups tr[data-group="browser-readers"]');
    assert.is(await page.textContent('#groups tr[data-group="browser-readers"] .group-lag'), '4');
    await shot('groups.png');
    await page.click('#groups a:has-text("browser-readers")');
    await page.waitForSelector('#offsets tr[data-partition="browser-orders-0"]');
    assert.is(await page.textContent('#group-total-lag'), '4');
    assert.is(await page.textContent('#offsets tr[data-partition="browser-orders-0"] .partition-lag'), '4');
    await page.waitForSelector('svg.chart');
    await shot('group.png');

    // Reset the empty group to the earliest offsets: lag 5.
    await page.selectOption('#reset-to', 'earliest');
    await page.click('#reset-submit');
    await page.click('#confirm-ok');
    await eventually(async () => (await admin.fetchGroupOffsets('browser-readers')).some((o) => o.partition === 0 && o.offset === 0), 5_000, 'the reset to be committed');
    await page.waitForFunction(`document.querySelector('#group-total-lag')?.textContent === '5'`);

    // Delete a topic: the button asks for the name first.
    await admin.createTopics([{ name: 'browser-scratch', numPartitions: 1 }]);
    await page.goto(`${base}/#/topics/browser-scratch`);
    await page.click('#delete-topic');
    assert.is(await page.isDisabled('#confirm-ok'), true);
    await page.fill('#confirm-input', 'browser-scratch');
    await page.click('#confirm-ok');
    await page.waitForFunction(`location.hash === '#/topics'`);
    await page.waitForSelector('#topics tr[data-topic="browser-orders"]');
    assert.is(await page.locator('#topics tr[data-topic="browser-scratch"]').count(), 0);
    assert.not.ok((await admin.listTopics()).includes('browser-scratch'));
    await shot('topics.png');

    await producer.close();
    assert.equal(pageErrors, []);
    console.log(`screenshots in ${shotsDir}`);
  } finally {
    await browser.close();
    await client.close();
    await b.close();
  }
});

test.run();
