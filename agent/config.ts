/**
 * The agent's configuration: one zod schema gives the defaults, the validation, the TypeScript type and the
 * JSON Schema that editors complete agent.config.json with.
 */
import { readFileSync } from 'node:fs';
import express from 'express';
import { z } from 'zod';
import { authConfigSchema } from './auth/schema';
import { durationSchema } from './duration';
import { TOPICS, type Topic } from './events';
import { tlsConfigSchema } from './tls';
import { viewerAgentsSchema } from './fleet/schema';
import { historyConfigSchema } from './history/config';

/**
 * The bounds of the duration keys. A collector sampled less than hourly, a stream whose heartbeat or retry is longer
 * than an hour, is no live feed; a sample or statfs that has not answered in a minute is hung, not slow.
 */
const MAX_INTERVAL = '1h';
const MAX_SAMPLE_TIMEOUT = '1m';

const regex = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected a valid regular expression' },
);

/**
 * An entry of express's `trust proxy` list: an address, a CIDR range or netmask, or loopback, linklocal, uniquelocal.
 * express (proxy-addr) is the judge, so what passes here is what it will use.
 */
const trustedProxy = z.string().superRefine((entry, ctx) => {
  try {
    express().set('trust proxy', [entry]);
  } catch (err) {
    const why = (err as Error).message;
    ctx.addIssue({ code: 'custom', message: `expected an address, a range like "10.0.0.0/8", "loopback", "linklocal" or "uniquelocal" (${why})`, input: entry });
  }
});

/** A count, with the same one-line error whether it is negative, zero, fractional or not a number. */
function positiveWhole(what: string) {
  const error = `expected a positive whole number of ${what}`;
  return z.number({ error }).int({ error }).positive({ error });
}

/** Connections server.maxConnections keeps beyond sse.maxClients: scrapes, probes and page loads still get one. */
const CONNECTIONS_BEYOND_SSE = 64;

/** The keys every collector has. */
const collectorShape = (interval: string) => ({
  enabled: z.boolean({ error: 'expected true or false' }).default(true),
  interval: durationSchema(MAX_INTERVAL).prefault(interval),
  /** A sample that takes longer fails with a collector-error; default: the interval, at most 10 s. */
  timeout: durationSchema(MAX_SAMPLE_TIMEOUT).optional(),
});

/** node_exporter's defaults for --collector.filesystem.* and --collector.diskstats.device-exclude. */
export const NODE_EXPORTER_DEFAULTS = {
  mountPointsExclude: '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)',
  fsTypesExclude:
    '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$',
  devicesExclude: '^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$',
  /**
   * Upstream's --collector.netdev.device-exclude is empty and --collector.netclass.ignored-devices "^$": every
   * interface, loopback too (Debian's package patches the first to "^lo$").
   */
  networkDevicesExclude: '^$',
} as const;

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  host: z.string({ error: 'expected a host name or address' }).min(1).default('127.0.0.1'),
  port: z
    .number({ error: 'expected a port number 0-65535' })
    .int({ error: 'expected a port number 0-65535' })
    .min(0, { error: 'expected a port number 0-65535' })
    .max(65535, { error: 'expected a port number 0-65535' })
    .default(9780),
  source: z.enum(['auto', 'procfs', 'systeminformation'], { error: 'expected "auto", "procfs" or "systeminformation"' }).default('auto'),
  /** Where procfs is mounted, as node_exporter's --path.procfs. */
  procfsRoot: z.string().min(1).default('/proc'),
  /**
   * Where the host's root file system is mounted, as node_exporter's --path.rootfs: the mounts read from
   * procfsRoot/1/mountinfo are statfs'd under it, and keep the host's paths as labels. A container mounts the host's
   * / read-only at /host/root and sets this to that.
   */
  rootfs: z.string({ error: 'expected an absolute path' }).startsWith('/', { error: 'expected an absolute path' }).default('/'),
  /** Where sysfs is mounted, as node_exporter's --path.sysfs: the network collector reads class/net under it. */
  sysfsRoot: z.string({ error: 'expected an absolute path' }).startsWith('/', { error: 'expected an absolute path' }).default('/sys'),
  collectors: z
    .strictObject({
      cpu: z.strictObject(collectorShape('1s')).prefault({}),
      memory: z.strictObject(collectorShape('1s')).prefault({}),
      // The kernel computes load averages every 5 s (LOAD_FREQ): a faster interval reads the same figures again.
      load: z.strictObject(collectorShape('5s')).prefault({}),
      disk: z
        .strictObject({
          ...collectorShape('5s'),
          mountPointsExclude: regex.default(NODE_EXPORTER_DEFAULTS.mountPointsExclude),
          fsTypesExclude: regex.default(NODE_EXPORTER_DEFAULTS.fsTypesExclude),
          devicesExclude: regex.default(NODE_EXPORTER_DEFAULTS.devicesExclude),
          /** A statfs slower than this marks its mount with device_error, as node_exporter's mount-timeout. */
          mountTimeout: durationSchema(MAX_SAMPLE_TIMEOUT).prefault('5s'),
        })
        .prefault({}),
      network: z
        .strictObject({
          ...collectorShape('1s'),
          /** Interfaces left out of the topic and of both the netdev and netclass families. */
          devicesExclude: regex.default(NODE_EXPORTER_DEFAULTS.networkDevicesExclude),
        })
        .prefault({}),
      pressure: z.strictObject(collectorShape('1s')).prefault({}),
    })
    .prefault({}),
  sampling: z
    .strictObject({
      /** A reading at most this old is served again to a scrape: concurrent scrapes, or one right after a live sample, share a read. */
      freshness: durationSchema(MAX_SAMPLE_TIMEOUT).prefault('500ms'),
      /** A topic keeps sampling this long after its last /events subscriber leaves, so a page reload keeps its rates. */
      idleGrace: durationSchema(MAX_INTERVAL).prefault('30s'),
    })
    .prefault({}),
  health: z
    .strictObject({
      /** /healthz answers 503 once a collector has failed this many reads in a row. */
      failAfter: z.number().int().positive({ error: 'expected a positive whole number of reads' }).default(3),
    })
    .prefault({}),
  sse: z
    .strictObject({
      /** Sent as `retry:` once per connection. */
      retry: durationSchema(MAX_INTERVAL).prefault('2s'),
      /** A comment line this often keeps proxies and idle timeouts from closing the stream. */
      heartbeat: durationSchema(MAX_INTERVAL).prefault('15s'),
      /** Events kept for Last-Event-ID replay. */
      replay: z.number().int().positive({ error: 'expected a positive whole number of events' }).default(1024),
      maxClients: z.number().int().positive({ error: 'expected a positive whole number of clients' }).default(10000),
      /**
       * Streams one client address may hold (an IPv6 client by its /64). 64 covers a browser's tabs or a small team
       * behind one NAT; behind a proxy not named in trustProxy every viewer shares the proxy's address.
       */
      maxClientsPerAddress: positiveWhole('clients').default(64),
      /** A client with more unsent bytes than this is cut (it can reconnect and resume). */
      maxBufferedBytes: z.number().int().positive({ error: 'expected a positive number of bytes' }).default(1048576),
      /** Beyond maxClients, EventSource is told to retry after this long (plus up to half again, so retries spread). */
      busyRetry: durationSchema(MAX_INTERVAL).prefault('30s'),
      /** A client whose socket has had unsent bytes this long without draining is cut, however few they are. */
      stallTimeout: durationSchema(MAX_INTERVAL).prefault('60s'),
    })
    .prefault({}),
  server: z
    .strictObject({
      /**
       * Open connections of every kind; beyond it Node drops new ones unanswered. Room for 10,000 SSE clients and
       * the rest, inside the open-file limits of a systemd service (524,288) or a container (1,048,576).
       */
      maxConnections: positiveWhole('connections').default(10240),
      /** A client gets this long to send its request's headers (slowloris), and is answered 408 and closed after it. */
      headersTimeout: durationSchema(MAX_SAMPLE_TIMEOUT).prefault('10s'),
      /** And this long for its whole request (GETs have no body; a body that trickles in is cut the same way). */
      requestTimeout: durationSchema(MAX_SAMPLE_TIMEOUT).prefault('30s'),
    })
    .prefault({}),
  /** Proxies whose X-Forwarded-For names the client (for sse.maxClientsPerAddress); none by default. */
  trustProxy: z.array(trustedProxy, { error: 'expected a list of proxy addresses or ranges' }).default([]),
  cors: z
    .strictObject({
      /** Origins allowed to read /events and /api/* from a browser, e.g. "https://grafana.example.com"; "*" for any. */
      origins: z.array(z.string().min(1)).default([]),
      credentials: z.boolean().default(false),
    })
    .prefault({}),
  /** Off by default: see agent/auth/schema.ts. */
  auth: authConfigSchema,
  /** Absent: plain http. */
  tls: tlsConfigSchema,
  viewer: z
    .strictObject({
      /** Usage ratios at which the viewer turns a figure amber and red. */
      warn: z.number().min(0).max(1).default(0.8),
      critical: z.number().min(0).max(1).default(0.9),
      /**
       * The agents the page shows when its URL names none: a list of base URLs, or the path of a Prometheus file_sd
       * targets file in its JSON form, re-read when it changes. Absent: this agent alone.
       */
      agents: viewerAgentsSchema.optional(),
    })
    .prefault({}),
  /** The in-memory history of every topic, written to a file: see agent/history/config.ts and docs/history.md. */
  history: historyConfigSchema,
});

export type Config = z.output<typeof configSchema>;
export type CollectorConfig = Config['collectors'][Topic];
export type DiskCollectorConfig = Config['collectors']['disk'];
export type NetworkCollectorConfig = Config['collectors']['network'];

/** A configuration that cannot be used: one line per problem, each naming the file and the key path. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describeIssues(origin: string, issues: z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    const path = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${origin}: ${path ? `${path}.` : ''}${key}: unknown key`);
    }
    const message = issue.message.startsWith('Invalid input: ') ? issue.message.slice(15) : issue.message;
    // auth holds secrets (a token, or a password pasted where its hash belongs): never echo them.
    const got = 'input' in issue && issue.path[0] !== 'auth' ? `, got ${show(issue.input)}` : '';
    return [`${origin}: ${path || '(top level)'}: ${message}${got}`];
  });
}

/** Far deeper than any key of the config (auth.basic.<user> is 3 levels), far shallower than a stack overflow. */
const MAX_DEPTH = 16;

/**
 * The path of the first value nested deeper than MAX_DEPTH, or undefined. zod and JSON.stringify recurse through the
 * value: thousands of levels would overflow the stack, so the value is checked before either sees it.
 */
function tooDeep(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (path.length >= MAX_DEPTH) return path;
  for (const [key, child] of Object.entries(value)) {
    const found = tooDeep(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Validates a parsed object; `origin` names where it came from in each error line. */
export function parseConfig(raw: unknown, origin: string): Config {
  const deep = tooDeep(raw);
  if (deep) throw new ConfigError([`${origin}: ${deep.slice(0, 3).join('.')}...: nested more than ${MAX_DEPTH} levels deep`]);
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(describeIssues(origin, result.error.issues));
  const { viewer, cors, sse, server } = result.data;
  if (viewer.warn > viewer.critical) {
    throw new ConfigError([`${origin}: viewer.warn: expected at most viewer.critical (${viewer.critical}), got ${viewer.warn}`]);
  }
  if (cors.credentials && cors.origins.includes('*')) {
    throw new ConfigError([`${origin}: cors.credentials: browsers refuse credentials with the origin "*": list the origins instead`]);
  }
  if (sse.maxClients > server.maxConnections - CONNECTIONS_BEYOND_SSE) {
    const most = server.maxConnections - CONNECTIONS_BEYOND_SSE;
    throw new ConfigError([
      `${origin}: sse.maxClients: expected at most server.maxConnections - ${CONNECTIONS_BEYOND_SSE} (${most}), so that /metrics and /healthz still get in; got ${sse.maxClients}`,
    ]);
  }
  // Node refuses to start a server whose headers may take longer than the whole request.
  if (server.headersTimeout > server.requestTimeout) {
    throw new ConfigError([`${origin}: server.headersTimeout: expected at most server.requestTimeout (${server.requestTimeout} ms), got ${server.headersTimeout} ms`]);
  }
  return result.data;
}

/** Overrides from flags and the environment, applied before validation so their errors read like the file's. */
export interface ConfigOverrides {
  host?: string;
  port?: string;
  /** auth.token (HOSTFEED_TOKEN). */
  token?: string;
}

/** The object a config file holds. */
function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${path}: not valid JSON: ${(err as Error).message}`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError([`${path}: expected a JSON object, got ${show(raw)}`]);
  }
  return raw as Record<string, unknown>;
}

/** Where errors of a config without a file come from: the flags and environment over the defaults. */
const NO_FILE = '(no config file)';

/** `path` undefined: the built-in defaults, with the overrides. */
export function loadConfig(path: string | undefined, overrides: ConfigOverrides = {}): Config {
  const raw = path === undefined ? {} : readConfigFile(path);
  const merged: Record<string, unknown> = { ...raw };
  if (overrides.host !== undefined) merged.host = overrides.host;
  if (overrides.port !== undefined) {
    merged.port = /^\d+$/.test(overrides.port) ? Number(overrides.port) : overrides.port;
  }
  if (overrides.token !== undefined) {
    const auth = merged.auth ?? {};
    // A malformed auth section is left as it is, for the schema to report.
    if (typeof auth === 'object' && auth !== null && !Array.isArray(auth)) merged.auth = { ...auth, token: overrides.token };
  }
  return parseConfig(merged, path ?? NO_FILE);
}

/**
 * Milliseconds a collector's read may take before it counts as failed: by default the interval, at most 10 s. A read
 * is one pass over the host's files, never a wait: 250 ms is room enough.
 */
export function collectorTimeout(config: CollectorConfig): number {
  return config.timeout ?? Math.min(config.interval, 10_000);
}

export function enabledTopics(config: Config): Topic[] {
  return TOPICS.filter((topic) => config.collectors[topic].enabled);
}

/** JSON Schema of the file (its input side: durations as written), for editors via "$schema". */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
