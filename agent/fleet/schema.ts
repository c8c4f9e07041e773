/** The config's `viewer.agents`: the fleet the page shows when its URL names no agents. */
import { z } from 'zod';
import { MAX_AGENTS, agentUrl } from './agent-url';

const agentAddress = z.string().refine((text) => agentUrl(text) !== undefined, {
  error: 'expected an http:// or https:// address whose host is letters, digits, "-" and "." or an IPv6 literal, e.g. "http://web-1:9780"',
});

/**
 * A list of agent addresses, or the path of a Prometheus file_sd targets file. Only its JSON form: Prometheus reads
 * .json and .yml alike, and JSON needs no parser beyond Node's.
 */
const targetsFile = z.string().regex(/\.json$/i, {
  error: 'expected a list of agent addresses, or the path of a Prometheus file_sd targets file in its JSON form (ending in .json)',
});

export const viewerAgentsSchema = z.union(
  [
    z
      .array(agentAddress)
      .min(1, { error: 'expected at least one address' })
      // A refinement rather than .max(): inside a union, only a refinement's message reaches the error line.
      .refine((list) => list.length <= MAX_AGENTS, { error: `expected at most ${MAX_AGENTS} addresses, as many as a page shows` }),
    targetsFile,
  ],
  { error: 'expected a list of agent addresses, or the path of a Prometheus file_sd targets file (.json)' },
);

export type ViewerAgentsSetting = z.output<typeof viewerAgentsSchema>;
