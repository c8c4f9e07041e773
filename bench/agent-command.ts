/**
 * The command users run the agent with: node, the V8 flags of agent/main.ts's `#!/usr/bin/env -S node ...` line (the
 * installed `hostfeed` runs with them, and package.json's start passes them), and dist/agent/main.js.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** bench/ in the source tree (the tests' helpers import it there), dist/bench/ once built (dist/ has a package.json too). */
export const ROOT = existsSync(join(__dirname, '../agent/main.ts')) ? join(__dirname, '..') : join(__dirname, '../..');
export const AGENT_MAIN = join(ROOT, 'dist/agent/main.js');

/** The node flags of the agent's first line, which /usr/bin/env -S splits on spaces. */
export function agentNodeFlags(): string[] {
  const shebang = readFileSync(join(ROOT, 'agent/main.ts'), 'utf8').split('\n', 1)[0]!;
  const match = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)$/.exec(shebang);
  if (!match) throw new Error(`agent/main.ts does not start with "#!/usr/bin/env -S node [flags]": ${shebang}`);
  return match[1]!.split(' ').filter(Boolean);
}
