// For bench/history_index.py: loads the builds page of PW_URL in headless chromium PW_RUNS times
// (a fresh page each time) and prints the median first contentful paint and the time until the
// builds table is filled (the page is usable), both from navigation start, as JSON.
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.env.PW_RUNS || 5);
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'pw-chromium-')), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync'],
});
const fcp = [];
const ready = [];
for (let i = 0; i < runs; i++) {
  const page = await ctx.newPage();
  await page.goto(process.env.PW_URL, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('tr.build-row');
  const r = await page.evaluate(() => ({
    ready: performance.now(),
    fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
  }));
  fcp.push(r.fcp);
  ready.push(r.ready);
  await page.close();
}
await ctx.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(JSON.stringify({ fcp_ms: median(fcp), table_ms: median(ready), runs }));
