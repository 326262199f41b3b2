// Drives the dashboard in Debian's chromium through playwright-core for the C# tests (BrowserDriver.cs). One
// scenario per run, chosen by the first argument; inputs come from ZPM_* environment variables. The test reads
// "READY" (when it should act) and one final "RESULT <json>" line from stdout; anything else is diagnostics.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.ZPM_PLAYWRIGHT_DIR, 'package.json'));
const { chromium } = require('playwright-core');

const url = process.env.ZPM_DASHBOARD_URL;
const shots = process.env.ZPM_SCREENSHOT_DIR;
const deadline = Number(process.env.ZPM_DEADLINE_MS || 90000);
const scenarios = { 'live-row': liveRow, masked, action, overview, thousand };

async function main() {
  const scenario = scenarios[process.argv[2]];
  if (!scenario) throw new Error(`unknown scenario ${process.argv[2]}; one of ${Object.keys(scenarios).join(', ')}`);
  const browser = await chromium.launch({
    executablePath: process.env.ZPM_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // A failed request is reported with its URL below; the console's copy of it names none.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
    });
    // Refused actions are answers the scenarios look at; any other failing request is a broken page.
    page.on('response', (response) => {
      if (response.status() >= 400 && !new URL(response.url()).pathname.startsWith('/api/actions/')) problems.push(`${response.status()} ${response.url()}`);
    });
    const result = await scenario(page);
    console.log(`RESULT ${JSON.stringify({ ...result, problems })}`);
  } finally {
    await browser.close();
  }
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

/** Opens a table and waits until the live stream is connected and the rows are loaded. */
async function openList(page, kind) {
  await page.goto(`${url}#/${kind}`);
  await page.waitForSelector('#connection.live', { timeout: deadline });
  await page.waitForFunction(() => document.querySelector('#rows') && !document.querySelector('#rows').textContent.includes('loading…'), null, { timeout: deadline });
}

async function liveRow(page) {
  const name = process.env.ZPM_SERVICE_NAME;
  await openList(page, 'services');
  // A reload would reset this mark, and the phases seen are recorded from the page's own DOM changes.
  await page.evaluate((watched) => {
    window.zpmMark = 'loaded-once';
    window.zpmPhases = [];
    const record = () => {
      const row = document.querySelector(`tr[data-name="${CSS.escape(watched)}"]`);
      const phase = row && row.dataset.phase;
      if (phase && window.zpmPhases[window.zpmPhases.length - 1] !== phase) window.zpmPhases.push(phase);
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
  }, name);
  console.log('READY');
  await page.waitForSelector(`tr[data-name="${name}"][data-phase="Running"]`, { timeout: deadline });
  const phases = await page.evaluate(() => window.zpmPhases);
  const mark = await page.evaluate(() => window.zpmMark);
  await shot(page, 'services');

  await page.click(`tr[data-name="${name}"] a`);
  await page.waitForSelector('#resource-title', { timeout: deadline });
  const endpoint = page.locator('td a[href^="http://127.0.0.1:"]').first();
  await endpoint.waitFor({ timeout: deadline });
  const endpointHref = await endpoint.getAttribute('href');
  const endpointStatus = (await page.request.get(endpointHref)).status();
  const title = await page.textContent('#resource-title');
  const pageText = await page.textContent('main');
  await shot(page, 'service');
  return { phases, reloaded: mark !== 'loaded-once', endpointHref, endpointStatus, title, pageText, hash: await page.evaluate(() => location.hash) };
}

async function masked(page) {
  const { ZPM_KIND: kind, ZPM_TENANT: tenant, ZPM_NAME: name } = process.env;
  await page.goto(`${url}#/${kind}/${encodeURIComponent(tenant)}/${encodeURIComponent(name)}`);
  await page.waitForSelector('#spec', { timeout: deadline });
  await shot(page, `${kind}-masked`);
  return { html: await page.content(), spec: await page.textContent('#spec') };
}

async function action(page) {
  const { ZPM_KIND: kind, ZPM_TENANT: tenant, ZPM_NAME: name, ZPM_TOKEN: token, ZPM_REPLICAS: replicas } = process.env;
  await page.goto(`${url}#/${kind}/${encodeURIComponent(tenant)}/${encodeURIComponent(name)}`);
  await page.waitForSelector('#resource-title', { timeout: deadline });
  const offered = await page.locator('#actions').count() > 0;
  if (!offered) return { offered };
  await page.fill('#token', token || '');
  await page.fill('#replicas', replicas);
  await page.click('#scale');
  await page.waitForFunction(() => document.querySelector('#action-message')?.textContent.trim().length > 0, null, { timeout: deadline });
  await shot(page, `${kind}-action`);
  return { offered, message: await page.textContent('#action-message') };
}

/** A table of many services: paged, filtered as one types, and still changed live while filtered. */
async function thousand(page) {
  const name = process.env.ZPM_SERVICE_NAME;
  await openList(page, 'services');
  const before = {
    count: await page.textContent('[data-count="services"]'),
    shown: await page.textContent('#shown'),
    pages: await page.textContent('#page'),
    rows: await page.locator('#rows tr').count(),
  };
  await page.click('#next');
  const secondPageFirst = await page.getAttribute('#rows tr:first-child', 'data-name');
  // How long one keystroke's filtering and redraw takes in the page, measured there (a figure, not a test).
  const filterMs = await page.evaluate((text) => {
    const input = document.getElementById('filter');
    const started = performance.now();
    input.value = text;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    return performance.now() - started;
  }, name);
  const filtered = { shown: await page.textContent('#shown'), rows: await page.locator('#rows tr').count() };
  await shot(page, 'services-filtered');
  console.log('READY');
  await page.waitForSelector(`tr[data-name="${name}"][data-phase="Running"]`, { timeout: deadline });
  return { before, secondPageFirst, filterMs, filtered };
}

/** The pages a person looks at first, for the README: every table, then the first service's page. */
async function overview(page) {
  for (const kind of ['tenants', 'integrations', 'catalog', 'services']) {
    await openList(page, kind);
    await shot(page, kind);
  }
  return { title: await page.title() };
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
