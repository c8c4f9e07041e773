/**
 * The package as a sysadmin gets it: `npm pack` (its prepack builds), `npm install -g --prefix` of the tarball into a
 * temporary prefix (runtime dependencies from the registry, or npm's cache), then the installed `hostfeed` started
 * from a temporary working directory outside the repository, with no config file: it must serve /healthz, /metrics,
 * /events and the viewer with uPlot from its own installed files.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startCli, stopCli, type RunningCli } from '../helpers/cli';
import { isEvent, openStream } from '../helpers/sse-stream';
import { until } from '../helpers/until';

const ROOT = join(__dirname, '../..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
/** npm pack and install take minutes on a loaded machine, the install more when the registry is slow: a hang guard. */
const NPM_GUARD_MS = 600_000;

const run = async (command: string, args: string[], cwd: string) => (await promisify(execFile)(command, args, { cwd, timeout: NPM_GUARD_MS, maxBuffer: 16 * 1024 * 1024 })).stdout;

describe('the packed and installed hostfeed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostfeed-package-'));
  const prefix = join(dir, 'prefix');
  const installed = join(prefix, 'lib/node_modules/hostfeed');
  const hostfeed = join(prefix, 'bin/hostfeed');
  let tarball: string;
  let cli: RunningCli | undefined;

  beforeAll(async () => {
    const packed = await run('npm', ['pack', '--pack-destination', dir, '--json'], ROOT);
    tarball = join(dir, (JSON.parse(packed.slice(packed.indexOf('['))) as { filename: string }[])[0]!.filename);
    await run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', tarball], dir);
  }, NPM_GUARD_MS * 2);

  afterAll(async () => {
    if (cli && cli.child.exitCode === null) await stopCli(cli, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships the build, the viewer, the schema, docs and examples, and no sources, tests, bench or source maps', async () => {
    const files = (await run('tar', ['-tzf', tarball], dir)).split('\n').filter(Boolean).map((path) => path.replace(/^package\//, ''));
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'dist/agent/main.js',
        'dist/package.json',
        'viewer/index.html',
        'viewer/app.js',
        'agent.config.schema.json',
        'docs/deploy.md',
        'examples/systemd/hostfeed.service',
        'examples/container/Containerfile',
        'examples/prometheus.yml',
      ]),
    );
    expect(files.filter((path) => /^(agent|test|bench|dist\/bench|scripts)\/|\.map$|\.ts$|tsconfig|stryker/.test(path))).toEqual([]);
  });

  it('installs the runtime dependencies only: none of the development tools', () => {
    const modules = readdirSync(join(installed, 'node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['express', 'uplot', 'zod']));
    const devOnly = Object.keys(PACKAGE.devDependencies).map((name) => name.split('/')[0]!);
    expect(modules.filter((name) => devOnly.includes(name))).toEqual([]);
  });

  it('--version and --help answer from the installed command', async () => {
    expect(await run(hostfeed, ['--version'], dir)).toBe(`${PACKAGE.version}\n`);
    expect(await run(hostfeed, ['--help'], dir)).toMatch(/^Usage: hostfeed \[--config FILE\]/);
  });

  it('runs from a directory outside the repository on the built-in defaults, and serves all it serves from a clone', async () => {
    const cwd = join(dir, 'elsewhere');
    mkdirSync(cwd);
    cli = await startCli(['--port', '0'], {}, { cwd, command: [hostfeed] });
    expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.stderr()).toContain('running on the built-in defaults');

    await until('healthy', async () => (await fetch(`${cli!.url}/healthz`)).status, (status) => status === 200);
    const metrics = await (await fetch(`${cli.url}/metrics`)).text();
    expect(metrics).toMatch(/^node_cpu_seconds_total\{cpu="0",mode="user"\} \d/m);

    const stream = await openStream(`${cli.url}/events`);
    const [hello] = await stream.waitFor(isEvent('hello'));
    stream.close();
    expect(JSON.parse((hello as { data: string }).data)).toMatchObject({ agent: PACKAGE.version });

    const page = await fetch(`${cli.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script [^>]*src="app\.js"/);
    // From the installed package's own node_modules, byte for byte.
    const uplot = await fetch(`${cli.url}/vendor/uplot/uPlot.iife.min.js`);
    expect(Buffer.from(await uplot.arrayBuffer()).equals(readFileSync(join(installed, 'node_modules/uplot/dist/uPlot.iife.min.js')))).toBe(true);

    expect(await stopCli(cli, 'SIGTERM')).toEqual({ code: 0, signal: null, problems: [] });
  });
});
