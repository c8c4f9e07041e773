/**
 * viewer.agents: the fleet a page shows when its URL names no agent, from the config's list or from a Prometheus
 * file_sd targets file the agent reads again when it changes. What the page gets (/viewer-config.json) and what its
 * CSP lets it reach (connect-src) must name the same agents, and only origins CSP reads as one.
 */
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent';
import { capturingLogger } from '../helpers/logs';
import { createFakeSource } from '../helpers/fake-source';
import { startTestAgent, stopTestAgents } from '../helpers/agent';

const dir = mkdtempSync(join(tmpdir(), 'hostfeed-fleet-'));
afterEach(stopTestAgents);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The agents a page at `path` would show, and the origins its CSP lets it connect to besides its own. */
async function page(agent: RunningAgent, query = ''): Promise<{ agents: string[]; connectSrc: string[] }> {
  const { agents } = (await (await fetch(`${agent.url}/viewer-config.json${query}`)).json()) as { agents: string[] };
  const csp = (await fetch(`${agent.url}/${query}`)).headers.get('content-security-policy') ?? '';
  const connectSrc = /connect-src ([^;]*)/.exec(csp)![1]!.split(' ').filter((source) => source !== "'self'");
  return { agents, connectSrc };
}

/** Replaces the file as configuration tools do: a new file renamed over the old one. */
function replaceFile(path: string, body: unknown): void {
  const next = `${path}.next`;
  writeFileSync(next, typeof body === 'string' ? body : JSON.stringify(body));
  renameSync(next, path);
}

describe('viewer.agents', () => {
  it('absent: the page shows this agent alone', async () => {
    expect(await page(await startTestAgent())).toEqual({ agents: [], connectSrc: [] });
  });

  it('a list: the page shows those agents, and its CSP allows exactly their origins', async () => {
    const agent = await startTestAgent({ viewer: { agents: ['http://web-1.example:9780', 'https://web-2.example/hostfeed/'] } });
    expect(await page(agent)).toEqual({
      agents: ['http://web-1.example:9780', 'https://web-2.example/hostfeed'],
      connectSrc: ['http://web-1.example:9780', 'https://web-2.example'],
    });
  });

  it('?agents= in the URL wins: the CSP then allows those alone', async () => {
    const agent = await startTestAgent({ viewer: { agents: ['http://web-1.example:9780'] } });
    expect((await page(agent, '?agents=http://other.example:1')).connectSrc).toEqual(['http://other.example:1']);
  });

  it('a targets file: read when a page asks after it changed, kept when it breaks, empty when it is gone', async () => {
    const path = join(dir, 'fleet.json');
    replaceFile(path, [{ targets: ['web-1.example:9780'], labels: { env: 'prod' } }]);
    const { logger, lines } = capturingLogger();
    const agent = await startTestAgent({ viewer: { agents: path } }, createFakeSource().source, logger);
    expect(await page(agent)).toEqual({ agents: ['http://web-1.example:9780'], connectSrc: ['http://web-1.example:9780'] });

    replaceFile(path, [{ targets: ['web-1.example:9780', 'web-2.example:9780', 'x;sandbox:1'] }]);
    expect(await page(agent)).toEqual({
      agents: ['http://web-1.example:9780', 'http://web-2.example:9780'],
      connectSrc: ['http://web-1.example:9780', 'http://web-2.example:9780'],
    });
    expect(lines).toEqual([expect.objectContaining({ msg: 'viewer.agents: targets left out', skipped: [expect.stringContaining('x;sandbox:1')] })]);

    // Edited in place, to a different length: seen too.
    writeFileSync(path, JSON.stringify([{ targets: ['web-3.example:9780'] }]));
    expect((await page(agent)).agents).toEqual(['http://web-3.example:9780']);

    replaceFile(path, '[{"targets": ["web-4.example:9780"]');
    expect((await page(agent)).agents).toEqual(['http://web-3.example:9780']);
    await page(agent);
    const invalid = lines.filter((line) => line.msg.includes('is not valid'));
    expect(invalid).toEqual([expect.objectContaining({ path, error: expect.stringContaining(`${path}: not valid JSON`) })]);

    unlinkSync(path);
    expect(await page(agent)).toEqual({ agents: [], connectSrc: [] });
    expect(lines.filter((line) => line.msg.includes('cannot read'))).toEqual([expect.objectContaining({ path, error: 'ENOENT' })]);
  });
});
