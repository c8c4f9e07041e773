/**
 * An application that embeds the agent: a start that fails (the port is taken), or a stop with /events clients
 * watching, leaves nothing behind, so the embedding process ends by itself once it has stopped what did start.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const AGENT = join(__dirname, '../../dist/agent/agent.js');
const CONFIG = join(__dirname, '../../dist/agent/config.js');
const LOGGER = join(__dirname, '../../dist/agent/logger.js');

/** Generous: it only tells a process that never ends (or lingers an idle grace of an hour) from one that ends. */
const HANG_GUARD_MS = 60_000;

/** Runs `body` in a Node process with startAgent, parseConfig and silentLogger in scope; its stdout and exit. */
async function embedded(body: string): Promise<{ out: string; exit: { code: number | null; signal: NodeJS.Signals | null } }> {
  const script = `
    const { startAgent } = require(${JSON.stringify(AGENT)});
    const { parseConfig } = require(${JSON.stringify(CONFIG)});
    const { silentLogger } = require(${JSON.stringify(LOGGER)});
    (async () => {
      ${body}
    })();
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  clearTimeout(guard);
  return { out, exit };
}

it('a start that fails with EADDRINUSE leaves no timer or handle: the embedding process exits by itself', async () => {
  const { out, exit } = await embedded(`
    const first = await startAgent(parseConfig({ port: 0 }, 'embedded'), { logger: silentLogger() });
    const second = await startAgent(parseConfig({ port: first.port }, 'embedded'), { logger: silentLogger() }).then(
      () => 'started',
      (err) => err.code,
    );
    console.log(second);
    await first.stop();
  `);
  expect(out.trim()).toBe('EADDRINUSE');
  expect(exit).toEqual({ code: 0, signal: null });
}, 90_000);

it('a stop while an /events client watches leaves no timer, not even the idle grace: the process exits by itself', async () => {
  const { out, exit } = await embedded(`
    const agent = await startAgent(parseConfig({ port: 0, sampling: { idleGrace: '1h' } }, 'embedded'), { logger: silentLogger() });
    await new Promise((resolve) => {
      const req = require('node:http').get(agent.url + '/events', { agent: false }, (res) => {
        res.on('data', (chunk) => String(chunk).includes('event: cpu') && resolve());
      });
      req.on('error', () => undefined);
    });
    await agent.stop();
    console.log('stopped');
  `);
  expect(out.trim()).toBe('stopped');
  expect(exit).toEqual({ code: 0, signal: null });
}, 90_000);
