/**
 * The viewer behind HTTP Basic in real Chromium (Debian's, driven by playwright-core): the browser is challenged,
 * answers with the user's credentials, and the page, its files, its backfill and its EventSource all get through.
 */
import { hashSync } from 'bcryptjs';
import { chromium, type Browser } from 'playwright-core';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { parseExposition } from '../helpers/exposition';
import { PROGRAMS, requireProgram } from '../helpers/programs';

const USER = { username: 'alice', password: 'through the looking glass' };

describe('the viewer with Basic auth', () => {
  // One browser, launched once, and a context per user: a second launch is the slowest step on a loaded machine.
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: requireProgram(PROGRAMS.chromium),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stopTestAgents();
  });

  it('goes live once the browser answers the challenge, and shows nothing without credentials', async () => {
    const agent = await startTestAgent({ auth: { basic: { [USER.username]: hashSync(USER.password, 4) } } });

    // Headless, the browser has no one to ask: it gives up on the challenge and shows nothing.
    const anonymous = await (await browser.newContext()).newPage();
    await expect(anonymous.goto(agent.url)).rejects.toThrow('ERR_INVALID_AUTH_CREDENTIALS');

    const page = await (await browser.newContext({ httpCredentials: USER })).newPage();
    const failed: string[] = [];
    page.on('response', (res) => res.status() >= 400 && res.status() !== 401 && failed.push(`${res.status()} ${res.url()}`));
    expect((await page.goto(agent.url))?.status()).toBe(200);
    await page.locator('.host[data-state="live"]').first().waitFor();
    expect(failed).toEqual([]);

    // Every refusal was a first request without credentials, answered by the browser: none had wrong ones.
    const metrics = parseExposition(await (await fetch(`${agent.url}/metrics`, { headers: { Authorization: `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}` } })).text());
    const refused = Object.fromEntries(metrics.get('hostfeed_auth_refused_total')!.samples.map((s) => [s.labels.reason, s.value]));
    expect(refused.invalid).toBe(0);
    expect(refused.missing).toBeGreaterThan(0);
  });
});
