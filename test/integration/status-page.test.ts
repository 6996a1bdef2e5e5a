import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger.js';
import { startStatus, type RunningStatus } from '../../src/status/index.js';
import { recordVerification, startPaymentsReplica, type PaymentsReplica } from '../helpers/payments-replica.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = 'test-results/status-page.png';
const TOKEN = 'status-page-test-token';
const WINDOW_MS = 8_000;

// Issue #6 item 6, acceptance: the cutover lead's page, rendered by a real browser
// (Debian's chromium, headless) against a live payments replica, read as a person reads it.
describe('status page in headless Chromium', () => {
  let replica: PaymentsReplica;
  let status: RunningStatus;
  let browser: Browser;
  let startedAt: number;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (the status-page test drives it)`);
    replica = await startPaymentsReplica('statusPage', {
      good: 30,
      nullAmounts: 2,
      overrides: (c) => ({
        lag: { ...c.lag, sampleIntervalMs: 500 },
        // A generous bound: this test is about what the page shows, not how fast a loaded machine replicates.
        gate: { maxLagMs: 30_000, windowMs: WINDOW_MS },
        status: { ...c.status, token: TOKEN },
      }),
    });
    status = await startStatus(replica.config, createLogger({ level: 'warn' }), ['payments'], { host: '127.0.0.1', port: 0 });
    startedAt = Date.now();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await status?.stop();
    await replica?.close();
  }, 120_000);

  it('without the token it shows only the token form, no data', async () => {
    const page = await browser.newPage();
    await page.goto(status.url);
    await page.locator('form#auth').waitFor({ state: 'visible' });
    expect(await page.locator('#error').innerText()).toContain('the bearer token is missing or wrong');
    expect(await page.locator('#collections tbody tr').count()).toBe(0);
    await page.close();
  }, 30_000);

  it('shows each collection with its stage lags, a lag chart, rejected count, the verification and the gate', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
    await page.goto(`${status.url}#token=${TOKEN}`);
    const row = page.locator('tr[data-collection="payments"]');
    await row.waitFor({ state: 'visible', timeout: 20_000 });

    // No verification yet: the gate is not open and says why.
    await expect.poll(() => page.locator('#gate h2').innerText(), { timeout: 15_000 }).toMatch(/^Gate: (CLOSED|UNDECIDED)/);
    expect(await page.locator('#gate').innerText()).toContain('verification: none has finished yet (run tidemark verify)');
    expect(await page.locator('#verification h2').innerText()).toBe('Last verification: none has finished yet');

    // Once the samples cover the gate window and a clean verification is recorded, the page turns open by itself.
    await expect.poll(() => row.locator('td').nth(1).innerText(), { timeout: 15_000 }).toBe('streaming');
    const streamingAt = Date.now();
    await new Promise((r) => setTimeout(r, Math.max(0, Math.max(startedAt, streamingAt) + WINDOW_MS + 1_000 - Date.now())));
    await recordVerification(replica.pool, { clean: true, differences: 0 });
    await expect.poll(() => page.locator('#gate').innerText(), { timeout: 8_000 }).toMatch(/^Gate: OPEN — reads may flip to PostgreSQL\n/);
    expect(await page.locator('#verification h2').innerText()).toMatch(/^Last verification: clean, 0 differences, finished \d+(\.\d)? (ms|s) ago$/);

    const headers = await page.locator('#collections thead th').allInnerTexts();
    const cells = Object.fromEntries(headers.map((h, i) => [h, ''] as [string, string]).map(([h], i) => [h, i]));
    const texts = await row.locator('td').allInnerTexts();
    const cell = (header: string) => texts[cells[header]!]!;
    expect(cell('Collection')).toBe('payments');
    expect(cell('Source')).toBe('streaming');
    expect(cell('Kafka records')).toBe('0');
    expect(cell('Apply lag')).toBe('0 ms');
    for (const h of ['Source lag', 'End-to-end']) expect(cell(h), h).toMatch(/^\d+(\.\d)? (ms|s)$/);
    expect(cell('p50 / p99 (window)')).toMatch(/^\d+(\.\d)? (ms|s) \/ \d+(\.\d)? (ms|s)$/);
    expect(cell('Parked')).toBe('0');
    expect(cell('Rejected')).toBe('2'); // the two NULL amounts, on the dead-letter topic

    // The chart: a line of lag samples under the dashed gate bound.
    const chart = row.locator('svg.chart');
    // The chart spans what has been sampled (up to ten minutes): a line across its width.
    const points = async () => ((await chart.locator('polyline.lag').first().getAttribute('points')) ?? '').split(' ').filter(Boolean).map((p) => p.split(',').map(Number));
    await expect.poll(async () => (await points()).length, { timeout: 10_000 }).toBeGreaterThan(5);
    const xy = await points();
    for (const [x, y] of xy) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(260);
      expect(y).toBeGreaterThanOrEqual(15);
      expect(y).toBeLessThanOrEqual(52);
    }
    expect(xy[0]![0]).toBeLessThan(130);
    expect(xy.at(-1)![0]).toBeGreaterThan(230);
    expect(await page.locator('#chart-head').innerText()).toMatch(/^End-to-end, last \d+(\.\d)? s$/);
    expect(await chart.locator('text.peak').innerHTML()).toMatch(/^peak \d+(\.\d)? (ms|s)$/);
    expect(await chart.locator('line.bound').count()).toBe(1);
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    expect(box!.height).toBeGreaterThan(30);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a'); // PNG signature
    expect(png.readUInt32BE(16)).toBe(1400); // IHDR width: the viewport
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
    await page.close();
  }, 60_000);
});
