/**
 * The viewer behind HTTP Basic in real Chromium (Debian's, driven by playwright-core): the browser is challenged,
 * answers with the user's credentials, and the page, its files, its backfill and its EventSource all get through.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import { chromium, type BrowserContext } from 'playwright-core';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { parseExposition } from '../helpers/exposition';
import { PROGRAMS, requireProgram } from '../helpers/programs';

const USER = { username: 'alice', password: 'through the looking glass' };

describe('the viewer with Basic auth', () => {
  const contexts: BrowserContext[] = [];
  const profiles: string[] = [];
  afterAll(async () => {
    for (const context of contexts) await context.close();
    for (const profile of profiles) rmSync(profile, { recursive: true, force: true });
    await stopTestAgents();
  });

  async function browser(httpCredentials?: typeof USER): Promise<BrowserContext> {
    const profile = mkdtempSync(join(tmpdir(), 'hostfeed-chromium-auth-'));
    profiles.push(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: requireProgram(PROGRAMS.chromium),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      httpCredentials,
    });
    contexts.push(context);
    return context;
  }

  it('goes live once the browser answers the challenge, and shows nothing without credentials', async () => {
    const agent = await startTestAgent({ auth: { basic: { [USER.username]: hashSync(USER.password, 4) } } });

    // Headless, the browser has no one to ask: it gives up on the challenge and shows nothing.
    const anonymous = await (await browser()).newPage();
    await expect(anonymous.goto(agent.url)).rejects.toThrow('ERR_INVALID_AUTH_CREDENTIALS');

    const page = await (await browser(USER)).newPage();
    const failed: string[] = [];
    page.on('response', (res) => res.status() >= 400 && res.status() !== 401 && failed.push(`${res.status()} ${res.url()}`));
    expect((await page.goto(agent.url))?.status()).toBe(200);
    await page.locator('.host[data-state="live"]').first().waitFor({ timeout: 10_000 });
    expect(failed).toEqual([]);

    // Every refusal was a first request without credentials, answered by the browser: none had wrong ones.
    const metrics = parseExposition(await (await fetch(`${agent.url}/metrics`, { headers: { Authorization: `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}` } })).text());
    const refused = Object.fromEntries(metrics.get('hostfeed_auth_refused_total')!.samples.map((s) => [s.labels.reason, s.value]));
    expect(refused.invalid).toBe(0);
    expect(refused.missing).toBeGreaterThan(0);
  }, 30_000);
});
