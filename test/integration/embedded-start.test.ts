/**
 * An application that embeds the agent: a start that fails (the port is taken) leaves nothing behind, so the
 * embedding process ends by itself once it has stopped what did start.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const AGENT = join(__dirname, '../../dist/agent/agent.js');
const CONFIG = join(__dirname, '../../dist/agent/config.js');
const LOGGER = join(__dirname, '../../dist/agent/logger.js');

/** Generous: it only tells a process that never ends from one that ends. */
const HANG_GUARD_MS = 60_000;

it('a start that fails with EADDRINUSE leaves no timer or handle: the embedding process exits by itself', async () => {
  const script = `
    const { startAgent } = require(${JSON.stringify(AGENT)});
    const { parseConfig } = require(${JSON.stringify(CONFIG)});
    const { silentLogger } = require(${JSON.stringify(LOGGER)});
    (async () => {
      const first = await startAgent(parseConfig({ port: 0 }, 'embedded'), { logger: silentLogger() });
      const second = await startAgent(parseConfig({ port: first.port }, 'embedded'), { logger: silentLogger() }).then(
        () => 'started',
        (err) => err.code,
      );
      console.log(second);
      await first.stop();
    })();
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  clearTimeout(guard);
  expect(out.trim()).toBe('EADDRINUSE');
  expect(exit).toEqual({ code: 0, signal: null });
}, 90_000);
