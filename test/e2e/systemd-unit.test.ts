/**
 * examples/systemd/hostfeed.service as systemd itself reads it: `systemd-analyze verify` (Debian package systemd; no
 * running systemd needed) finds nothing to say, and `systemd-analyze security --offline=yes` (systemd 250 and later)
 * gives the exposure level README states. The unit's command is the one `npm install -g` makes, which this machine need
 * not have: verify checks that it is executable, so a copy of the unit names a stand-in that runs the built agent.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAIN } from '../helpers/cli';
import { PROGRAMS, requireProgram } from '../helpers/programs';

const ROOT = join(__dirname, '../..');
const UNIT = readFileSync(join(ROOT, 'examples/systemd/hostfeed.service'), 'utf8');
const INSTALLED_COMMAND = '/usr/local/bin/hostfeed';

/** Runs systemd-analyze; its exit code and all it printed. */
async function analyze(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(requireProgram(PROGRAMS.systemdAnalyze), args);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** The unit's key=value settings, as a list (a key may repeat). */
const settings = (unit: string) => unit.split('\n').filter((line) => /^[A-Za-z]+=/.test(line));

describe('examples/systemd/hostfeed.service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostfeed-systemd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The unit, with its command at the stand-in, in a file named hostfeed.service (verify reads the unit name from it). */
  function unitFile(text: string, folder: string): string {
    mkdirSync(join(dir, folder, 'bin'), { recursive: true });
    const command = join(dir, folder, 'bin/hostfeed');
    writeFileSync(command, `#!/bin/sh\nexec ${process.execPath} ${MAIN} "$@"\n`);
    chmodSync(command, 0o755);
    const path = join(dir, folder, 'hostfeed.service');
    writeFileSync(path, text.replace(INSTALLED_COMMAND, command));
    return path;
  }

  it('starts the command npm install -g makes, with a config file, and restarts it on failure', () => {
    expect(settings(UNIT)).toEqual(expect.arrayContaining([`ExecStart=${INSTALLED_COMMAND} --config /etc/hostfeed/agent.json`, 'Restart=on-failure']));
  });

  it("has the hardening issue 17 asks for (ProtectHome read-only rather than hidden: see the unit's comment)", () => {
    expect(settings(UNIT)).toEqual(
      expect.arrayContaining([
        'DynamicUser=yes',
        'ProtectSystem=strict',
        'ProtectHome=read-only',
        'PrivateTmp=yes',
        'NoNewPrivileges=yes',
        'StateDirectory=hostfeed',
        'CapabilityBoundingSet=',
        'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
        'SystemCallFilter=@system-service',
        expect.stringMatching(/^MemoryMax=\d+[KMG]$/),
      ]),
    );
  });

  it('systemd-analyze verify has nothing to say about it', async () => {
    expect(await analyze(['verify', unitFile(UNIT, 'as-shipped')])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('systemd-analyze verify does speak up about a unit with a mistake (so its silence above means something)', async () => {
    const broken = unitFile(UNIT.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes').replace(/^MemoryMax=.*$/m, 'MemoryMax=lots'), 'broken');
    const { stderr } = await analyze(['verify', broken]);
    expect(stderr).toMatch(/Unknown key 'NoNewPrivilege'/);
    expect(stderr).toMatch(/Invalid memory limit 'lots'/);
  });

  it("systemd-analyze security --offline=yes gives the exposure level README states", async () => {
    const help = await analyze(['--help']);
    if (!help.stdout.includes('--offline')) {
      // systemd before 250 reviews only loaded units: nothing to compare here.
      console.warn('systemd-analyze has no --offline: exposure level not checked');
      return;
    }
    const { code, stdout } = await analyze(['security', '--offline=yes', unitFile(UNIT, 'security')]);
    expect(code).toBe(0);
    const measured = /Overall exposure level for hostfeed\.service: ([\d.]+) (\w+)/.exec(stdout);
    const stated = /exposure level \*\*([\d.]+) (\w+)\*\*/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(stated?.slice(1)).toEqual(measured?.slice(1));
  });
});
