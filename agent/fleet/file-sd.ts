/**
 * A Prometheus file_sd targets file in its JSON form (https://prometheus.io/docs/guides/file-sd/): groups of
 * "host:port" targets with labels. Each target becomes an agent's base URL: its scheme from the `__scheme__` label
 * (http by default) and, behind a proxy, its path from `__metrics_path__` less the final "/metrics", as Prometheus
 * builds its scrape URL from the same labels.
 */
import { z } from 'zod';
import { agentBase, agentUrl } from './agent-url';

const targetGroups = z.array(
  z.object({
    targets: z.array(z.string(), { error: 'expected a list of "host:port" strings' }),
    labels: z.record(z.string(), z.string(), { error: 'expected an object of string labels' }).optional(),
  }, { error: 'expected an object with "targets" and optional "labels"' }),
  { error: 'expected a list of target groups' },
);

export interface FileSdAgents {
  /** Base URLs, in the file's order, without repeats. */
  agents: string[];
  /** Targets that make no agent address the page may use, each with why. */
  skipped: string[];
}

/** Throws an Error naming `path` and the place in the file for anything that is not file_sd's JSON form. */
export function parseFileSd(text: string, path: string): FileSdAgents {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON: ${(err as Error).message}`);
  }
  const result = targetGroups.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${path}: ${issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('') || '(top level)'}: ${issue.message}`);
  }
  const agents = new Set<string>();
  const skipped: string[] = [];
  for (const { targets, labels = {} } of result.data) {
    const scheme = labels.__scheme__ ?? 'http';
    const prefix = (labels.__metrics_path__ ?? '').replace(/\/metrics$/, '');
    for (const target of targets) {
      const url = /^[^/?#@]+$/.test(target) ? agentUrl(`${scheme}://${target}${prefix}`) : undefined;
      if (url) agents.add(agentBase(url));
      else skipped.push(`${JSON.stringify(target)}: not a "host:port" whose ${scheme}:// address the viewer's CSP accepts`);
    }
  }
  return { agents: [...agents], skipped };
}
