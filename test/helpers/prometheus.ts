/**
 * A real Prometheus (Debian package prometheus) on a free loopback port, for the e2e suites: started on a config of
 * the test's own (rules, several jobs), or scraping one agent as `job` every `intervalSeconds` with a temporary TSDB.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, startProcess, stopProcess, waitForUrl } from '../../bench/processes';
import { PROGRAMS, requireProgram } from './programs';
import { HANG_GUARD_MS } from './until';

export type Series = { metric: Record<string, string>; value: [number, string] }[];

export interface RunningPrometheus {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  api: string;
  /** What it has written so far (stdout and stderr), for failure messages. */
  output(): string;
  /** An instant query's result; throws when Prometheus answers with an error. */
  query(expr: string): Promise<Series>;
  stop(): Promise<void>;
}

/** Resolves once it answers /-/ready; its TSDB goes in the folder of `configFile`. */
export async function startPrometheus(configFile: string): Promise<RunningPrometheus> {
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const { child, output } = startProcess(requireProgram(PROGRAMS.prometheus), [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dirname(configFile), 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  try {
    await waitForUrl(`${api}/-/ready`, HANG_GUARD_MS);
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return {
    api,
    output,
    async query(expr) {
      const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; data: { result: Series } };
      if (body.status !== 'success') throw new Error(`${expr}: ${JSON.stringify(body)}`);
      return body.data.result;
    },
    stop: () => stopProcess(child),
  };
}

/** Prometheus scraping `target` as `job` every `intervalSeconds`, in a temporary folder removed by stop(). */
export async function startScrapingPrometheus(target: string, job: string, intervalSeconds: number): Promise<RunningPrometheus> {
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
  try {
    const prometheus = await startPrometheus(config);
    return {
      ...prometheus,
      async stop() {
        await prometheus.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
