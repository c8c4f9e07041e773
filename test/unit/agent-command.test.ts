/**
 * The agent runs with the V8 flags of its first line wherever it is started: the installed command (through
 * `/usr/bin/env -S`, which splits them) and `npm start` alike, so that what the benches measure is what users run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentNodeFlags } from '../../bench/agent-command';

const ROOT = join(__dirname, '../..');

describe('the command the agent runs with', () => {
  it('holds V8 to 2 MB semi-spaces, as node reads the flag', () => {
    expect(agentNodeFlags()).toEqual(['--max-semi-space-size=2']);
    // A burst of short-lived objects, then the young generation's size: V8 grows it to 2 x 16 MB by default.
    const burst = [
      '-e',
      "let keep = []; for (let r = 0; r < 100; r++) { keep.push(Array.from({ length: 20000 }, (_, i) => ({ i }))); if (keep.length > 5) keep.shift(); }" +
        "process.stdout.write(String(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size))",
    ];
    const youngBytes = (flags: string[]) => Number(execFileSync(process.execPath, [...flags, ...burst], { encoding: 'utf8' }));
    expect(youngBytes([])).toBeGreaterThan(16e6);
    expect(youngBytes(agentNodeFlags())).toBeLessThanOrEqual(3 * 2 ** 21);
  });

  it('npm start passes the same flags to node', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(`node ${agentNodeFlags().join(' ')} dist/agent/main.js`);
  });

  it('the built command keeps the first line, which env(1) splits with -S', () => {
    const built = readFileSync(join(ROOT, 'dist/agent/main.js'), 'utf8').split('\n', 1)[0];
    expect(built).toBe(`#!/usr/bin/env -S node ${agentNodeFlags().join(' ')}`);
    expect(execFileSync('/usr/bin/env', ['-S', `echo ${agentNodeFlags().join(' ')} x`], { encoding: 'utf8' }).trim()).toBe(`${agentNodeFlags().join(' ')} x`);
  });
});
