// End-to-end test of the dashboard in Debian's chromium, driven by playwright-core (npm's browser
// download does not work here). tests/integration/test_dashboard_browser.py (web/e2e so that it finds web/node_modules) prepares the project
// and the server and runs this with the facts to check in the environment; it exits non-zero
// with the failed check's message, and leaves screenshots in PW_SHOTS for a person to look at.
import { chromium } from 'playwright-core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = process.env;
const url = env.PW_URL;
const shots = env.PW_SHOTS;
const failing = env.PW_FAILING_BUILD;
const firstFailed = env.PW_FIRST_FAILED;
const running = env.PW_RUNNING_BUILD;
const release = env.PW_RELEASE_FILE;
// A bound for a condition that should come true, not a speed check: chromium's first start on
// a loaded 2-core machine once took more than 20 s.
const timeout = 60000;

function check(cond, msg) {
  if (!cond) throw new Error('check failed: ' + msg);
  console.log('ok - ' + msg);
}

// A fresh profile each run (playwright passes it to chromium as --user-data-dir).
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'pw-chromium-')), {
  executablePath: env.PW_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  // The builds page lists every build, the running one marked live.
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('tr.build-row', { timeout });
  const rows = await page.locator('tr.build-row').count();
  check(rows >= Number(env.PW_BUILDS), `builds page lists ${rows} builds (>= ${env.PW_BUILDS})`);
  check((await page.locator(`tr.build-row[data-number="${running}"] .live`).count()) === 1, `build #${running} is shown running`);
  await page.screenshot({ path: `${shots}/1-builds.png`, fullPage: true });

  // The failing build: its failing test, the message and the build it first failed in.
  await page.click(`tr.build-row[data-number="${failing}"] a`);
  await page.waitForSelector('.dag .stage', { timeout });
  await page.screenshot({ path: `${shots}/2-build.png`, fullPage: true });
  await page.click('nav.tabs a:has-text("Tests")');
  const fail = page.locator('.test-fail').first();
  await fail.waitFor({ timeout });
  const text = await fail.innerText();
  check(text.includes('tests/test_calc.py::test_sub'), 'the failing test is named');
  check(text.includes('assert 1 == 2'), 'its message is shown');
  check(text.includes('tests/test_calc.py:14'), 'with file:line');
  const ff = (await fail.locator('.first-failed').innerText()).trim();
  check(ff === `#${firstFailed}`, `first failed in #${firstFailed} (page says ${ff})`);
  await page.screenshot({ path: `${shots}/3-tests.png`, fullPage: true });

  // Its log, ANSI colours rendered, the failing line first.
  await page.click('a:has-text("open the tests log")');
  await page.waitForSelector('pre#log', { timeout });
  await page.waitForFunction(() => document.querySelector('pre#log').textContent.includes('FAILED'), null, { timeout });
  check((await page.locator('pre#log span.fg1').count()) >= 1, 'the log shows ANSI red as colour, not escape codes');
  check(!(await page.locator('pre#log').innerText()).includes('\x1b'), 'no raw escape characters');
  check((await page.locator('details.failing').count()) === 1, 'the failing lines are shown first');
  await page.screenshot({ path: `${shots}/4-log.png`, fullPage: true });

  // A running build updates without a reload: the overview's stages and the log's tail.
  const live = await browser.newPage();
  await live.goto(`${url}#/build/${running}`, { waitUntil: 'domcontentloaded' });
  await live.waitForSelector('.dag .stage.st-RUNNING', { timeout });
  await live.evaluate(() => (window.__noReload = true));
  const logPage = await browser.newPage();
  await logPage.goto(`${url}#/build/${running}/log/slow`, { waitUntil: 'domcontentloaded' });
  await logPage.waitForFunction(() => (document.querySelector('pre#log') || {}).textContent?.includes('step 2'), null, { timeout });
  await logPage.evaluate(() => (window.__noReload = true));
  await live.screenshot({ path: `${shots}/5-running.png`, fullPage: true });
  writeFileSync(release, 'go\n');
  await logPage.waitForFunction(() => document.querySelector('pre#log').textContent.includes('done'), null, { timeout });
  check(await logPage.evaluate(() => window.__noReload === true), 'the log tail arrived without a reload');
  await live.waitForFunction(() => !document.querySelector('.dag .stage.st-RUNNING') && document.querySelector('h1 .badge')?.textContent !== 'RUNNING', null, { timeout });
  check(await live.evaluate(() => window.__noReload === true), 'the stages updated without a reload');
  const status = await live.locator('h1 .badge').first().innerText();
  check(status !== 'RUNNING', `the build's status became ${status}`);
  await live.screenshot({ path: `${shots}/6-finished.png`, fullPage: true });
  await logPage.screenshot({ path: `${shots}/7-live-log.png`, fullPage: true });

  // Trends draw their charts (uPlot canvases).
  await page.goto(`${url}#/trends`);
  await page.waitForSelector('.chart canvas', { timeout });
  check((await page.locator('.chart').count()) >= 4, 'trends draws its charts');
  await page.screenshot({ path: `${shots}/8-trends.png`, fullPage: true });

  check(errors.length === 0, `no script errors (${errors.join('; ')})`);
} finally {
  await browser.close();
}
