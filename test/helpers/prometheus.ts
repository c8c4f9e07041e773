/**
 * A real Prometheus (Debian package prometheus) on loopback with a temporary TSDB, scraping one agent as `job` every
 * `intervalSeconds`, for the e2e suites that query what it stored.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, stopProcess, waitForUrl } from '../../bench/processes';
import { PROGRAMS, requireProgram } from './programs';
import { HANG_GUARD_MS } from './until';

export type Series = { metric: Record<string, string>; value: [number, string] }[];

export interface RunningPrometheus {
  /** Its last output, for a failure's message. */
  output: () => string;
  /** An instant query's result; throws when Prometheus answers with an error. */
  query: (expr: string) => Promise<Series>;
  stop: () => Promise<void>;
}

export async function startPrometheus(target: string, job: string, intervalSeconds: number): Promise<RunningPrometheus> {
  const path = requireProgram(PROGRAMS.prometheus);
  const dir = mkdtempSync(join(tmpdir(), 'hostfeed-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      `global: { scrape_interval: ${intervalSeconds}s, scrape_timeout: ${intervalSeconds}s }`,
      'scrape_configs:',
      `  - job_name: ${job}`,
      `    static_configs: [{ targets: ['${target}'] }]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const prometheus = startProcess(path, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
  const stop = async () => {
    await stopProcess(prometheus.child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForUrl(`${api}/-/ready`, HANG_GUARD_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    output: prometheus.output,
    async query(expr) {
      const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; data: { result: Series } };
      if (body.status !== 'success') throw new Error(`${expr}: ${JSON.stringify(body)}`);
      return body.data.result;
    },
    stop,
  };
}
