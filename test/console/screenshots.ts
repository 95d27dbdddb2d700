/**
 * Makes the README's screenshots of the web console (not a test: the runner takes only
 * *.test.js files). Starts a broker, creates a few topics, runs producers and consumer groups
 * for a while so that the live charts have something to show, then saves one PNG per page.
 *
 *   npm run build && node dist/test/console/screenshots.js docs/screenshots [traffic seconds, default 280]
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Admin, Client, Consumer, Producer } from '../../src/client/index.js';
import { consoleBroker, hasChromium, launchChromium } from './helpers.js';

const out = resolve(process.argv[2] ?? 'docs/screenshots');
const trafficSeconds = Number(process.argv[3] ?? 280);
if (!hasChromium) throw new Error('needs /usr/bin/chromium');
mkdirSync(out, { recursive: true });

const b = await consoleBroker({ 'num.io.threads': 2 });
const client = new Client({ bootstrapServers: b.bootstrap });
const admin = new Admin(client);
await admin.createTopics([
  { name: 'orders', numPartitions: 3, configs: { 'retention.ms': String(3 * 86_400_000) } },
  { name: 'payments', numPartitions: 2 },
  { name: 'audit-log', numPartitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '1048576' } },
  { name: 'clickstream', numPartitions: 6, configs: { 'retention.bytes': '1073741824' } },
]);

const producer = new Producer(client, { lingerMs: 5 });
const customers = ['ada', 'grace', 'linus', 'margaret', 'barbara', 'ken', 'dennis'];
let running = true;
let n = 0;
const produceLoop = (async () => {
  const started = Date.now();
  while (running) {
    // A rate that swells and ebbs, so the charts have a shape: 150-650 records a second.
    const t = (Date.now() - started) / 1000;
    const perTick = Math.round(15 + 10 * Math.sin(t / 12) + 5 * Math.sin(t / 3.7));
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < perTick; i++) {
      n++;
      const who = customers[n % customers.length]!;
      sends.push(producer.send({ topic: 'orders', key: who, value: JSON.stringify({ orderId: n, customer: who, items: [{ sku: `SKU-${n % 97}`, qty: 1 + (n % 3) }], total: Math.round((n % 500) * 1.37 * 100) / 100, currency: 'EUR' }), headers: [{ key: 'source', value: 'web' }] }));
      if (n % 3 === 0) sends.push(producer.send({ topic: 'payments', key: `order-${n}`, value: JSON.stringify({ orderId: n, status: n % 17 === 0 ? 'declined' : 'authorised', amount: (n % 500) * 1.37 }) }));
      if (n % 2 === 0) sends.push(producer.send({ topic: 'clickstream', key: who, value: `GET /products/${n % 211} ${200 + (n % 50 === 0 ? 204 : 0)}` }));
      if (n % 25 === 0) sends.push(producer.send({ topic: 'audit-log', key: `user-${n % 40}`, value: JSON.stringify({ action: 'login', at: new Date().toISOString() }) }));
    }
    await Promise.all(sends);
    await new Promise((r) => setTimeout(r, 40));
  }
})();

// "analytics" keeps up with payments; "billing" read part of orders and stopped (Empty, with lag).
const analytics = new Consumer(new Client({ bootstrapServers: b.bootstrap, clientId: 'analytics-1' }), { groupId: 'analytics', autoOffsetReset: 'earliest', autoCommitIntervalMs: 1000 });
await analytics.subscribe(['payments']);
const consumeLoop = (async () => {
  while (running) await analytics.poll();
})();
await new Promise((r) => setTimeout(r, 1_000));
const billing = new Consumer(new Client({ bootstrapServers: b.bootstrap, clientId: 'billing-1' }), { groupId: 'billing', autoOffsetReset: 'earliest' });
await billing.subscribe(['orders']);
let got = 0;
while (got < 100) got += (await billing.poll()).length;
await billing.close();
await billing.client.close();

await new Promise((r) => setTimeout(r, trafficSeconds * 1000));

const browser = await launchChromium();
const page = await browser.context.newPage();
const shot = async (hash: string, file: string, ready: string, fullPage = false): Promise<void> => {
  await page.goto(`${b.consoleUrl}/${hash}`);
  await page.waitForSelector(ready);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(out, file), fullPage });
  console.log(`saved ${file}`);
};
await shot('#/', 'overview.png', 'svg.chart path', true);
await shot('#/topics', 'topics.png', '#topics tbody tr');
await shot('#/topics/orders', 'topic.png', '#partitions tbody tr', true);
await page.goto(`${b.consoleUrl}/#/messages?topic=orders&partition=0&from=newest&limit=12&format=json`);
await page.waitForSelector('#records tr.record');
await page.click('#records tr.record');
await page.waitForTimeout(500);
await page.screenshot({ path: join(out, 'messages.png'), fullPage: true });
console.log('saved messages.png');
await shot('#/groups', 'groups.png', '#groups tbody tr');
await shot('#/groups/billing', 'group.png', '#offsets tbody tr', true);

await browser.close();
running = false;
await Promise.all([produceLoop, consumeLoop]);
await analytics.close();
await analytics.client.close();
await producer.close();
await client.close();
await b.close();
