// The web UI in a real browser: headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) on a real master and agent listening on
// 127.0.0.1, running the test framework. It sees tasks appear and finish
// without a reload, reads a finished task's stdout in the sandbox browser,
// downloads it, follows a link to the agent and comes back with the back
// button. Screenshots go to test-output/webui/ (printed at the end).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startAgent, type StartedAgent } from '../../../agent/main.js';
import { silentLogger } from '../../../agent/containerizer/index.js';
import { runTestFramework } from '../../../examples/test-framework/test-framework.js';
import { loadWebUi } from '../../http-webui.js';
import { startMaster, type MasterServer } from '../../main.js';

// The browser's globals as the functions run in the page use them (this file is type-checked without the DOM lib).
interface PageElement {
  readonly textContent: string | null;
  querySelector(selector: string): PageElement | null;
}
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement> };
declare const window: Record<string, unknown>;

const quiet = createLogger('webui-test', 'silent');
const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const OUT = fileURLToPath(new URL('../../../test-output/webui/', import.meta.url));
const TASKS = 3;

let master: MasterServer | undefined;
let agent: StartedAgent | undefined;
let browser: Browser | undefined;
let fwRuntime: Runtime | undefined;
let work = '';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`web UI test: no Chromium at ${CHROMIUM}; install Debian's package (apt-get install -y chromium; \`make test\` does it) or set CHROMIUM to its path`);
  const ui = loadWebUi(fileURLToPath(new URL('../../', import.meta.url)));
  if (ui.problem !== undefined) throw new Error(`web UI test: ${ui.problem}`);
  work = mkdtempSync(join(tmpdir(), 'mesos-ts-webui-'));
  mkdirSync(OUT, { recursive: true });
  master = await startMaster({ ip: '127.0.0.1', port: 0, flags: { cluster: 'webui-test' }, logger: quiet });
  agent = await startAgent({ master: master.runtime.address, port: 0, work_dir: join(work, 'agent'), resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31010]', fsync: false, seed: 7 }, { logger: silentLogger });
  fwRuntime = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock }), clock: realClock, name: 'test-framework', logger: quiet }).start();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await fwRuntime?.stop();
  await agent?.stop();
  await master?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });

/** Rows of the active or completed tasks table of the dashboard in `state`. */
const countRows = (page: Page, table: 'active' | 'completed', state: string): Promise<number> =>
  page.evaluate(([t, s]) => [...document.querySelectorAll(`table.tasks.${t} tr[data-task-id]`)].filter((r) => r.querySelector('.task-state')?.textContent === s).length, [table, state] as const);

describe('web UI', () => {
  test('serves the page and its scripts; agents let it read /files from another origin', async () => {
    const page = await fetch(`${master!.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('src="/master/webui/js/main.js"');
    const script = await fetch(`${master!.url}/master/webui/js/main.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("from './views/dashboard.js'");
    expect((await fetch(`${master!.url}/master/webui/js/nothing.js`)).status).toBe(404);
    const files = await fetch(`http://${agent!.runtime.address}/files/browse?path=/nope`);
    expect(files.headers.get('access-control-allow-origin')).toBe('*');
  });

  test('tasks appear and finish live; stdout followed and read in the sandbox browser; agent page and back', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${master!.url}/`);
    await page.waitForSelector('#live.live');
    await page.waitForFunction(() => document.querySelector('#cluster')?.textContent === 'webui-test');
    await page.evaluate(() => (window['loadedOnce'] = 42));

    // A quota for the framework's role, so the roles page has something to show after the framework left.
    const quota = await fetch(`${master!.url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'web', guarantees: { cpus: { value: 0.5 } }, limits: { cpus: { value: 1 } } }] } }) });
    expect(quota.status).toBe(200);

    // Each task says hello, waits (bounded) for the test to let it go on, then says goodbye.
    const gate = join(work, 'go');
    const command = `echo "hello from task $MESOS_TASK_ID"; i=0; while [ ! -e ${gate} ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; echo "bye from task $MESOS_TASK_ID"`;
    const lines: string[] = [];
    const run = runTestFramework({ master: master!.runtime.address, tasks: TASKS, command, role: 'web', runtime: fwRuntime!, random: 5, log: (l) => lines.push(l) });

    await page.waitForFunction((n) => document.querySelectorAll('table.tasks.active tr[data-task-id] .s-running').length === n, TASKS);
    expect(await countRows(page, 'active', 'TASK_RUNNING')).toBe(TASKS);
    await shot(page, '1-dashboard-running');

    // A running task's stdout, followed in the page while it grows.
    await page.click('table.tasks.active tr[data-task-id="0"] a[href^="#/tasks/"]');
    await page.waitForSelector('table.files tr[data-file="stdout"]');
    await page.click('table.files tr[data-file="stdout"] a[href^="#/tasks/"]');
    await page.waitForFunction(() => (document.querySelector('pre.file-view')?.textContent ?? '').includes('hello from task 0'));
    expect(await page.locator('pre.file-view').textContent()).not.toContain('bye');
    writeFileSync(gate, '');
    await page.waitForFunction(() => (document.querySelector('pre.file-view')?.textContent ?? '').includes('bye from task 0'));
    await page.waitForFunction(() => [...document.querySelectorAll('dl.info .state')].some((e) => e.textContent === 'TASK_FINISHED'));
    await shot(page, '2-task-stdout-followed');

    // Back (twice: the file, then the task) to the dashboard, where every task finished.
    await page.goBack();
    await page.goBack();
    expect(new URL(page.url()).hash).toBe('');
    await page.waitForFunction((n) => document.querySelectorAll('table.tasks.completed tr[data-task-id] .s-finished').length === n, TASKS);
    expect(await countRows(page, 'completed', 'TASK_FINISHED')).toBe(TASKS);
    expect(await countRows(page, 'active', 'TASK_RUNNING')).toBe(0);
    // The counters come from /metrics/snapshot, read beside /master/state: wait for them too rather than assume the same instant.
    await page.waitForFunction((n) => document.querySelector('table.counters tr[data-counter="finished"] td')?.textContent === String(n), TASKS);
    // The plots have the history: tasks by state ends at 3 finished, and the role's CPUs were drawn.
    await page.waitForFunction((n) => [...document.querySelectorAll('ul.legend li')].some((li) => li.textContent === `finished: ${n}`), TASKS);
    expect(await page.locator('figure.plot-figure svg path.line').count()).toBeGreaterThanOrEqual(3);
    // The same document all along: the changes came through the event stream, not a reload.
    expect(await page.evaluate(() => window['loadedOnce'])).toBe(42);
    const result = await run;
    expect(result.exitCode).toBe(0);
    await shot(page, '3-dashboard-finished');

    // A finished task's page, its sandbox, its stdout in the page.
    await page.click('table.tasks.completed tr[data-task-id="1"] a[href^="#/tasks/"]');
    await page.waitForSelector('table.files tr[data-file="stdout"]');
    await page.click('table.files tr[data-file="stdout"] a[href^="#/tasks/"]');
    await page.waitForFunction(() => (document.querySelector('pre.file-view')?.textContent ?? '').includes('bye from task 1'));
    expect(await page.locator('pre.file-view').textContent()).toBe('hello from task 1\nbye from task 1\n');
    const taskUrl = page.url();
    expect(taskUrl).toContain('file=stdout');
    await shot(page, '4-finished-task-stdout');

    // The download link serves the same file.
    const href = await page.locator('.viewer-head a[download]').getAttribute('href');
    expect(await (await fetch(href!)).text()).toBe('hello from task 1\nbye from task 1\n');

    // To the agent and back.
    await page.click('a.agent-link');
    await page.waitForSelector(`h1[data-agent-id="${agent!.agent.agentId}"]`);
    expect(page.url()).toContain(`#/agents/${agent!.agent.agentId}`);
    await shot(page, '5-agent');
    await page.goBack();
    await page.waitForFunction(() => (document.querySelector('pre.file-view')?.textContent ?? '').includes('bye from task 1'));
    expect(page.url()).toBe(taskUrl);

    // Roles and frameworks pages, and the dashboard on a phone-sized screen.
    await page.goto(`${master!.url}/#/roles`);
    await page.waitForFunction(() => (document.querySelector('table.roles tr[data-role="web"]')?.textContent ?? '').includes('cpus: 0.50'));
    await page.click('.plot-switch a[href="#/roles?plot=mem"]');
    await page.waitForSelector('figure.plot-figure figcaption:text("Memory allocated per role (MB)")');
    await shot(page, '6-roles');
    await page.click('header nav a[data-page="frameworks"]');
    await page.click(`tr[data-framework-id="${result.frameworkId!}"] a`);
    await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Test Framework (TypeScript)');
    expect(await page.locator('table.tasks.completed tr[data-task-id]').count()).toBe(TASKS);
    await shot(page, '7-framework');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${master!.url}/#/`);
    await page.waitForSelector('table.tasks.completed tr[data-task-id="0"]');
    await shot(page, '8-dashboard-phone');
    expect(errors).toEqual([]);
    console.log(`web UI screenshots: ${OUT}`);
    await page.close();
  }, 90_000);

  test("an agent's drain state and its machine's maintenance, on the agents list and the agent's page", async () => {
    const page = await browser!.newPage();
    const operator = async (body: unknown): Promise<number> => (await fetch(`${master!.url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
    const id = agent!.agent.agentId!;
    const slaves = (await (await fetch(`${master!.url}/master/slaves`)).json()) as { slaves: { id: string; hostname: string }[] };
    const hostname = slaves.slaves.find((a) => a.id === id)!.hostname;
    expect(await operator({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{ hostname }], unavailability: { start: { nanoseconds: 1893456000e9 }, duration: { nanoseconds: 3600e9 } } }] } } })).toBe(200);
    expect(await operator({ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: id }, max_grace_period: { seconds: 5 } } })).toBe(200);
    await page.goto(`${master!.url}/#/agents`);
    await page.waitForSelector(`tr[data-agent-id="${id}"] td[data-state="drained"]`);
    expect(await page.locator(`tr[data-agent-id="${id}"] td[data-maintenance="DRAINING"]`).textContent()).toBe('draining from 2030-01-01 00:00 UTC (1 h)');
    await shot(page, '9-agent-drained-maintenance');
    await page.click(`tr[data-agent-id="${id}"] a`);
    await page.waitForSelector(`h1[data-agent-id="${id}"]`);
    const info = await page.locator('dl.info').first().textContent();
    expect(info).toContain('Statedrained');
    expect(info).toContain('DrainDRAINED, grace at most 5 s');
    expect(await operator({ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: id } } })).toBe(200);
    await page.goto(`${master!.url}/#/agents`);
    await page.waitForSelector(`tr[data-agent-id="${id}"] td[data-state="active"]`);
    await page.close();
  }, 60_000);
});
