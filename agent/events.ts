/**
 * The wire contract of GET /events and GET /api/snapshot: one zod schema per SSE event type.
 * The TypeScript types, the JSON Schema served at /api/schema and the README's tables all come from here.
 * Units as Prometheus has them: bytes, seconds, ratios 0..1; `ts` is the sample time in ms since the Unix epoch.
 *
 * Event ids (`id:` on every event) are `<boot>-<seq>`: `seq` counts the agent's sample, collector-error and alert events,
 * one sequence for all topics from 1 at each agent start, so a client of every topic sees consecutive numbers.
 * hello, reset and busy belong to one connection and take no number of their own: their id is the connection's
 * resume point, the last event of the sequence the client is up to date with (the Last-Event-ID it resumed from,
 * or the newest event when it starts afresh; `<boot>-0` before any). Reconnecting with any id received therefore
 * gives no gap and no duplicate.
 */
import { z } from 'zod';
import { historyAnswerSchema } from './history-contract';

/** Kinds of sample, each one SSE event type and one `?topics=` value. */
export const TOPICS = ['cpu', 'memory', 'disk', 'load', 'network', 'pressure', 'processes'] as const;
export const topicSchema = z.enum(TOPICS);
export type Topic = z.infer<typeof topicSchema>;

/** What `?topics=` takes: the kinds of sample and `alert`, the alert engine's state changes (no collector). */
export const STREAM_TOPICS = [...TOPICS, 'alert'] as const;
export const streamTopicSchema = z.enum(STREAM_TOPICS);
export type StreamTopic = z.infer<typeof streamTopicSchema>;

/** The CPU modes of /proc/stat that node_exporter exports in node_cpu_seconds_total. */
export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
export type CpuMode = (typeof CPU_MODES)[number];

const ts = z.number().int().nonnegative().describe('Sample time, ms since the Unix epoch');
const ratio = z.number().min(0).max(1);
const bytes = z.number().nonnegative();
const perSecond = z.number().nonnegative();

/** `<boot>-<seq>`: hex boot id, decimal sequence without leading zeros (short and safe in a header). */
export const EVENT_ID_PATTERN = /^([0-9a-f]{1,16})-(0|[1-9][0-9]{0,14})$/;
export const eventIdSchema = z.string().regex(EVENT_ID_PATTERN).describe('<boot>-<seq>, see /events');

const cpuModeRatios = z
  .strictObject({
    user: ratio,
    nice: ratio.optional(),
    system: ratio,
    idle: ratio,
    iowait: ratio.optional(),
    irq: ratio.optional(),
    softirq: ratio.optional(),
    steal: ratio.optional(),
  })
  .describe('Share of CPU time in each mode over the last interval; modes the source cannot see are absent');

export const cpuEventSchema = z
  .strictObject({
    ts,
    usage: ratio.describe('1 - idle share over the last interval, all CPUs (as the Node Exporter Full "CPU Busy" panel)'),
    modes: cpuModeRatios,
    cores: z.array(z.strictObject({ cpu: z.string(), usage: ratio })).describe('Per logical CPU, by kernel number'),
    contextSwitchesPerSecond: perSecond.optional().describe('/proc/stat ctxt over the last interval; absent where the source has no such counter'),
    forksPerSecond: perSecond.optional().describe('Processes and threads created (/proc/stat processes) over the last interval'),
    interruptsPerSecond: perSecond.optional().describe('Interrupts serviced (/proc/stat intr) over the last interval'),
    procsRunning: z.number().int().nonnegative().optional().describe('Runnable tasks at the sample (/proc/stat procs_running)'),
    procsBlocked: z.number().int().nonnegative().optional().describe('Tasks blocked on I/O at the sample (/proc/stat procs_blocked)'),
  })
  .describe('CPU usage derived from the kernel counters between two samples');

export const memoryEventSchema = z
  .strictObject({
    ts,
    totalBytes: bytes,
    availableBytes: bytes.describe('MemAvailable (MemFree + Buffers + Cached on kernels without it)'),
    usedBytes: bytes.describe('total - available'),
    usedRatio: ratio.describe('used / total'),
    freeBytes: bytes,
    buffersBytes: bytes,
    cachedBytes: bytes,
    swapTotalBytes: bytes,
    swapFreeBytes: bytes,
    swapUsedBytes: bytes,
  })
  .describe('Memory, from /proc/meminfo or the OS');

export const filesystemSchema = z.strictObject({
  mountpoint: z.string(),
  device: z.string(),
  fstype: z.string(),
  readonly: z.boolean(),
  sizeBytes: bytes,
  freeBytes: bytes,
  availBytes: bytes.describe('Free space for unprivileged users'),
  usedBytes: bytes.describe('size - free'),
  usedRatio: ratio.describe('used / (used + avail), as df(1) Use%'),
  files: z.number().nonnegative().optional().describe('Inodes in all; 0 where the filesystem has no fixed count; absent where the source cannot tell'),
  filesFree: z.number().nonnegative().optional(),
  error: z.string().optional().describe('Why the filesystem could not be read (then the sizes are 0)'),
});

export const diskDeviceSchema = z.strictObject({
  device: z.string(),
  readBytesPerSecond: perSecond,
  writeBytesPerSecond: perSecond,
  readsPerSecond: perSecond,
  writesPerSecond: perSecond,
  ioNow: z.number().nonnegative().describe('I/Os in progress'),
  busyRatio: ratio.describe('Share of the interval with I/O in progress'),
});

export const diskEventSchema = z
  .strictObject({
    ts,
    filesystems: z.array(filesystemSchema),
    devices: z.array(diskDeviceSchema).describe('Per block device rates over the last interval; empty where the source has none'),
  })
  .describe('Filesystem usage per mount and I/O rates per block device');

export const loadEventSchema = z
  .strictObject({ ts, load1: z.number().nonnegative(), load5: z.number().nonnegative(), load15: z.number().nonnegative() })
  .describe('Load averages over 1, 5 and 15 minutes');

export const networkInterfaceSchema = z.strictObject({
  device: z.string(),
  up: z.boolean().optional().describe("operstate is 'up' (node_network_up); absent where the source cannot tell"),
  operstate: z.string().optional().describe('/sys/class/net/<device>/operstate: up, down, unknown (loopback), dormant, ...'),
  speedBytesPerSecond: perSecond.optional().describe('Link speed; absent where the driver does not know it'),
  receiveBytesPerSecond: perSecond,
  transmitBytesPerSecond: perSecond,
  receivePacketsPerSecond: perSecond.optional().describe('Absent where the source does not count packets'),
  transmitPacketsPerSecond: perSecond.optional(),
  receiveErrorsPerSecond: perSecond.optional(),
  transmitErrorsPerSecond: perSecond.optional(),
  receiveDropsPerSecond: perSecond.optional(),
  transmitDropsPerSecond: perSecond.optional(),
});

export const networkEventSchema = z
  .strictObject({
    ts,
    interfaces: z.array(networkInterfaceSchema).describe('Per interface rates over the last interval, in /proc/net/dev order; an interface new since the last sample comes with the next'),
  })
  .describe('Network traffic per interface');

const someShare = ratio.describe('Share of the interval in which some tasks were stalled on the resource');
const fullShare = ratio.describe('Share of the interval in which all non-idle tasks were stalled on it at once');
const someAndFull = z.strictObject({ some: someShare, full: fullShare.optional() });

export const pressureEventSchema = z
  .strictObject({
    ts,
    cpu: someAndFull.optional().describe('CPU (full since kernel 5.13); absent where the kernel has no PSI'),
    memory: someAndFull.optional(),
    io: someAndFull.optional(),
    irq: z.strictObject({ full: fullShare }).optional().describe('IRQ (kernel 6.1+, full only)'),
  })
  .describe('Linux pressure stall information (PSI) over the last interval; every resource is absent on kernels without PSI');
export const processSchema = z.strictObject({
  pid: z.number().int().positive(),
  name: z.string().describe('The kernel\'s task name (comm, at most 15 bytes)'),
  command: z
    .string()
    .describe('The command line, arguments separated by spaces (only the program unless collectors.processes.showArguments), cut to collectors.processes.commandMaxLength characters ending in "…"; empty for kernel threads and zombies'),
  user: z.string().describe('Effective user name, or the uid where the host\'s /etc/passwd has none'),
  state: z.string().describe('One letter as ps(1) shows it: R running, S sleeping, D disk sleep, Z zombie, T stopped, I idle, ...'),
  cpuSecondsPerSecond: z.number().nonnegative().describe('CPU seconds (user + system) per second over the interval: 1 is one core\'s worth, a busy multi-threaded process goes above'),
  rssBytes: bytes.describe('Resident set size'),
  threads: z.number().int().positive(),
  readBytesPerSecond: perSecond.optional().describe('Bytes read from storage (/proc/<pid>/io read_bytes) per second; absent where io is unreadable (another user\'s process when not root) and on a process\'s first sample in the list'),
  writeBytesPerSecond: perSecond.optional().describe('Bytes written to storage (write_bytes) per second; absent as readBytesPerSecond'),
});

export const processesEventSchema = z
  .strictObject({
    ts,
    total: z.number().int().nonnegative().describe('Processes read'),
    threads: z.number().int().nonnegative().describe('Threads of all processes'),
    states: z.record(z.string(), z.number().int().positive()).describe('Processes in each state (the letters of `state`)'),
    top: z
      .array(processSchema)
      .describe('The collectors.processes.top processes using the most CPU over the interval, then those of the same number using the most memory (RSS) that are not among them already'),
  })
  .describe('The processes: counts by state, and the top consumers of CPU and memory');

export const ALERT_STATES = ['pending', 'firing', 'resolved', 'inactive'] as const;

export const alertEventSchema = z
  .strictObject({
    ts: ts.describe('The sample time at which the state changed (rules are evaluated at each sample of their topic)'),
    name: z.string().describe('alertname: a node-mixin rule or an alerts.custom one'),
    state: z
      .enum(ALERT_STATES)
      .describe('pending: matching for less than its `for`; firing; resolved: a firing alert that stopped matching; inactive: a pending one that stopped matching before it fired (Prometheus drops it unresolved)'),
    severity: z.string().describe('info, warning or critical'),
    labels: z.record(z.string(), z.string()).describe("Every label, as Prometheus' ALERTS has them: alertname, severity, instance and the series' own (device, mountpoint, fstype, ...)"),
    summary: z.string(),
    description: z.string(),
    value: z.number().describe("The rule's expression's value at the change, in the mixin's units (percent where it says %)"),
    activeAt: ts.describe('When it started matching'),
    forMs: z.number().int().nonnegative().describe("The rule's `for`, ms: how long it matches as pending before it fires"),
    firedAt: ts.optional().describe('When it started firing'),
    resolvedAt: ts.optional().describe('When it stopped matching (resolved and inactive)'),
  })
  .describe('An alert changed state; a new client gets every pending and firing alert at once');

export const collectorErrorEventSchema = z
  .strictObject({
    ts,
    collector: topicSchema,
    message: z.string(),
    consecutive: z.number().int().positive().describe('Failures in a row; the collector keeps trying on its interval'),
  })
  .describe('A collector failed or timed out; its last good sample stays the latest');

export const helloEventSchema = z
  .strictObject({
    agent: z.string().describe('hostfeed version'),
    host: z.string(),
    boot: z.string().describe('Agent boot id: the prefix of every event id of this agent process'),
    source: z.enum(['procfs', 'systeminformation']),
    os: z.strictObject({
      platform: z.string().describe('linux, darwin, win32, ...'),
      distro: z.string().describe('Distribution name and version, e.g. "Debian GNU/Linux 12 (bookworm)"'),
      kernel: z.string().describe('Kernel release, as uname -r'),
      arch: z.string().describe('Machine, as uname -m'),
    }),
    cpu: z.strictObject({ model: z.string(), cores: z.number().int().nonnegative() }),
    bootTs: ts.describe('Host boot time, ms since the Unix epoch'),
    intervals: z.partialRecord(topicSchema, z.number().int().positive()).describe('Sampling interval of each enabled topic, ms'),
    topics: z.array(streamTopicSchema).describe('The topics this connection receives'),
    history: z.boolean().describe('Whether GET /api/history answers the stored history of this agent (history.enabled)'),
  })
  .describe('First event of every connection');

export const resetEventSchema = z
  .strictObject({
    reason: z.enum(['other-boot', 'too-old', 'unknown-id']),
    boot: z.string(),
  })
  .describe('Last-Event-ID could not be resumed: the events that follow are the latest of each topic, not the missed ones');

export const busyEventSchema = z
  .strictObject({ retryMs: z.number().int().positive(), clients: z.number().int().nonnegative() })
  .describe('The agent is at its client limit; the stream ends and EventSource retries after retryMs');

/** Every SSE event type and its payload schema. Never `error` or `message`: EventSource has its own meaning for those. */
export const eventSchemas = {
  hello: helloEventSchema,
  cpu: cpuEventSchema,
  memory: memoryEventSchema,
  disk: diskEventSchema,
  load: loadEventSchema,
  network: networkEventSchema,
  pressure: pressureEventSchema,
  processes: processesEventSchema,
  'collector-error': collectorErrorEventSchema,
  alert: alertEventSchema,
  reset: resetEventSchema,
  busy: busyEventSchema,
} as const;

export type EventType = keyof typeof eventSchemas;
export type EventPayload<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;
export type CpuEvent = EventPayload<'cpu'>;
export type MemoryEvent = EventPayload<'memory'>;
export type DiskEvent = EventPayload<'disk'>;
export type LoadEvent = EventPayload<'load'>;
export type NetworkEvent = EventPayload<'network'>;
export type NetworkInterface = z.infer<typeof networkInterfaceSchema>;
export type PressureEvent = EventPayload<'pressure'>;
export type ProcessesEvent = EventPayload<'processes'>;
export type ProcessEntry = z.infer<typeof processSchema>;
export type Filesystem = z.infer<typeof filesystemSchema>;
export type DiskDevice = z.infer<typeof diskDeviceSchema>;
export type CollectorErrorEvent = EventPayload<'collector-error'>;
export type AlertEvent = EventPayload<'alert'>;
export type HelloEvent = EventPayload<'hello'>;
export type ResetEvent = EventPayload<'reset'>;
export type BusyEvent = EventPayload<'busy'>;
export type TopicPayload<T extends Topic> = EventPayload<T>;

/** GET /api/snapshot: the newest event of each topic, as a new /events client receives them. */
export const snapshotSchema = z.strictObject({
  boot: z.string(),
  id: eventIdSchema.describe('Resume point: GET /events?lastEventId=<id> continues exactly after this snapshot'),
  latest: z
    .strictObject({
      cpu: cpuEventSchema.optional(),
      memory: memoryEventSchema.optional(),
      disk: diskEventSchema.optional(),
      load: loadEventSchema.optional(),
      network: networkEventSchema.optional(),
      pressure: pressureEventSchema.optional(),
      processes: processesEventSchema.optional(),
    })
    .describe('Newest sample of each topic asked for; a topic without a sample yet is absent'),
  failing: z.partialRecord(topicSchema, collectorErrorEventSchema).describe('Collectors whose newest attempt failed'),
});
export type Snapshot = z.infer<typeof snapshotSchema>;

/**
 * JSON Schema (draft 2020-12) of each event type's `data`, keyed by event type: served at /api/schema. `topics`: those
 * the agent samples; the events of any other topic, which it never sends, are left out.
 */
export function eventsJsonSchema(topics: readonly Topic[] = TOPICS): Record<string, unknown> {
  const sent = Object.entries(eventSchemas).filter(([type]) => !(TOPICS as readonly string[]).includes(type) || (topics as readonly string[]).includes(type));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'hostfeed SSE events',
    description: 'The JSON `data` of each SSE event type of GET /events, keyed by the SSE `event:` field',
    $defs: Object.fromEntries(sent.map(([type, schema]) => [type, z.toJSONSchema(schema)])),
    // Apart from $defs, which holds event types only: the answers of the JSON endpoints beside /events.
    responses: { 'GET /api/history': z.toJSONSchema(historyAnswerSchema) },
  };
}
