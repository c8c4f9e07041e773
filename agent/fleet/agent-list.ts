/**
 * The agents of `viewer.agents`, as the page and its CSP get them. A targets file is read when a page asks and its
 * identity (inode, size, mtime) differs from the last read: an edit, or a rename over it as configuration tools do, is
 * seen at the next page load, and no timer or watch runs while nobody asks.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from '../logger';
import { MAX_AGENTS, agentBase, agentUrl } from './agent-url';
import { parseFileSd } from './file-sd';
import type { ViewerAgentsSetting } from './schema';

export interface AgentList {
  /** Base URLs of the agents to show, at most MAX_AGENTS; empty: this agent alone. */
  current(): Promise<string[]>;
}

/** Beyond this a targets file is refused: a fleet of 16 agents is a few KB. */
const MAX_FILE_BYTES = 1024 * 1024;

export function createAgentList(setting: ViewerAgentsSetting | undefined, logger: Logger): AgentList {
  if (setting === undefined) return { current: async () => [] };
  if (Array.isArray(setting)) {
    // Checked by the config's schema already.
    const agents = [...new Set(setting.map((text) => agentBase(agentUrl(text)!)))];
    return { current: async () => agents };
  }
  return targetsFileAgents(setting, logger);
}

function targetsFileAgents(path: string, logger: Logger): AgentList {
  /** What the file held at its last read, under the identity it had then. */
  let last = { identity: '', agents: [] as string[] };
  /** One read at a time: concurrent page loads share it. */
  let reading: Promise<string[]> | undefined;

  async function read(): Promise<string[]> {
    let identity: string;
    try {
      const stats = await stat(path);
      if (stats.size > MAX_FILE_BYTES) throw Object.assign(new Error(`larger than ${MAX_FILE_BYTES} bytes`), { code: 'EFBIG' });
      identity = `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
    } catch (err) {
      // A file that is gone lists no agent, as Prometheus drops its targets; said once, not at every page load.
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (last.identity !== code) logger.warn({ path, error: code }, 'viewer.agents: cannot read the targets file: the page shows this agent alone');
      last = { identity: code, agents: [] };
      return last.agents;
    }
    if (identity === last.identity) return last.agents;
    try {
      const { agents, skipped } = parseFileSd(await readFile(path, 'utf8'), path);
      if (skipped.length > 0) logger.warn({ path, skipped }, 'viewer.agents: targets left out');
      if (agents.length > MAX_AGENTS) logger.warn({ path, listed: agents.length }, `viewer.agents: the page shows the first ${MAX_AGENTS}`);
      last = { identity, agents: agents.slice(0, MAX_AGENTS) };
    } catch (err) {
      // As Prometheus: a file that does not parse leaves the agents as they were.
      logger.warn({ path, error: (err as Error).message }, 'viewer.agents: the targets file is not valid: the page keeps the agents it had');
      last = { identity, agents: last.agents };
    }
    return last.agents;
  }

  return {
    current() {
      reading ??= read().finally(() => (reading = undefined));
      return reading;
    },
  };
}
