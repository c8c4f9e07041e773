/**
 * GET /api/history (docs/history.md), gzipped when the client takes it, and the history's hostfeed_* metrics. Auth is
 * the auth endpoint's (it comes before); CORS is the one the events endpoint sets for /api/*, as for /api/snapshot.
 */
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import { Router } from 'express';
import { Counter, Gauge, type Registry } from '../metrics/prom-client';
import type { AgentContext, Endpoint } from '../context';
import { searchOf } from '../sse/endpoint';
import { answerHistory } from './downsample';
import { parseHistoryQuery } from './query';
import type { HistoryRecorder } from './recorder';

const gzipAsync = promisify(gzip);

function registerHistoryMetrics(registry: Registry, recorder: HistoryRecorder): void {
  const registers = [registry];
  const { store } = recorder;
  new Gauge({
    name: 'hostfeed_history_bytes',
    help: 'hostfeed: Bytes of the in-memory history (its typed arrays).',
    registers,
    collect() {
      this.set(store.bytes());
    },
  });
  new Gauge({
    name: 'hostfeed_history_series',
    help: 'hostfeed: Series kept in the history, of history.maxSeries.',
    registers,
    collect() {
      this.set(store.series);
    },
  });
  // Totals kept by the store and the recorder: reset() then inc() copies them, as prom-client has no set() for counters.
  new Counter({
    name: 'hostfeed_history_dropped_series_total',
    help: 'hostfeed: New series not kept because the history held history.maxSeries.',
    registers,
    collect() {
      this.reset();
      this.inc(store.droppedSeries);
    },
  });
  new Counter({
    name: 'hostfeed_history_write_errors_total',
    help: 'hostfeed: Writes of the history file that failed (the history stays in memory).',
    registers,
    collect() {
      this.reset();
      this.inc(recorder.writeErrors);
    },
  });
}

/** From a few hundred kB of JSON to a tenth of it, at the cost of a fraction of the time the answer took. */
const GZIP_OPTIONS = { level: constants.Z_BEST_SPEED };

export function historyEndpoint({ feed, metrics }: Pick<AgentContext, 'feed' | 'metrics'>, recorder: HistoryRecorder, now: () => number = Date.now): Endpoint {
  if (metrics) registerHistoryMetrics(metrics, recorder);
  const router = Router();
  router.get('/api/history', async (req, res, next) => {
    try {
      const at = now();
      const body = JSON.stringify(answerHistory(recorder.store, parseHistoryQuery(searchOf(req), feed.topics, at), at));
      res.set({ 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', Vary: 'Accept-Encoding' });
      if (req.acceptsEncodings('gzip') === 'gzip') {
        res.set('Content-Encoding', 'gzip').end(await gzipAsync(body, GZIP_OPTIONS));
      } else {
        res.end(body);
      }
    } catch (err) {
      next(err);
    }
  });
  return { router, close: () => recorder.close() };
}
