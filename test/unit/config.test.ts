import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, collectorTimeout, configJsonSchema, enabledTopics, loadConfig, parseConfig } from '../../agent/config';
import { parseDuration } from '../../agent/duration';

const ORIGIN = 'agent.config.json';

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, ORIGIN);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['1s', 1000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    [250, 250],
  ])('%p is %p ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([-5, 0, 1.5, '0s', '-1s', 'five seconds', '1 second', '1', 's', '0.1ms', null, true])('%p is refused', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });
});

const COLLECTORS = ['cpu', 'memory', 'load', 'disk'];

/**
 * The defaults README's configuration table documents, as [key, value] pairs: rows whose default is one value per key
 * (`viewer.warn`, `viewer.critical` | `0.8`, `0.9`) or one for all, none, or one value with exceptions ("`"1s"`; disk and load
 * `"5s"`); `<name>` stands for each collector. Rows that describe their default in words are left to other tests.
 */
function documentedDefaults(): [string, unknown][] {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
  const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const pairs: [string, unknown][] = [];
  for (const [, keyCell, defaultCell] of table.matchAll(/^\| (`[^|]+) \| ([^|]+) \| [^|\n]+ \|$/gm)) {
    const keys = ticked(keyCell).flatMap((key) => (key.includes('<name>') ? COLLECTORS.map((name) => key.replace('<name>', name)) : [key]));
    const exception = /^`([^`]+)`; ([a-z ]+) `([^`]+)`/.exec(defaultCell);
    if (defaultCell.trim() === 'none') keys.forEach((key) => pairs.push([key, undefined]));
    else if (exception) keys.forEach((key) => pairs.push([key, JSON.parse(exception[2].split(/,? and |, /).some((name) => key.includes(`.${name}.`)) ? exception[3] : exception[1])]));
    else if (/^(`[^`]+`(, )?)+$/.test(defaultCell.trim())) {
      // One value per key, or one for all of them.
      const values = ticked(defaultCell);
      if (values.length === keys.length || values.length === 1) keys.forEach((key, i) => pairs.push([key, JSON.parse(values[values.length === 1 ? 0 : i])]));
    }
  }
  return pairs;
}

describe('config defaults', () => {
  it('an empty object gives the defaults README documents', () => {
    const config = parseConfig({}, ORIGIN);
    const documented = documentedDefaults();
    // Most of the table: every simple row (a README rewritten into prose would leave too few to mean anything).
    expect(documented.length).toBeGreaterThanOrEqual(25);
    // tls.* other than the files have defaults once a certificate and key are given.
    const withTls = parseConfig({ tls: { certFile: 'cert.pem', keyFile: 'key.pem' } }, ORIGIN);
    for (const [key, value] of documented) {
      const source = key.startsWith('tls.') && value !== undefined ? withTls : config;
      const actual = key.split('.').reduce<unknown>((section, part) => (section as Record<string, unknown> | undefined)?.[part], source);
      // Durations are documented as text and held in ms.
      const expected = typeof value === 'string' && typeof actual === 'number' ? parseDuration(value) : value;
      expect([key, actual]).toEqual([key, expected]);
    }
    expect(enabledTopics(config)).toEqual(['cpu', 'memory', 'disk', 'load', 'network', 'pressure']);
  });

  it('the shipped agent.config.json is valid and matches the defaults', () => {
    const shipped = loadConfig(join(__dirname, '../../agent.config.json'));
    expect(shipped).toEqual({ ...parseConfig({}, ORIGIN), $schema: './agent.config.schema.json' });
  });

  it('a collector timeout defaults to its interval, at most 10 s', () => {
    const config = parseConfig(
      { collectors: { cpu: { interval: '30s' }, memory: { interval: '2s', timeout: '500ms' }, load: { interval: '250ms' }, disk: { interval: '3s' } } },
      ORIGIN,
    );
    expect(collectorTimeout(config.collectors.cpu)).toBe(10_000);
    expect(collectorTimeout(config.collectors.memory)).toBe(500);
    expect(collectorTimeout(config.collectors.load)).toBe(250);
    expect(collectorTimeout(config.collectors.disk)).toBe(3000);
  });

  it('accepts what express\'s trust proxy accepts, and SSE up to 64 connections below maxConnections', () => {
    const trustProxy = ['loopback', '10.0.0.0/8', '192.168.0.0/255.255.0.0', '::1', 'fd00::/8'];
    expect(parseConfig({ trustProxy }, ORIGIN).trustProxy).toEqual(trustProxy);
    expect(parseConfig({ sse: { maxClients: 936 }, server: { maxConnections: 1000 } }, ORIGIN).sse.maxClients).toBe(936);
  });

  it('disabled collectors are not enabled topics', () => {
    expect(enabledTopics(parseConfig({ collectors: { disk: { enabled: false } } }, ORIGIN))).toEqual(['cpu', 'memory', 'load', 'network', 'pressure']);
  });
});

describe('config errors name the key path and what was expected', () => {
  it.each<[string, unknown, string]>([
    ['negative interval', { collectors: { cpu: { interval: -5 } } }, 'agent.config.json: collectors.cpu.interval: expected a positive duration like "1s", "500ms" or a number of milliseconds, got -5'],
    ['wordy interval', { collectors: { disk: { interval: 'five seconds' } } }, 'agent.config.json: collectors.disk.interval: expected a positive duration like "1s", "500ms" or a number of milliseconds, got "five seconds"'],
    ['zero interval', { collectors: { load: { interval: '0s' } } }, 'agent.config.json: collectors.load.interval: expected a positive duration like "1s", "500ms" or a number of milliseconds, got "0s"'],
    ['port out of range', { port: 70000 }, 'agent.config.json: port: expected a port number 0-65535, got 70000'],
    ['port not a number', { port: 'http' }, 'agent.config.json: port: expected a port number 0-65535, got "http"'],
    ['fractional port', { port: 80.5 }, 'agent.config.json: port: expected a port number 0-65535, got 80.5'],
    ['unknown top-level key', { prot: 9780 }, 'agent.config.json: prot: unknown key'],
    ['unknown nested key', { collectors: { cpu: { intervall: '1s' } } }, 'agent.config.json: collectors.cpu.intervall: unknown key'],
    ['unknown collector', { collectors: { gpu: {} } }, 'agent.config.json: collectors.gpu: unknown key'],
    ['wrong type', { collectors: { cpu: { enabled: 'yes' } } }, 'agent.config.json: collectors.cpu.enabled: expected true or false, got "yes"'],
    ['bad source', { source: 'wmi' }, 'agent.config.json: source: expected "auto", "procfs" or "systeminformation", got "wmi"'],
    ['bad regex', { collectors: { disk: { devicesExclude: '(' } } }, 'agent.config.json: collectors.disk.devicesExclude: expected a valid regular expression, got "("'],
    ['zero replay', { sse: { replay: 0 } }, 'agent.config.json: sse.replay: expected a positive whole number of events, got 0'],
    ['warn above critical', { viewer: { warn: 0.95, critical: 0.9 } }, 'agent.config.json: viewer.warn: expected at most viewer.critical (0.9), got 0.95'],
    ['relative rootfs', { rootfs: 'host/root' }, 'agent.config.json: rootfs: expected an absolute path, got "host/root"'],
    ['bad network regex', { collectors: { network: { devicesExclude: '[lo' } } }, 'agent.config.json: collectors.network.devicesExclude: expected a valid regular expression, got "[lo"'],
    ['relative sysfsRoot', { sysfsRoot: 'sys' }, 'agent.config.json: sysfsRoot: expected an absolute path, got "sys"'],
    ['unknown pressure key', { collectors: { pressure: { devicesExclude: 'x' } } }, 'agent.config.json: collectors.pressure.devicesExclude: unknown key'],
    [
      'viewer.agents naming a host CSP could not carry',
      { viewer: { agents: ['http://web-1:9780', 'http://x;sandbox'] } },
      'agent.config.json: viewer.agents.1: expected an http:// or https:// address whose host is letters, digits, "-" and "." or an IPv6 literal, e.g. "http://web-1:9780", got "http://x;sandbox"',
    ],
    [
      'viewer.agents naming a YAML targets file',
      { viewer: { agents: '/etc/prometheus/targets/fleet.yml' } },
      'agent.config.json: viewer.agents: expected a list of agent addresses, or the path of a Prometheus file_sd targets file in its JSON form (ending in .json), got "/etc/prometheus/targets/fleet.yml"',
    ],
    ['viewer.agents more than a page holds', { viewer: { agents: Array.from({ length: 17 }, (_, i) => `http://web-${i}:9780`) } }, 'agent.config.json: viewer.agents: expected at most 16 addresses, as many as a page shows, got ["http://web-0:9780","http://web-1:9780","http://web-2:97...'],
    [
      'headers given longer than the whole request',
      { server: { headersTimeout: '40s' } },
      'agent.config.json: server.headersTimeout: expected at most server.requestTimeout (30000 ms), got 40000 ms',
    ],
    [
      'SSE leaving no room for scrapes',
      { sse: { maxClients: 1000 }, server: { maxConnections: 1000 } },
      'agent.config.json: sse.maxClients: expected at most server.maxConnections - 64 (936), so that /metrics and /healthz still get in; got 1000',
    ],
    ['zero per-address cap', { sse: { maxClientsPerAddress: 0 } }, 'agent.config.json: sse.maxClientsPerAddress: expected a positive whole number of clients, got 0'],
    ['fractional maxConnections', { server: { maxConnections: 10.5 } }, 'agent.config.json: server.maxConnections: expected a positive whole number of connections, got 10.5'],
    ['trustProxy not a list', { trustProxy: 'loopback' }, 'agent.config.json: trustProxy: expected a list of proxy addresses or ranges, got "loopback"'],
    [
      'trustProxy naming a host',
      { trustProxy: ['loopback', 'proxy.example'] },
      'agent.config.json: trustProxy.1: expected an address, a range like "10.0.0.0/8", "loopback", "linklocal" or "uniquelocal" (invalid IP address: proxy.example), got "proxy.example"',
    ],
    [
      'trustProxy with a prefix too long',
      { trustProxy: ['10.0.0.0/33'] },
      'agent.config.json: trustProxy.0: expected an address, a range like "10.0.0.0/8", "loopback", "linklocal" or "uniquelocal" (invalid range on address: 10.0.0.0/33), got "10.0.0.0/33"',
    ],
  ])('%s', (_name, raw, line) => {
    expect(problemsOf(raw)).toEqual([line]);
  });

  it('reports every problem, one line each', () => {
    expect(problemsOf({ port: -1, host: 7, extra: true })).toEqual([
      'agent.config.json: host: expected a host name or address, got 7',
      'agent.config.json: port: expected a port number 0-65535, got -1',
      'agent.config.json: extra: unknown key',
    ]);
  });
});

describe('durations are bounded', () => {
  /** Node runs a timer of 2^31 ms or more after 1 ms (its setTimeout limit): none may get through. */
  const NODE_TIMER_LIMIT_MS = 2 ** 31;

  /** Sets `value` at `path` in an object with the other keys each refusal needs (tls wants its files). */
  function configWith(path: string[], value: unknown): Record<string, unknown> {
    const raw: Record<string, unknown> = path[0] === 'tls' ? { tls: { certFile: 'cert.pem', keyFile: 'key.pem' } } : {};
    let node = raw;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path.at(-1)!] = value;
    return raw;
  }

  /** Every key of the JSON Schema whose value is written as a duration (the pattern of "1s"), whatever its section. */
  function durationKeys(schema: Record<string, any>, path: string[] = []): string[][] {
    const isDuration = schema.anyOf?.some((branch: { pattern?: string }) => branch.pattern !== undefined && new RegExp(branch.pattern).test('1s'));
    if (isDuration) return [path];
    return Object.entries<Record<string, any>>(schema.properties ?? {}).flatMap(([key, child]) => durationKeys(child, [...path, key]));
  }

  it.each<[string, Record<string, unknown>, string]>([
    ['a heartbeat of 600 hours', { sse: { heartbeat: '600h' } }, 'sse.heartbeat'],
    ['a huge retry', { sse: { retry: '9999999999h' } }, 'sse.retry'],
    ['an interval of 2^31 ms', { collectors: { disk: { interval: NODE_TIMER_LIMIT_MS } } }, 'collectors.disk.interval'],
  ])('%s is refused with one line naming the key', (_what, raw, key) => {
    const problems = problemsOf(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${ORIGIN}: ${key.replace(/\./g, '\\.')}: expected `));
  });

  it('every duration key refuses 2^31 ms and its equivalent in hours', () => {
    const keys = durationKeys(configJsonSchema());
    expect(keys.map((path) => path.join('.'))).toEqual(expect.arrayContaining(['collectors.cpu.interval', 'sse.heartbeat', 'sse.retry']));
    for (const path of keys) {
      for (const value of [NODE_TIMER_LIMIT_MS, `${Math.ceil(NODE_TIMER_LIMIT_MS / 3_600_000)}h`]) {
        const problems = problemsOf(configWith(path, value));
        expect([path.join('.'), problems.length, problems[0]?.startsWith(`${ORIGIN}: ${path.join('.')}: expected `)]).toEqual([path.join('.'), 1, true]);
      }
    }
  });
});

describe('loading a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostfeed-config-'));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const problemsLoading = (path: string, overrides = {}) => {
    try {
      loadConfig(path, overrides);
    } catch (err) {
      return (err as ConfigError).problems;
    }
    throw new Error('expected a ConfigError');
  };

  it('broken JSON names the file', () => {
    const path = write('broken.json', '{ "port": 9780, }');
    const [line] = problemsLoading(path);
    expect(line).toMatch(new RegExp(`^${path}: not valid JSON: `));
  });

  it('a missing file names the file and the reason', () => {
    expect(problemsLoading(join(dir, 'nope.json'))).toEqual([`${join(dir, 'nope.json')}: cannot read: ENOENT`]);
  });

  it('a JSON value that is not an object is refused', () => {
    expect(problemsLoading(write('array.json', '[1]'))).toEqual([`${join(dir, 'array.json')}: expected a JSON object, got [1]`]);
  });

  it('a value nested thousands of levels deep is refused with one line naming where, not a stack overflow', () => {
    // Written as text: JSON.stringify itself overflows the stack on such a value.
    const path = write('deep.json', `{"cors": {"origins": ${'['.repeat(5000)}${']'.repeat(5000)}}}`);
    const problems = problemsLoading(path);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${path}: cors\\.origins[.:]`));
    expect(problems[0]).toContain('nested');
    expect(problems[0]!.length).toBeLessThan(200);
  });

  it('host and port overrides win over the file and are validated the same way', () => {
    const path = write('ok.json', '{ "port": 1234 }');
    expect(loadConfig(path, { port: '4321', host: '::1' })).toMatchObject({ port: 4321, host: '::1' });
    expect(problemsLoading(path, { port: 'abc' })).toEqual([`${path}: port: expected a port number 0-65535, got "abc"`]);
  });
});

describe('JSON Schema for editors', () => {
  it('agent.config.schema.json is the schema generated from the config (npm run config-schema rewrites it)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '../../agent.config.schema.json'), 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });

  it('refuses unknown keys and documents durations as written', () => {
    const schema = configJsonSchema() as { additionalProperties: boolean; properties: Record<string, any> };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.collectors.properties.cpu.properties.interval.default).toBe('1s');
  });
});
