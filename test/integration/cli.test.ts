import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli, stopCli, type RunningCli } from '../helpers/cli';
import { until } from '../helpers/until';

const dir = mkdtempSync(join(tmpdir(), 'hostfeed-cli-'));
function configFile(name: string, body: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
}
const FAST = configFile('fast.json', {
  port: 0,
  collectors: { cpu: { interval: '200ms' }, memory: { interval: '200ms' }, load: { interval: '200ms' }, disk: { interval: '500ms' } },
});

const started: RunningCli[] = [];
afterEach(() => {
  for (const cli of started.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});
async function start(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<RunningCli> {
  const cli = await startCli(args, env, { cwd });
  started.push(cli);
  return cli;
}

/** Every /healthz answer until the first 200. */
async function waitForHealthy(url: string): Promise<{ status: number; body: unknown }[]> {
  const seen: { status: number; body: unknown }[] = [];
  await until(
    'healthy',
    async () => {
      const res = await fetch(`${url}/healthz`);
      seen.push({ status: res.status, body: await res.json() });
      return res.status;
    },
    (status) => status === 200,
  );
  return seen;
}

describe('the hostfeed command', () => {
  it('starts on loopback, prints its URLs, becomes healthy, and stops cleanly on SIGTERM with exit 0', async () => {
    const cli = await start(['--config', FAST]);
    expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.stdout()).toContain(`metrics  ${cli.url}/metrics`);
    const seen = await waitForHealthy(cli.url);
    expect(seen.at(-1)).toEqual({ status: 200, body: { status: 'ok', missing: [], failing: [] } });
    // Clean: not a stop that hung and was forced out (which main.ts logs at error level).
    expect(await stopCli(cli, 'SIGTERM')).toEqual({ code: 0, signal: null, problems: [] });
  });

  it('answers 503 naming the collectors that cannot read the host, then "failing" once they fail health.failAfter reads', async () => {
    // A procfs with what the start needs (stat, for the boot time) and nothing else: cpu reads, the others cannot but
    // pressure, which reads a kernel without PSI (no /proc/pressure) as having nothing to say.
    const empty = mkdtempSync(join(dir, 'proc-'));
    copyFileSync(join(__dirname, '../fixtures/proc/stat'), join(empty, 'stat'));
    const broken = configFile('no-proc.json', { port: 0, procfsRoot: empty, health: { failAfter: 2 } });
    const cli = await start(['--config', broken]);
    const healthz = async () => {
      const res = await fetch(`${cli.url}/healthz`);
      return { status: res.status, body: (await res.json()) as { status: string; missing: string[]; failing: { collector: string; error: string }[] } };
    };
    const first = await healthz();
    expect(first.status).toBe(503);
    expect(first.body.missing).toEqual(expect.arrayContaining(['disk', 'load', 'memory', 'network']));
    // Each probe of a failing agent reads the failing collectors again in the background: no scrape is needed.
    const failing = await until('failing', healthz, (h) => h.body.status === 'failing' && h.body.failing.length === 4);
    expect(failing.body.missing).not.toContain('cpu');
    expect(failing.status).toBe(503);
    expect(failing.body.failing.find((f) => f.collector === 'memory')?.error).toContain(join(empty, 'meminfo'));
  });

  it('answers unknown paths with a JSON 404', async () => {
    const cli = await start(['--config', FAST]);
    const res = await fetch(`${cli.url}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: 'not found', path: '/nope' });
  });

  it('stops cleanly on SIGINT even with a client holding a connection open', async () => {
    const cli = await start(['--config', FAST]);
    const { port } = new URL(cli.url);
    const socket = connect(Number(port), '127.0.0.1');
    const socketClosed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => undefined); // the agent cuts this connection on its way out: expected
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // an unfinished request keeps the connection busy
    expect(await stopCli(cli, 'SIGINT')).toEqual({ code: 0, signal: null, problems: [] });
    await socketClosed;
  });

  it('flags win over the environment, which wins over the file', async () => {
    const fromEnv = await start(['--config', FAST], { HOSTFEED_HOST: 'localhost' });
    expect(fromEnv.url).toMatch(/^http:\/\/localhost:\d+$/);
    const fromFlag = await start(['--config', FAST, '--host', '127.0.0.1'], { HOSTFEED_HOST: 'localhost' });
    expect(fromFlag.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    ['a negative interval', ['--config', configFile('neg.json', { collectors: { cpu: { interval: -5 } } })], {}, /collectors\.cpu\.interval: expected a positive duration like "1s".*, got -5$/m],
    ['broken JSON', ['--config', configFile('broken.json', '{ "port": ')], {}, /broken\.json: not valid JSON: /],
    ['an unknown key', ['--config', configFile('unknown.json', { colectors: {} })], {}, /unknown\.json: colectors: unknown key$/m],
    ['a port flag that is not a number', ['--config', FAST, '--port', 'http'], {}, /port: expected a port number 0-65535, got "http"$/m],
    ['a port from the environment out of range', ['--config', FAST], { HOSTFEED_PORT: '99999' }, /port: expected a port number 0-65535, got 99999$/m],
    ['a missing config file', ['--config', join(dir, 'missing.json')], {}, /missing\.json: cannot read: ENOENT$/m],
    ['an unknown flag', ['--verbose'], {}, /Unknown option '--verbose'/],
  ])('refuses %s: exit 2, one plain line per problem, no stack trace', async (_name, args, env, line) => {
    const { code, stdout, stderr } = await runCli(args, env);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(line);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('says clearly when the port is taken', async () => {
    const first = await start(['--config', FAST]);
    const { port } = new URL(first.url);
    const { code, stderr } = await runCli(['--config', FAST, '--port', port]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`hostfeed: cannot start on 127.0.0.1:${port}: EADDRINUSE`);
  });

  describe('without --config', () => {
    const viewerConfig = async (cli: RunningCli) => (await (await fetch(`${cli.url}/viewer-config.json`)).json()) as { warn: number; critical: number };

    it('runs on the built-in defaults where the working directory has no agent.config.json, and says so in one log line', async () => {
      const empty = mkdtempSync(join(dir, 'cwd-'));
      const cli = await start(['--port', '0'], {}, empty);
      // The defaults README's configuration table gives.
      expect(await viewerConfig(cli)).toMatchObject({ warn: 0.8, critical: 0.9 });
      const said = cli.stderr().split('\n').filter((line) => line.includes('built-in defaults'));
      expect(said.map((line) => JSON.parse(line) as { level: number; cwd: string; msg: string })).toEqual([
        expect.objectContaining({ level: 30, cwd: empty, msg: 'no --config and no agent.config.json in the working directory: running on the built-in defaults' }),
      ]);
    });

    it("reads the working directory's agent.config.json when there is one", async () => {
      const withFile = mkdtempSync(join(dir, 'cwd-'));
      writeFileSync(join(withFile, 'agent.config.json'), JSON.stringify({ port: 0, viewer: { warn: 0.5, critical: 0.6 } }));
      const cli = await start([], {}, withFile);
      expect(await viewerConfig(cli)).toMatchObject({ warn: 0.5, critical: 0.6 });
      expect(cli.stderr()).not.toContain('built-in defaults');
    });
  });

  it('--help prints usage and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: hostfeed \[--config FILE\] \[--port N\] \[--host H\]/);
  });

  it('--version prints the version package.json gives', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).version}\n`);
  });

  it('--config-schema prints the JSON Schema editors read: every key of the shipped config, unknown keys refused', async () => {
    const { code, stdout } = await runCli(['--config-schema']);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as { $schema: string; properties: Record<string, { properties?: Record<string, unknown> }>; additionalProperties: boolean };
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(schema.additionalProperties).toBe(false);
    const shipped = JSON.parse(readFileSync(join(__dirname, '../../agent.config.json'), 'utf8')) as Record<string, unknown>;
    for (const key of Object.keys(shipped)) expect(schema.properties).toHaveProperty(key);
    expect(Object.keys(schema.properties.sse?.properties ?? {})).toContain('heartbeat');
  });

  it('listens on IPv6 loopback and prints a bracketed URL that answers', async () => {
    const cli = await start(['--config', FAST, '--host', '::1']);
    expect(cli.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    await until('healthy over IPv6', async () => (await fetch(`${cli.url}/healthz`)).status, (status) => status === 200);
    expect(await stopCli(cli, 'SIGTERM')).toEqual({ code: 0, signal: null, problems: [] });
  });
});
