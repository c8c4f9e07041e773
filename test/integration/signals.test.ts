/**
 * Signals besides SIGINT and SIGTERM, sent to the built command: SIGHUP and SIGUSR2 must not kill it, and SIGUSR1
 * must not open Node's inspector (127.0.0.1:9229, no auth: whoever reaches it runs code in the agent).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, type RunningCli } from '../helpers/cli';
import { untilTrue } from '../helpers/until';

/** Node's default inspector port, which SIGUSR1 opens when nothing listens for that signal. */
const INSPECTOR_PORT = 9229;

const dir = mkdtempSync(join(tmpdir(), 'hostfeed-signals-'));
const config = join(dir, 'config.json');
writeFileSync(config, JSON.stringify({ port: 0 }));

let cli: RunningCli | undefined;
afterEach(() => {
  if (cli?.child.exitCode === null) cli.child.kill('SIGKILL');
});

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const logLines = (cli: RunningCli) =>
  cli
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string });

describe('signals', () => {
  it('SIGUSR1, SIGHUP and SIGUSR2 are logged and change nothing: the agent serves on, and no inspector opens', async () => {
    const inspectorPortFree = !(await listening(INSPECTOR_PORT));
    if (!inspectorPortFree) console.info(`127.0.0.1:${INSPECTOR_PORT} is in use by another program: not checking that the agent opens no inspector`);
    cli = await startCli(['--config', config]);
    const running = cli;
    for (const signal of ['SIGUSR1', 'SIGHUP', 'SIGUSR2'] as const) {
      running.child.kill(signal);
      // The agent's own line about it: the signal has been handled (an inspector would have opened by then).
      await untilTrue(`a log line about ${signal}`, async () => running.child.exitCode !== null || logLines(running).some((line) => line.msg.includes(signal)));
      expect(running.child.exitCode).toBeNull();
    }
    expect(running.stderr()).not.toContain('Debugger listening');
    if (inspectorPortFree) expect(await listening(INSPECTOR_PORT)).toBe(false);
    await untilTrue('/healthz to answer 200', async () => (await fetch(`${running.url}/healthz`)).status === 200);
    expect(logLines(running).find((line) => line.msg.includes('SIGHUP'))?.msg).toMatch(/restart/);
  });
});
